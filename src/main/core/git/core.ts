/**
 * The one door to git. Argument arrays only (never a shell string), a fixed non-interactive
 * environment, a timeout and an abort signal on every call, and typed errors mapped from stderr.
 * Callers declare the exit codes they expect instead of catching everything.
 */
import { existsSync } from 'node:fs';
import { AppError } from '../errors';
import { log } from '../log';
import { HOOKS_OFF_CONFIG } from './hooks';
import { VIEW_CONFIG, viewEnvironment, viewFor } from './worktree-view';
import { runProcess } from './spawn-worker';

export const GIT_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

export interface GitOptions {
  cwd: string;
  /** Written to git's stdin. */
  input?: string | Uint8Array;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Exit codes that are not errors (0 is always accepted). */
  okExitCodes?: number[];
  /** Extra environment, e.g. GIT_INDEX_FILE for a private index. */
  env?: Record<string, string>;
}

export interface GitResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

/**
 * Config every git call Flotilla makes runs with, so that no setting can make Flotilla run a
 * program: no fsmonitor hook, no hooks, no credential helpers or askpass, no transports, no
 * automatic gc or maintenance, no recursion into submodules. Given as GIT_CONFIG_COUNT pairs,
 * which override every config file (an explicit `-c` on a call still wins). Filter, diff and
 * merge drivers can only come from config the user wrote: an agent cannot write the
 * repository's config (sandbox.ts) and Flotilla never reads config from an agent's worktree
 * (worktree-view.ts).
 */
export const HARDENING_CONFIG: ReadonlyArray<readonly [string, string]> = [
  ['core.fsmonitor', 'false'],
  HOOKS_OFF_CONFIG,
  ['core.askPass', ''],
  ['credential.helper', ''],
  ['protocol.allow', 'never'],
  ['submodule.recurse', 'false'],
  ['gc.auto', '0'],
  ['maintenance.auto', 'false'],
  ['core.pager', 'cat'],
  ['core.editor', 'true'],
  ['sequence.editor', 'true'],
];

/** Config pairs as GIT_CONFIG_COUNT / GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n. */
export function configEnvironment(pairs: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(pairs.length) };
  pairs.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/**
 * The environment for one call: the fixed environment, the hardening config and, when `cwd` lies
 * in an agent's worktree, its view (worktree-view.ts). `extra` wins over the view (a private index).
 */
export function callEnvironment(cwd: string, extra?: Record<string, string>): NodeJS.ProcessEnv {
  const view = viewFor(cwd);
  const config = view ? [...HARDENING_CONFIG, ...VIEW_CONFIG] : HARDENING_CONFIG;
  return gitEnvironment({ ...configEnvironment(config), ...(view ? viewEnvironment(view) : {}), ...extra });
}

/** The fixed environment every git call runs with: no prompts, no pager, a fixed locale. */
export function gitEnvironment(extra?: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'USER', 'LOGNAME', 'SYSTEMROOT', 'TMPDIR', 'XDG_CONFIG_HOME']) {
    if (process.env[key] !== undefined) env[key] = process.env[key];
  }
  Object.assign(env, {
    LANG: 'C',
    LC_ALL: 'C',
    LANGUAGE: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    GIT_EDITOR: 'true',
    GIT_SEQUENCE_EDITOR: 'true',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_CONFIG_NOSYSTEM: process.env.GIT_CONFIG_NOSYSTEM ?? '',
  });
  if (!env.GIT_CONFIG_NOSYSTEM) delete env.GIT_CONFIG_NOSYSTEM;
  return { ...env, ...extra };
}

/** A git command that failed; `kind` classifies its stderr. */
export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly exitCode: number,
    readonly stderr: string,
    readonly kind: GitErrorKind,
  ) {
    super(`git ${args[0] ?? ''} failed (${exitCode}): ${stderr.trim().split('\n').slice(-3).join(' ')}`);
    this.name = 'GitError';
  }
}

export type GitErrorKind =
  | 'not-a-repository'
  | 'bad-revision'
  | 'branch-exists'
  | 'invalid-ref-name'
  | 'worktree-exists'
  | 'dirty-worktree'
  | 'lock-failed'
  | 'ref-moved'
  | 'timeout'
  | 'cancelled'
  | 'git-missing'
  | 'folder-missing'
  | 'unknown';

/** Classifies a failure from git's (C-locale) stderr. Pure; tested on real git stderr (test/git-classify.int.test.ts). */
export function classifyGitError(stderr: string): GitErrorKind {
  const s = stderr.toLowerCase();
  if (s.includes('not a git repository')) return 'not-a-repository';
  if (/a branch named '.*' already exists/.test(s) || /reference already exists/.test(s)) return 'branch-exists';
  if (s.includes('is not a valid branch name') || s.includes('not a valid ref name') || s.includes('invalid reference'))
    return 'invalid-ref-name';
  if (s.includes('already exists') && s.includes('worktree')) return 'worktree-exists';
  if (s.includes('already checked out') || s.includes('is already used by worktree')) return 'worktree-exists';
  if (s.includes('contains modified or untracked files') || s.includes('would be overwritten')) return 'dirty-worktree';
  // A compare-and-swap update-ref whose ref is no longer at the expected commit (or is gone).
  if (s.includes('cannot lock ref') && (/is at [0-9a-f]+ but expected/.test(s) || s.includes('unable to resolve reference'))) return 'ref-moved';
  if (s.includes('unable to create') && s.includes('.lock')) return 'lock-failed';
  if (s.includes('cannot lock ref')) return 'lock-failed';
  if (
    s.includes('unknown revision') ||
    s.includes('bad revision') ||
    s.includes('not a valid object name') ||
    s.includes('needed a single revision') ||
    s.includes('invalid object name')
  )
    return 'bad-revision';
  return 'unknown';
}

/**
 * Runs git with an argument array (through simple-git in a worker thread: spawn-worker.ts). Resolves
 * with stdout as bytes; rejects with GitError unless the exit code is 0 or declared in `okExitCodes`.
 */
export async function git(args: string[], options: GitOptions): Promise<GitResult> {
  if (options.signal?.aborted) throw new GitError(args, -1, 'cancelled', 'cancelled');
  // spawn reports a missing cwd as ENOENT, the same code as a missing git binary: tell them apart.
  if (!existsSync(options.cwd)) throw new GitError(args, -1, `${options.cwd} does not exist`, 'folder-missing');
  const outcome = await runProcess(
    {
      args,
      cwd: options.cwd,
      env: callEnvironment(options.cwd, options.env),
      input: options.input,
      timeoutMs: options.timeoutMs ?? GIT_TIMEOUT_MS,
      maxOutputBytes: MAX_OUTPUT_BYTES,
    },
    options.signal,
  );
  if (outcome.spawnError) {
    log('error', 'git could not run', { args, cwd: options.cwd, error: outcome.spawnError.message });
    const missing = outcome.spawnError.code === 'ENOENT';
    throw new GitError(args, -1, missing ? 'git: command not found' : outcome.spawnError.message, missing ? 'git-missing' : 'unknown');
  }
  if (outcome.killedFor) {
    if (outcome.killedFor === 'timeout') log('warn', 'git timed out', { args, cwd: options.cwd, timeoutMs: options.timeoutMs ?? GIT_TIMEOUT_MS });
    throw new GitError(args, -1, `git ${args[0]} ${outcome.killedFor === 'timeout' ? 'timed out' : 'was cancelled'}`, outcome.killedFor);
  }
  const exitCode = outcome.code ?? -1;
  if (exitCode === 0 || options.okExitCodes?.includes(exitCode)) return { stdout: outcome.stdout, stderr: outcome.stderr, exitCode };
  const kind = classifyGitError(outcome.stderr);
  log('warn', 'git failed', { args, cwd: options.cwd, exitCode, kind, stderr: outcome.stderr.trim() });
  throw new GitError(args, exitCode, outcome.stderr, kind);
}

/** Runs git and returns stdout as text with the trailing newline removed. */
export async function gitText(args: string[], options: GitOptions): Promise<string> {
  const { stdout } = await git(args, options);
  return stdout.toString('utf8').replace(/\n$/, '');
}

/** "Another git process seems to be running (…/index.lock exists)…" in plain words. */
function lockMessage(stderr: string): string {
  const lock = /'([^']+\.lock)'/.exec(stderr)?.[1];
  return lock
    ? `git could not take its lock: ${lock} exists. Another git command may still be running there; if none is, delete that file and try again.`
    : `git could not take a lock: ${stderr.trim().split('\n').slice(-1)[0] ?? ''}`;
}

/** Maps a GitError to the user-facing AppError; other errors pass through. */
export function toAppError(err: unknown, what: string): unknown {
  if (!(err instanceof GitError)) return err;
  switch (err.kind) {
    case 'not-a-repository':
      return new AppError('not-a-repository', `${what}: not a git repository.`);
    case 'timeout':
      return new AppError('timeout', `${what}: git took too long and was stopped.`);
    case 'cancelled':
      return new AppError('cancelled', `${what}: cancelled.`);
    case 'git-missing':
      return new AppError('git-missing', 'Git is not installed or not on PATH. Install git 2.38 or newer.');
    case 'folder-missing':
      return new AppError('worktree-missing', `${what}: the folder ${err.stderr.replace(/ does not exist$/, '')} no longer exists. It may have been deleted outside Flotilla.`);
    case 'lock-failed':
      return new AppError('git-failed', `${what}: ${lockMessage(err.stderr)}`);
    case 'ref-moved':
      return new AppError('git-failed', `${what}: a branch moved while Flotilla was changing it, so nothing was overwritten. Try again.`);
    case 'branch-exists':
      return new AppError('branch-exists', `${what}: the branch already exists.`);
    case 'invalid-ref-name':
      return new AppError('invalid-name', `${what}: not a valid branch name.`);
    case 'bad-revision':
      return new AppError('base-not-found', `${what}: no such branch or commit.`);
    default:
      return new AppError('git-failed', `${what}: ${err.stderr.trim().split('\n').slice(-2).join(' ') || `git exited with ${err.exitCode}`}`);
  }
}
