/**
 * Creating, listing and removing agent worktrees. Removal snapshots any work before anything
 * is forced or deleted, and never touches the user's own checkout.
 */
import { existsSync } from 'node:fs';
import { mkdir, realpath, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { RemovalCheck } from '../../../shared/types';
import { AppError } from '../errors';
import { git, GitError, toAppError, parseWorktreeList, type WorktreeEntry, prepareViewAt, repairWorktreeLinks, commitOf, deleteRefIfAt } from '../git';
import { countChanges, countCommitsAhead, countSubmoduleWork, createArchiveRef, snapshotWorktree } from './work-state-check';

const WORKTREE_ADD_TIMEOUT_MS = 300_000;

/** Every worktree of the repository, the main checkout first, as git lists them. */
export async function listWorktrees(topLevel: string): Promise<WorktreeEntry[]> {
  const { stdout } = await git(['worktree', 'list', '--porcelain', '-z'], { cwd: topLevel });
  return parseWorktreeList(stdout.toString('utf8'));
}

/**
 * Makes branch `branch` at `baseSha` checked out in a new worktree at `worktreePath`. On
 * failure nothing is left behind: no branch, no registered worktree, no new folder.
 */
export async function createWorktree(opts: { topLevel: string; worktreePath: string; branch: string; baseSha: string }): Promise<void> {
  const { topLevel, worktreePath, branch, baseSha } = opts;
  const branchRef = `refs/heads/${branch}`;
  if (await commitOf(topLevel, branchRef)) {
    throw new AppError('branch-exists', `A branch named ${branch} already exists. Choose another agent name.`, { branch });
  }
  const folderExisted = existsSync(worktreePath);
  await mkdir(dirname(worktreePath), { recursive: true });
  try {
    // No hooks run (post-checkout): every call has core.hooksPath=/dev/null (git/core.ts).
    await git(['worktree', 'add', '-b', branch, '--', worktreePath, baseSha], {
      cwd: topLevel,
      timeoutMs: WORKTREE_ADD_TIMEOUT_MS,
    });
  } catch (err) {
    await undoFailedAdd(topLevel, worktreePath, branchRef, baseSha, folderExisted);
    if (err instanceof GitError && err.kind === 'branch-exists') {
      throw new AppError('branch-exists', `A branch named ${branch} already exists. Choose another agent name.`, { branch });
    }
    const mapped = toAppError(err, `Could not create a worktree for ${branch}`);
    if (mapped instanceof AppError) throw mapped;
    throw new AppError('git-failed', `Could not create a worktree for ${branch}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Removes only what a failed `worktree add` itself made; errors here must not hide the original one. */
async function undoFailedAdd(topLevel: string, worktreePath: string, branchRef: string, baseSha: string, folderExisted: boolean): Promise<void> {
  if (folderExisted) return; // The folder was there before (add refuses to reuse it): not ours to remove.
  const target = await comparablePath(worktreePath);
  const entries = await listWorktrees(topLevel).catch(() => []);
  if (entries.some((e) => e.path === target)) {
    // Just made by us from a fresh checkout: nothing in it to lose.
    await git(['worktree', 'remove', '--force', '--', target], { cwd: topLevel }).catch(() => undefined);
  }
  await rm(worktreePath, { recursive: true, force: true }).catch(() => undefined);
  // Delete the branch only if it still points where we made it.
  await deleteRefIfAt(branchRef, baseSha, { cwd: topLevel }).catch(() => undefined);
}

export interface RemoveWorktreeOptions {
  topLevel: string;
  worktreePath: string;
  branch: string;
  slug: string;
  /** The branch or commit the agent started from; commits in it are not work to lose. */
  baseRef: string;
  /** The user agreed to snapshot and remove work that would otherwise be lost. */
  confirm: boolean;
  /** Asked only when there seems to be work: true when all of it is already in the base (squash-merged). */
  isAlreadyMerged?: () => Promise<boolean>;
}

/**
 * Removes an agent's worktree and branch. With work to lose (uncommitted or untracked files,
 * commits not in `baseRef`) it needs `confirm`, and then saves a snapshot ref before forcing
 * anything. A worktree whose folder was deleted outside Flotilla is cleaned up too.
 */
export async function removeWorktree(opts: RemoveWorktreeOptions): Promise<{ snapshotRef: string | null }> {
  try {
    return await removeWorktreeChecked(opts);
  } catch (err) {
    throw toAppError(err, `Could not remove the worktree of ${opts.branch}`);
  }
}

async function removeWorktreeChecked(opts: RemoveWorktreeOptions): Promise<{ snapshotRef: string | null }> {
  const { topLevel, worktreePath, branch, slug, baseRef, confirm } = opts;
  const entries = await listWorktrees(topLevel);
  const target = await comparablePath(worktreePath);
  if (target === (await comparablePath(topLevel)) || entries[0]?.path === target) {
    throw new AppError('invalid-params', `${worktreePath} is your own checkout of the repository; Flotilla never removes it.`);
  }
  const entry = entries.find((e) => e.path === target) ?? null;
  const folderExists = existsSync(worktreePath);
  if (folderExists && !entry) {
    throw new AppError('git-failed', `${worktreePath} is not a worktree of this repository, so Flotilla left it alone.`);
  }
  const branchRef = `refs/heads/${branch}`;
  // A confined agent's last commits are brought into the repository first, and the links git
  // follows to remove the worktree are put back where git made them point.
  const prepared = folderExists && entry ? await prepareViewAt(worktreePath) : null;
  if (prepared) await repairWorktreeLinks(prepared.view);
  const branchSha = await commitOf(topLevel, branchRef);

  let check: RemovalCheck;
  // Work only the agent's submodule copies hold: never counted as merged (see countSubmoduleWork).
  let submoduleWork = 0;
  if (folderExists) {
    const changes = await countChanges(worktreePath);
    // Count the branch tip too, in case the worktree was switched away from its branch.
    const tips = branchSha ? ['HEAD', branchSha] : ['HEAD'];
    const commitsAhead = await countCommitsAhead(worktreePath, tips, baseRef, entry?.branch ?? branchRef);
    const sub = await countSubmoduleWork(worktreePath, prepared?.head ?? null);
    submoduleWork = sub.total;
    check = {
      uncommitted: changes.uncommitted + sub.uncommitted,
      untracked: changes.untracked + sub.untracked,
      commitsAhead: commitsAhead + sub.commits,
      hasWork: changes.uncommitted + changes.untracked + commitsAhead + sub.total > 0,
    };
  } else {
    // The files are already gone; only the branch's commits can still be saved.
    const commitsAhead = branchSha ? await countCommitsAhead(topLevel, [branchSha], baseRef, branchRef) : 0;
    check = { uncommitted: 0, untracked: 0, commitsAhead, hasWork: commitsAhead > 0 };
  }

  // Its work is in the base already: nothing to confirm or snapshot, and forcing loses nothing.
  const merged = check.hasWork && folderExists && opts.isAlreadyMerged ? await opts.isAlreadyMerged() : false;
  if (merged) check = { ...check, hasWork: submoduleWork > 0 };

  if (check.hasWork && !confirm) {
    throw new AppError('needs-confirmation', describeWork(branch, baseRef, check, submoduleWork > 0), { ...check });
  }

  let snapshotRef: string | null = null;
  if (check.hasWork) {
    snapshotRef = folderExists
      ? (await snapshotWorktree({ topLevel, worktreePath, slug, branch })).ref
      : await createArchiveRef(topLevel, slug, branchSha, new Date());
  }

  try {
    if (entry) {
      // Always --force, once the check above (made through Flotilla's own view of the worktree)
      // found nothing to lose or a snapshot holds it: without it, `worktree remove` runs
      // `git status` inside the worktree with the worktree's own admin folder, whose `commondir`
      // the agent can point at a config that names a filter program. (It also refuses any
      // worktree holding initialised submodules, whose work the snapshot above has saved.)
      await git(['worktree', 'remove', '--force', '--', entry.path], { cwd: topLevel });
    }
    if (branchSha) await deleteBranch(topLevel, branch, branchSha);
  } catch (err) {
    throw toAppError(err, `Could not remove the worktree of ${branch}${snapshotRef ? ` (its work is saved in ${snapshotRef})` : ''}`);
  }
  return { snapshotRef };
}

/**
 * Deletes the agent's branch if it still points at `expectedSha` (whose commits are in the
 * base or in a snapshot) and no other worktree, such as the user's checkout, has it checked out.
 */
async function deleteBranch(topLevel: string, branch: string, expectedSha: string): Promise<void> {
  const branchRef = `refs/heads/${branch}`;
  const inUse = (await listWorktrees(topLevel)).some((e) => e.branch === branchRef);
  if (inUse) return;
  // One compare-and-swap: a commit that lands between a check and a delete would be lost.
  if (!(await deleteRefIfAt(branchRef, expectedSha, { cwd: topLevel }))) {
    throw new AppError('git-failed', `${branch} gained new commits while it was being removed; it was kept. Try removing it again.`);
  }
}

/** "flotilla/x has 2 uncommitted, 1 untracked files and 3 commits not in main. Confirm ..." */
export function describeWork(name: string, baseRef: string, check: RemovalCheck, inSubmodules = false): string {
  const parts: string[] = [];
  if (check.uncommitted) parts.push(`${check.uncommitted} uncommitted`);
  if (check.untracked) parts.push(`${check.untracked} untracked`);
  let text = parts.length ? `${parts.join(', ')} ${check.uncommitted + check.untracked === 1 ? 'file' : 'files'}` : '';
  if (check.commitsAhead) {
    const commits = `${check.commitsAhead} ${check.commitsAhead === 1 ? 'commit' : 'commits'} not in ${baseRef}`;
    text = text ? `${text} and ${commits}` : commits;
  }
  const where = inSubmodules ? ' (work inside submodules goes to the same ref name in your copy of each submodule)' : '';
  return `${name} has ${text}. Confirm to save them to a snapshot ref${where} and remove it.`;
}

/**
 * The path as git records worktrees: symlinks resolved. For a folder that no longer exists,
 * its nearest existing ancestor is resolved and the rest appended.
 */
async function comparablePath(path: string): Promise<string> {
  const absolute = resolve(path);
  const rest: string[] = [];
  let current = absolute;
  for (;;) {
    try {
      return join(await realpath(current), ...rest.reverse());
    } catch {
      const parent = dirname(current);
      if (parent === current) return absolute;
      rest.push(basename(current));
      current = parent;
    }
  }
}
