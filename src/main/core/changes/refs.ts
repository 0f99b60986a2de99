/**
 * Resolving the commit an agent's changes are measured from.
 */
import { git, toAppError, prepareViewAt } from '../git';

/**
 * Resolves `ref` to a commit id, preferring the branch `refs/heads/<ref>` over any tag or
 * remote of the same name; null when it does not resolve.
 */
export async function resolveCommit(cwd: string, ref: string, signal?: AbortSignal): Promise<string | null> {
  // A ref from the database never starts with '-'; refuse rather than let git read an option.
  if (!ref || ref.startsWith('-')) return null;
  const candidates = ref.startsWith('refs/') ? [ref] : [`refs/heads/${ref}`, ref];
  for (const candidate of candidates) {
    const { stdout, exitCode } = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${candidate}^{commit}`], {
      cwd,
      signal,
      okExitCodes: [1, 128],
    });
    if (exitCode === 0) return stdout.toString('utf8').trim();
  }
  return null;
}

/**
 * The merge base of `baseRef`'s tip and the worktree's HEAD: the commit the agent's changes
 * are measured from. Falls back to `fallbackSha` (the commit the agent started at) when the
 * base no longer resolves or shares no history with HEAD.
 */
export async function mergeBaseFor(worktreePath: string, baseRef: string, fallbackSha: string): Promise<string> {
  try {
    await prepareViewAt(worktreePath);
    return await mergeBaseInView(worktreePath, baseRef, fallbackSha);
  } catch (err) {
    throw toAppError(err, "Could not read the agent's changes");
  }
}

/**
 * mergeBaseFor for a caller that has just prepared the worktree's view (prepareViewAt). One git
 * call when the branch exists: `merge-base` resolves the ref itself and exits 128 when it does
 * not resolve (then the next candidate is tried, as resolveCommit does), 1 when there is no base.
 */
export async function mergeBaseInView(worktreePath: string, baseRef: string, fallbackSha: string, signal?: AbortSignal): Promise<string> {
  // A ref from the database never starts with '-'; refuse rather than let git read an option.
  if (!baseRef || baseRef.startsWith('-')) return fallbackSha;
  const candidates = baseRef.startsWith('refs/') ? [baseRef] : [`refs/heads/${baseRef}`, baseRef];
  for (const candidate of candidates) {
    const { stdout, exitCode } = await git(['merge-base', '--end-of-options', `${candidate}^{commit}`, 'HEAD'], {
      cwd: worktreePath,
      signal,
      okExitCodes: [1, 128],
    });
    if (exitCode === 128) continue;
    const base = stdout.toString('utf8').trim();
    return exitCode === 0 && base ? base : fallbackSha;
  }
  return fallbackSha;
}
