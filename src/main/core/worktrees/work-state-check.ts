/**
 * What removing a worktree would lose, and saving it first: a snapshot commit of every file
 * (uncommitted and untracked included) kept under refs/flotilla/archive/<slug>/<time>. Work
 * inside the worktree's submodules counts too, and is saved under the same ref name in the
 * user's copy of each submodule; the worktree's snapshot records those commits as its gitlinks,
 * so checking out the snapshot and running `git submodule update` brings all of it back.
 */
import type { RemovalCheck } from '../../../shared/types';
import { gitText, commitIdentityEnv, commitOf, createRef, parseStatusZ, captureWorkState, prepareViewAt } from '../git';
import { hasSubmoduleWork, inspectSubmodules } from './submodules';
import { replaceGitlinks, snapshotSubmodules, type SubmoduleSnapshot } from './submodule-snapshot';

export const ARCHIVE_PREFIX = 'refs/flotilla/archive/';

/** Counts uncommitted tracked changes and untracked (not ignored) files in a worktree. */
export async function countChanges(worktreePath: string): Promise<{ uncommitted: number; untracked: number }> {
  await prepareViewAt(worktreePath);
  const out = await gitText(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignore-submodules=all'], { cwd: worktreePath });
  let uncommitted = 0;
  let untracked = 0;
  for (const entry of parseStatusZ(out)) {
    if (entry.x === '?') untracked++;
    else if (entry.x !== '!') uncommitted++;
  }
  return { uncommitted, untracked };
}

export { commitOf };

/**
 * Commits reachable from `tips` but not from `baseRef`. When the base no longer resolves (its
 * branch was deleted), counts commits reachable from no local branch except `ownRef`, so work
 * is never reported as safe just because its base disappeared.
 */
export async function countCommitsAhead(cwd: string, tips: string[], baseRef: string, ownRef: string | null): Promise<number> {
  const baseSha = (await commitOf(cwd, `refs/heads/${baseRef}`)) || (baseRef.startsWith('-') ? '' : await commitOf(cwd, baseRef));
  let excluded: string[];
  if (baseSha) {
    excluded = [baseSha];
  } else {
    const refs = await gitText(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads/'], { cwd });
    excluded = refs
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ', 2) as [string, string])
      .filter(([, ref]) => ref !== ownRef)
      .map(([sha]) => sha);
  }
  // --stdin keeps a repository with thousands of branches within argument limits.
  const input = [...tips, ...excluded.map((sha) => `^${sha}`)].join('\n') + '\n';
  const count = await gitText(['rev-list', '--count', '--stdin'], { cwd, input });
  return Number(count) || 0;
}

/**
 * What removing the worktree would lose: uncommitted tracked changes, untracked files that are
 * not ignored, and commits in HEAD not reachable from `baseRef`.
 */
export async function inspectWork(worktreePath: string, baseRef: string): Promise<RemovalCheck> {
  const prepared = await prepareViewAt(worktreePath);
  const [{ uncommitted, untracked }, ownRef] = await Promise.all([
    countChanges(worktreePath),
    prepared
      ? Promise.resolve(prepared.onBranch ? prepared.view.branchRef : '')
      : gitText(['symbolic-ref', '--quiet', 'HEAD'], { cwd: worktreePath, okExitCodes: [1] }),
  ]);
  const commitsAhead = await countCommitsAhead(worktreePath, ['HEAD'], baseRef, ownRef || null);
  const sub = await countSubmoduleWork(worktreePath, prepared?.head ?? null);
  return {
    uncommitted: uncommitted + sub.uncommitted,
    untracked: untracked + sub.untracked,
    commitsAhead: commitsAhead + sub.commits,
    hasWork: uncommitted + untracked + commitsAhead + sub.total > 0,
  };
}

/**
 * Work inside the worktree's submodules that only the agent's copies hold: changed and untracked
 * files, and commits no ref of the user's copy reaches. Never "already merged": a merge of the
 * worktree carries a submodule's commit id, not its objects.
 */
export async function countSubmoduleWork(
  worktreePath: string,
  headSha: string | null,
): Promise<{ uncommitted: number; untracked: number; commits: number; total: number }> {
  const head = headSha ?? (await commitOf(worktreePath, 'HEAD'));
  const counts = { uncommitted: 0, untracked: 0, commits: 0, total: 0 };
  if (!head) return counts;
  for (const sub of await inspectSubmodules(worktreePath, head)) {
    if (!hasSubmoduleWork(sub)) continue;
    const untracked = sub.files.filter((f) => f.status === '?').length;
    counts.untracked += untracked;
    counts.uncommitted += sub.files.length - untracked;
    counts.commits += sub.unsavedCommits;
  }
  counts.total = counts.uncommitted + counts.untracked + counts.commits;
  return counts;
}

/** "20261124T071500Z": sortable, and legal in a ref name. */
export function archiveStamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/** Creates `refs/flotilla/archive/<slug>/<stamp>` (or `-2`, `-3`, ...) pointing at `sha`; never overwrites. */
export async function createArchiveRef(topLevel: string, slug: string, sha: string, now: Date): Promise<string> {
  return createRef(`${ARCHIVE_PREFIX}${slug}/${archiveStamp(now)}`, sha, 'flotilla: snapshot before removal', { cwd: topLevel });
}

/**
 * Saves the worktree's whole state as a commit on top of HEAD (with the branch tip as a second
 * parent if the worktree moved off its branch) and points a new archive ref at it.
 */
export async function snapshotWorktree(opts: {
  topLevel: string;
  worktreePath: string;
  slug: string;
  branch: string;
  now?: Date;
}): Promise<{ ref: string; sha: string; submodules: SubmoduleSnapshot[] }> {
  const now = opts.now ?? new Date();
  const state = await captureWorkState(opts.worktreePath, undefined, { persist: true });
  // Work inside submodules first: the worktree's snapshot records their snapshot commits.
  const submodules = await snapshotSubmodules({
    worktreePath: opts.worktreePath,
    headSha: state.headSha,
    refName: `${ARCHIVE_PREFIX}${opts.slug}/${archiveStamp(now)}`,
    message: `Flotilla snapshot of this submodule in ${opts.branch}`,
  });
  let tree = state.treeSha;
  const top = submodules.filter((s) => s.depth === 0);
  if (top.length > 0) {
    const commonDir = await gitText(['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: opts.topLevel });
    tree = await replaceGitlinks(commonDir, tree, new Map(top.map((s) => [s.path, s.commit])));
  }
  const branchTip = await commitOf(opts.worktreePath, `refs/heads/${opts.branch}`);
  const parents = ['-p', state.headSha];
  if (branchTip && branchTip !== state.headSha) parents.push('-p', branchTip);
  const env = await commitIdentityEnv(opts.worktreePath);
  const sha = await gitText(['commit-tree', '--no-gpg-sign', tree, ...parents, '-m', `Flotilla snapshot of ${opts.branch}`], {
    cwd: opts.worktreePath,
    env,
  });
  const ref = await createArchiveRef(opts.topLevel, opts.slug, sha, now);
  return { ref, sha, submodules };
}
