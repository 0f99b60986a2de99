/**
 * The hooks-off policy: no hook a repository names ever runs from a git call Flotilla makes. An
 * agent can write hooks into its worktree, and a cloned repository can carry a template's; a
 * hook would run outside the sandbox with the user's rights.
 */

/** Config pair in every call's hardening (core.ts): hooks are looked up in a folder that has none. */
export const HOOKS_OFF_CONFIG: readonly [string, string] = ['core.hooksPath', '/dev/null'];

/** For `clone` and `init`: copy no hooks (nor any other file) from a template folder. */
export const NO_TEMPLATE_ARG = '--template=';
