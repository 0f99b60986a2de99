/**
 * Ref verbs: resolving a name to a commit, creating a ref that never overwrites, and deleting a
 * ref only if it still points where the caller expects. Each write is one compare-and-swap
 * `update-ref`, so a ref that moves or appears meanwhile is never lost.
 */
import { git, GitError, gitText, type GitOptions } from './core';

/** The options a ref verb passes on to git (working directory, environment, cancellation). */
export type RefCallOptions = Pick<GitOptions, 'cwd' | 'env' | 'signal'>;

/** The commit `rev` names, or '' when it names none (a missing ref, a tree, a bad name). */
export async function commitOf(cwd: string, rev: string, options: Omit<RefCallOptions, 'cwd'> = {}): Promise<string> {
  // --end-of-options: a rev from outside (a branch name typed by the user) is never read as an option.
  return gitText(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { ...options, cwd, okExitCodes: [1, 128] });
}

/**
 * Makes `name` (or `name-2`, `name-3`, …, the first that does not exist) point at `commit` and
 * returns the ref it made. Never overwrites: the empty old value makes git refuse a ref that
 * exists, even one that appeared a moment ago.
 */
export async function createRef(name: string, commit: string, message: string, options: RefCallOptions): Promise<string> {
  for (let n = 1; ; n++) {
    const ref = n === 1 ? name : `${name}-${n}`;
    try {
      await git(['update-ref', '-m', message, ref, commit, ''], options);
      return ref;
    } catch (err) {
      if (err instanceof GitError && err.kind === 'branch-exists') continue;
      throw err;
    }
  }
}

/**
 * Deletes `ref` if, and only if, it points at `expected`, in one step (`update-ref -d <ref>
 * <expected>`): a commit that lands on it meanwhile keeps it. Returns false when the ref had
 * moved (or was already gone); other failures throw.
 */
export async function deleteRefIfAt(ref: string, expected: string, options: RefCallOptions): Promise<boolean> {
  try {
    await git(['update-ref', '-m', 'flotilla: delete', '-d', ref, expected], options);
    return true;
  } catch (err) {
    if (err instanceof GitError && err.kind === 'ref-moved') return false;
    throw err;
  }
}
