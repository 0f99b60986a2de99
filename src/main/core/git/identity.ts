/**
 * The identity Flotilla commits with when the repository has none configured, so merging and
 * snapshots work on a fresh machine. A configured user.name / user.email always wins.
 */
import { gitText } from './core';

export const FALLBACK_NAME = 'Flotilla';
export const FALLBACK_EMAIL = 'flotilla@localhost';

/** Flotilla's own identity as author and committer, for plumbing commits made in its name. */
export const FLOTILLA_IDENTITY_ENV: Readonly<Record<string, string>> = {
  GIT_AUTHOR_NAME: FALLBACK_NAME,
  GIT_AUTHOR_EMAIL: FALLBACK_EMAIL,
  GIT_COMMITTER_NAME: FALLBACK_NAME,
  GIT_COMMITTER_EMAIL: FALLBACK_EMAIL,
};

async function configValue(cwd: string, key: string): Promise<string> {
  return gitText(['config', '--get', key], { cwd, okExitCodes: [1] });
}

/** Environment that fills in whichever of user.name / user.email is unset in `cwd`. */
export async function commitIdentityEnv(cwd: string): Promise<Record<string, string>> {
  const [name, email] = await Promise.all([configValue(cwd, 'user.name'), configValue(cwd, 'user.email')]);
  const env: Record<string, string> = {};
  if (!name.trim()) Object.assign(env, { GIT_AUTHOR_NAME: FALLBACK_NAME, GIT_COMMITTER_NAME: FALLBACK_NAME });
  if (!email.trim()) Object.assign(env, { GIT_AUTHOR_EMAIL: FALLBACK_EMAIL, GIT_COMMITTER_EMAIL: FALLBACK_EMAIL });
  return env;
}
