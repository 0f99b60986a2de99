/**
 * Squash-merging an agent's branch into its base branch, computed on refs: `merge-tree
 * --write-tree`, `commit-tree`, then either a fast-forward of a clean checkout of the base or a
 * compare-and-swap `update-ref`. The user's checkout is never stashed, reset or switched, and a
 * merge that cannot complete changes nothing.
 */
import type { AppErrorData, MergePreview, MergeResult } from '../../../shared/types';
import { AppError } from '../errors';
import { GitError, git, gitText, toAppError, captureWorkState, type WorkState, prepareViewAt, writePrivateTip, registeredWorktrees, parseWorktreeList, commitIdentityEnv, commitOf } from '../git';
import { join } from 'node:path';
import { parseMergeTreeZ, parsePathListZ, type MergeTreeResult } from '../changes/parse-diff';

const LISTED_CONFLICTS = 10;

interface MergeTarget {
  topLevel: string;
  worktreePath: string;
  branch: string;
  baseRef: string;
  baseIsBranch: boolean;
  /** The branch to merge into when the agent started from a detached commit (`baseIsBranch` false). */
  targetBranch?: string;
}

/** Everything a merge decision rests on, gathered without changing anything. */
interface MergeInspection {
  work: WorkState;
  baseTip: string;
  agentTip: string;
  merged: MergeTreeResult;
  uncommittedFiles: number;
  commitsAhead: number;
  /** Worktree where the base branch is checked out (the user's checkout or another), if any. */
  checkout: string | null;
  /** Why the checkout of the base cannot take the merge, if it cannot. */
  checkoutProblem: AppError | null;
  nothingToMerge: boolean;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function listFiles(files: string[]): string {
  const shown = files.slice(0, LISTED_CONFLICTS).join(', ');
  return files.length > LISTED_CONFLICTS ? `${shown} and ${files.length - LISTED_CONFLICTS} more` : shown;
}

function unsupported(): AppError {
  return new AppError('unsupported', 'This agent started from a detached commit; there is no branch to merge into.');
}

/**
 * Where the merge goes: the agent's base branch, or, for an agent that started from a detached
 * commit, the branch the user picked. A branch-based agent merges only into its own base.
 */
function chooseTarget<T extends MergeTarget>(t: T): T {
  const picked = t.targetBranch?.trim().replace(/^refs\/heads\//, '');
  if (!picked || (t.baseIsBranch && picked === t.baseRef)) return t;
  if (t.baseIsBranch) {
    throw new AppError('invalid-params', `${t.branch} started from ${t.baseRef} and merges only into it, not into ${picked}.`);
  }
  return { ...t, baseRef: picked, baseIsBranch: true };
}

function conflictError(t: MergeTarget, files: string[]): AppError {
  return new AppError(
    'merge-conflict',
    `Merging ${t.branch} into ${t.baseRef} would conflict in ${plural(files.length, 'file')}: ${listFiles(files)}. Nothing was changed.`,
    { files },
  );
}

function nothingToMergeError(t: MergeTarget): AppError {
  return new AppError('nothing-to-merge', `${t.branch} has no changes that are not already in ${t.baseRef}. Nothing was changed.`);
}

function baseMovedError(t: MergeTarget): AppError {
  return new AppError('base-moved', `${t.baseRef} changed while Flotilla was merging, so it was left as it is. Preview the merge again.`);
}

async function resolveBranchTip(topLevel: string, baseRef: string): Promise<string | null> {
  if (!baseRef || baseRef.startsWith('-')) return null;
  return (await commitOf(topLevel, `refs/heads/${baseRef}`)) || null;
}

/**
 * The worktree where `refs/heads/<base>` is checked out, if any. Agents' worktrees never count:
 * an agent can point its own HEAD at the base branch, and Flotilla must not then "fast-forward"
 * files in the agent's worktree instead of moving the branch.
 */
async function findCheckout(topLevel: string, baseRef: string): Promise<string | null> {
  const { stdout } = await git(['worktree', 'list', '--porcelain', '-z'], { cwd: topLevel });
  const agents = new Set(registeredWorktrees());
  const entries = parseWorktreeList(stdout.toString('utf8'));
  return entries.find((e) => e.branch === `refs/heads/${baseRef}` && !agents.has(e.path))?.path ?? null;
}

async function hasTrackedChanges(checkout: string): Promise<boolean> {
  const out = await gitText(['status', '--porcelain', '-z', '--untracked-files=no'], { cwd: checkout });
  return out.length > 0;
}

/** Untracked files in the checkout that the fast-forward to `mergedTree` would overwrite. */
async function untrackedInTheWay(checkout: string, baseTip: string, mergedTree: string): Promise<string[]> {
  const [added, untracked] = await Promise.all([
    gitText(['diff-tree', '-r', '-z', '--name-only', '--no-renames', '--diff-filter=A', baseTip, mergedTree], { cwd: checkout }),
    gitText(['ls-files', '--others', '--exclude-standard', '-z'], { cwd: checkout }),
  ]);
  const untrackedSet = new Set(parsePathListZ(untracked));
  return parsePathListZ(added).filter((path) => untrackedSet.has(path));
}

async function countChangedFiles(cwd: string, fromTree: string, toTree: string): Promise<number> {
  if (fromTree === toTree) return 0;
  const out = await gitText(['diff-tree', '-r', '-z', '--name-only', '--no-renames', fromTree, toTree], { cwd });
  return parsePathListZ(out).length;
}

/**
 * A commit of the worktree's current files on top of its HEAD, referenced by no ref, so that
 * uncommitted and untracked changes take part in the conflict check. Unreferenced, git's gc
 * drops it later.
 */
async function throwawayTip(worktreePath: string, work: WorkState): Promise<string> {
  if (work.treeSha === work.headTreeSha) return work.headSha;
  const env = await commitIdentityEnv(worktreePath);
  return gitText(['commit-tree', work.treeSha, '-p', work.headSha, '-m', 'Flotilla merge check (on no branch)'], { cwd: worktreePath, env });
}

async function mergeTrees(cwd: string, baseTip: string, agentTip: string, signal?: AbortSignal): Promise<MergeTreeResult> {
  const { stdout } = await git(['merge-tree', '--write-tree', '--name-only', '-z', '--no-messages', baseTip, agentTip], {
    cwd,
    signal,
    okExitCodes: [1],
  });
  return parseMergeTreeZ(stdout.toString('utf8'));
}

async function inspectMerge(t: MergeTarget, work: WorkState, baseTip: string, signal?: AbortSignal): Promise<MergeInspection> {
  const [uncommittedFiles, commitsAheadText, agentTip, checkout, baseTree] = await Promise.all([
    countChangedFiles(t.worktreePath, work.headTreeSha, work.treeSha),
    gitText(['rev-list', '--count', `${baseTip}..${work.headSha}`], { cwd: t.topLevel, signal }),
    throwawayTip(t.worktreePath, work),
    findCheckout(t.topLevel, t.baseRef),
    gitText(['rev-parse', `${baseTip}^{tree}`], { cwd: t.topLevel, signal }),
  ]);
  const merged = await mergeTrees(t.topLevel, baseTip, agentTip, signal);
  const clean = merged.conflicts.length === 0;
  let checkoutProblem: AppError | null = null;
  if (checkout !== null) {
    if (await hasTrackedChanges(checkout)) {
      checkoutProblem = new AppError(
        'checkout-dirty',
        `${t.baseRef} is checked out in ${checkout} with uncommitted changes. Commit or stash them there, then merge.`,
        { checkout },
      );
    } else if (clean) {
      const inTheWay = await untrackedInTheWay(checkout, baseTip, merged.tree);
      if (inTheWay.length > 0) {
        checkoutProblem = new AppError(
          'checkout-dirty',
          `${t.baseRef} is checked out in ${checkout}, where the merge would overwrite untracked ${plural(inTheWay.length, 'file')}: ${listFiles(inTheWay)}. Move them away there, then merge.`,
          { checkout, files: inTheWay },
        );
      }
    }
  }
  return {
    work,
    baseTip,
    agentTip,
    merged,
    uncommittedFiles,
    commitsAhead: Number.parseInt(commitsAheadText, 10) || 0,
    checkout,
    checkoutProblem,
    // Covers "the agent changed nothing" and "its changes are already in the base" alike.
    nothingToMerge: clean && merged.tree === baseTree,
  };
}

async function requireBaseTip(t: MergeTarget): Promise<string> {
  const tip = await resolveBranchTip(t.topLevel, t.baseRef);
  if (!tip) throw new AppError('base-not-found', `The base branch ${t.baseRef} no longer exists, so there is nothing to merge into.`);
  return tip;
}

/** What merging the agent's branch into its base would do, and whether it can run now. */
export async function previewMerge(opts: MergeTarget & { defaultMessage: string; signal?: AbortSignal }): Promise<MergePreview> {
  const { signal } = opts;
  try {
    opts = chooseTarget(opts);
    const work = await captureWorkState(opts.worktreePath, signal, { persist: true });
    const preview: MergePreview = {
      baseBranch: opts.baseRef,
      canMerge: false,
      conflicts: [],
      uncommittedFiles: await countChangedFiles(opts.worktreePath, work.headTreeSha, work.treeSha),
      commitsAhead: 0,
      blocker: null,
      defaultMessage: opts.defaultMessage,
    };
    if (!opts.baseIsBranch) return { ...preview, blocker: unsupported().toData() };
    let baseTip: string;
    try {
      baseTip = await requireBaseTip(opts);
    } catch (err) {
      if (err instanceof AppError) return { ...preview, blocker: err.toData() };
      throw err;
    }
    const inspection = await inspectMerge(opts, work, baseTip, signal);
    const blocker: AppErrorData | null =
      inspection.checkoutProblem?.toData() ?? (inspection.nothingToMerge ? nothingToMergeError(opts).toData() : null);
    return {
      ...preview,
      conflicts: inspection.merged.conflicts,
      uncommittedFiles: inspection.uncommittedFiles,
      commitsAhead: inspection.commitsAhead,
      blocker,
      canMerge: blocker === null && inspection.merged.conflicts.length === 0,
    };
  } catch (err) {
    throw toAppError(err, 'Could not preview the merge');
  }
}

/**
 * Commits the captured work (uncommitted and untracked files included) on top of the agent's
 * HEAD, with plumbing: no hooks, and only the agent's own branch moves (compare-and-swap). The
 * agent's index is reset to the new commit, as `git commit` would leave it.
 */
async function commitWorktree(t: MergeTarget, work: WorkState, message: string, signal?: AbortSignal): Promise<string> {
  const prepared = await prepareViewAt(t.worktreePath);
  const env = await commitIdentityEnv(t.topLevel);
  const commit = await gitText(['commit-tree', work.treeSha, '-p', work.headSha, '-m', message], { cwd: t.topLevel, env, signal });
  // An agent whose HEAD left its branch gets no new ref: the merge takes the commit itself.
  const ref = prepared ? (prepared.onBranch ? prepared.view.branchRef : null) : 'HEAD';
  if (ref === null) return commit;
  await git(['update-ref', '-m', 'flotilla: commit before merge', ref, commit, work.headSha], { cwd: t.worktreePath });
  if (prepared) await writePrivateTip(prepared.view, commit);
  const index = prepared ? { GIT_INDEX_FILE: join(prepared.view.adminDir, 'index') } : undefined;
  await git(['read-tree', commit], { cwd: t.worktreePath, env: index }).catch(() => undefined);
  return commit;
}

/** Fast-forwards a clean checkout of the base so its branch and files move together. */
async function fastForwardCheckout(t: MergeTarget, checkout: string, baseTip: string, commit: string): Promise<void> {
  const head = await gitText(['rev-parse', '--verify', 'HEAD^{commit}'], { cwd: checkout });
  if (head !== baseTip) throw baseMovedError(t);
  try {
    // --no-autostash: the user's checkout is never stashed behind their back, whatever their config.
    await git(['merge', '--ff-only', '--no-autostash', '--no-stat', '-q', commit], { cwd: checkout });
  } catch (err) {
    if (err instanceof GitError && err.kind === 'lock-failed') throw toAppError(err, `Could not update ${t.baseRef} in ${checkout}`);
    if (err instanceof GitError && err.kind === 'dirty-worktree') {
      throw new AppError(
        'checkout-dirty',
        `${t.baseRef} is checked out in ${checkout}, where files changed while merging. Commit or stash them there, then merge.`,
        { checkout },
      );
    }
    if (err instanceof GitError) throw baseMovedError(t);
    throw err;
  }
}

/**
 * Squash-merges the agent's work (committed and uncommitted) into its base branch as one
 * single-parent commit. Checks for conflicts and a dirty base checkout before changing anything.
 */
export async function runMerge(opts: MergeTarget & { message: string; signal?: AbortSignal }): Promise<MergeResult & { agentTree: string }> {
  const { signal } = opts;
  try {
    opts = chooseTarget(opts);
    if (!opts.baseIsBranch) throw unsupported();
    const message = opts.message.trim();
    if (!message) throw new AppError('invalid-params', 'A commit message is required to merge.');
    const baseTip = await requireBaseTip(opts);
    const work = await captureWorkState(opts.worktreePath, signal, { persist: true });
    const check = await inspectMerge(opts, work, baseTip, signal);
    if (check.merged.conflicts.length > 0) throw conflictError(opts, check.merged.conflicts);
    if (check.checkoutProblem) throw check.checkoutProblem;
    if (check.nothingToMerge) throw nothingToMergeError(opts);

    const agentHead = work.treeSha === work.headTreeSha ? work.headSha : await commitWorktree(opts, work, message, signal);
    // Files may have changed since the check; merge exactly what was committed.
    const merged = agentHead === check.agentTip ? check.merged : await mergeTrees(opts.topLevel, baseTip, agentHead, signal);
    if (merged.conflicts.length > 0) throw conflictError(opts, merged.conflicts);

    const env = await commitIdentityEnv(opts.topLevel);
    const commit = await gitText(['commit-tree', merged.tree, '-p', baseTip, '-m', message], { cwd: opts.topLevel, env, signal });
    // The agent's work exactly as merged, recorded so that removal knows it is already in the base.
    const agentTree = await gitText(['rev-parse', '--verify', `${agentHead}^{tree}`], { cwd: opts.topLevel, signal });

    if (check.checkout !== null) {
      await fastForwardCheckout(opts, check.checkout, baseTip, commit);
      return { commit, baseBranch: opts.baseRef, checkoutUpdated: true, agentTree };
    }
    try {
      await git(['update-ref', '-m', `flotilla: squash-merge ${opts.branch}`, `refs/heads/${opts.baseRef}`, commit, baseTip], {
        cwd: opts.topLevel,
      });
    } catch (err) {
      if (err instanceof GitError) throw baseMovedError(opts);
      throw err;
    }
    return { commit, baseBranch: opts.baseRef, checkoutUpdated: false, agentTree };
  } catch (err) {
    throw toAppError(err, 'Could not merge');
  }
}
