/**
 * Which git is installed, and whether it is new enough: merges use `merge-tree --write-tree`,
 * which arrived in git 2.38.
 */
import { tmpdir } from 'node:os';
import { AppError } from '../errors';
import { GitError, gitText } from './core';

export const MIN_GIT_VERSION = '2.38';
const MIN_GIT = [2, 38] as const;

let cached: Promise<string | null> | null = null;

/** The installed git's version, e.g. "2.39.5"; null when git is missing. Cached for the process. */
export function getGitVersion(): Promise<string | null> {
  cached ??= readGitVersion();
  return cached;
}

async function readGitVersion(): Promise<string | null> {
  try {
    // A neutral cwd: the version must not depend on (or fail because of) a repository.
    const out = await gitText(['--version'], { cwd: tmpdir(), timeoutMs: 10_000 });
    return parseGitVersion(out);
  } catch (err) {
    if (err instanceof GitError && err.kind === 'git-missing') return null;
    // A git that runs but will not say its version is as good as missing; don't cache the guess.
    cached = null;
    return null;
  }
}

/** Extracts "2.39.5" from "git version 2.39.5" (also "2.39.3 (Apple Git-145)", "2.41.0.windows.1"). */
export function parseGitVersion(output: string): string | null {
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(output);
  return match ? match[0] : null;
}

/** Throws 'git-missing' or 'git-too-old' with what to install; resolves when git is usable. */
export async function assertGitUsable(): Promise<void> {
  const version = await getGitVersion();
  if (version === null) {
    throw new AppError('git-missing', `Git is not installed or not on PATH. Install git ${MIN_GIT_VERSION} or newer and restart Flotilla.`);
  }
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < MIN_GIT[0] || (major === MIN_GIT[0] && minor < MIN_GIT[1])) {
    throw new AppError(
      'git-too-old',
      `Git ${version} is too old: Flotilla needs git ${MIN_GIT_VERSION} or newer (for merge-tree --write-tree). Install a newer git and restart Flotilla.`,
      { version, required: MIN_GIT_VERSION },
    );
  }
}
