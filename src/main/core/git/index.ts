/**
 * The git service: the one door every git call goes through (core.ts: simple-git in a worker
 * thread, hardened environment, typed errors) and the verbs built on it.
 */
export { classifyGitError, git, GitError, gitText, HARDENING_CONFIG, toAppError, type GitErrorKind, type GitOptions, type GitResult } from './core';
export { GIT_MAX_CONCURRENT, stopProcessWorker } from './spawn-worker';
export { commitOf, createRef, deleteRefIfAt } from './refs';
export { commitIdentityEnv, FALLBACK_EMAIL, FALLBACK_NAME, FLOTILLA_IDENTITY_ENV } from './identity';
export { HOOKS_OFF_CONFIG, NO_TEMPLATE_ARG } from './hooks';
export * from './agent-branch';
export * from './worktree-view';
export * from './work-state';
export * from './lock';
export * from './parse';
export * from './version';
