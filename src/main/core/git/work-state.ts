/**
 * Captures the full state of a worktree (committed, uncommitted and untracked files, honouring
 * .gitignore) as a tree object, without touching the worktree's own index. This is what diffs
 * measure and what snapshots save. In an agent's worktree it goes through the view
 * (worktree-view.ts): the agent's index is read as data, never its git config.
 */
import { copyFile, mkdtemp, readdir, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, gitText } from './core';
import { persistWork, prepareViewAt } from './agent-branch';
import { copyUntrustedIndex, scratchIndexPath } from './worktree-view';
import { addAllSkippingSubmodules } from '../worktrees/submodules';

export interface WorkState {
  /** HEAD of the worktree. */
  headSha: string;
  /** A tree holding every file in the worktree as it is on disk now. */
  treeSha: string;
  /** The tree of HEAD; equal to treeSha when nothing is uncommitted or untracked. */
  headTreeSha: string;
}

/** Writes the worktree's current files to a tree through a private copy of its index. */
export async function captureWorkState(worktreePath: string, signal?: AbortSignal, opts: { persist?: boolean } = {}): Promise<WorkState> {
  const prepared = await prepareViewAt(worktreePath);
  if (prepared) {
    // An agent's worktree: its index is copied as data into Flotilla's own view folder.
    const privateIndex = scratchIndexPath(prepared.view);
    try {
      await copyUntrustedIndex(prepared.view, privateIndex);
      const work = await writeWorkTree(worktreePath, prepared.head, privateIndex, signal, true);
      // For a merge or a snapshot: every object of the state must then be in the repository itself.
      if (opts.persist) await persistWork(prepared.view, work);
      return work;
    } finally {
      await rm(privateIndex, { force: true });
    }
  }
  const headSha = await gitText(['rev-parse', '--verify', 'HEAD^{commit}'], { cwd: worktreePath, signal });
  const indexPath = await gitText(['rev-parse', '--path-format=absolute', '--git-path', 'index'], { cwd: worktreePath, signal });
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-index-'));
  const privateIndex = join(dir, 'index');
  try {
    // Copying the real index keeps its stat cache, so `add -A` hashes only changed files. The copy
    // must keep the index's mtime: git re-hashes "racily clean" files (modified in the same instant
    // the index was written) only when they are not older than the index, and a fresh mtime on the
    // copy would hide a same-size edit made right after (it did: a snapshot missed such an edit).
    try {
      const original = await stat(indexPath);
      await copyFile(indexPath, privateIndex);
      await utimes(privateIndex, original.atime, original.mtime).catch(() => rm(privateIndex, { force: true }));
    } catch {
      // No index yet (a fresh worktree): `add -A` builds one from scratch, hashing every file.
    }
    return await writeWorkTree(worktreePath, headSha, privateIndex, signal);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `add -A` into the private index, then the tree of it and of HEAD. In an agent's worktree git
 * must not look inside its submodules (see addAllSkippingSubmodules): their config is the agent's.
 */
async function writeWorkTree(worktreePath: string, headSha: string, privateIndex: string, signal?: AbortSignal, untrusted = false): Promise<WorkState> {
  const env = { GIT_INDEX_FILE: privateIndex };
  if (untrusted) {
    await addAllSkippingSubmodules((args, input) => git(args, { cwd: worktreePath, env, signal, input, timeoutMs: 300_000 }), worktreePath);
  } else {
    await gitText(['add', '-A', '--', '.'], { cwd: worktreePath, env, signal, timeoutMs: 300_000 });
  }
  const treeSha = await gitText(['write-tree'], { cwd: worktreePath, env, signal });
  const headTreeSha = await gitText(['rev-parse', `${headSha}^{tree}`], { cwd: worktreePath, signal });
  return { headSha, treeSha, headTreeSha };
}

/** How old a `flotilla-index-*` temp folder must be before it counts as left behind. */
export const STALE_INDEX_COPY_MS = 60 * 60 * 1000;

/**
 * Removes `flotilla-index-*` folders in the temp folder that a stopped run left behind (an index
 * copy lives for seconds, so an hour-old one belongs to no running operation).
 */
export async function sweepStaleIndexCopies(now = Date.now(), dir = tmpdir()): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith('flotilla-index-')) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (!info?.isDirectory() || now - info.mtimeMs < STALE_INDEX_COPY_MS) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
