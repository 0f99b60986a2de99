/**
 * Captures the full state of a worktree (committed, uncommitted and untracked files, honouring
 * .gitignore) as a tree object, without touching the worktree's own index. This is what diffs
 * measure and what snapshots save.
 */
import { copyFile, mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitText } from './core';

export interface WorkState {
  /** HEAD of the worktree. */
  headSha: string;
  /** A tree holding every file in the worktree as it is on disk now. */
  treeSha: string;
  /** The tree of HEAD; equal to treeSha when nothing is uncommitted or untracked. */
  headTreeSha: string;
}

/** Writes the worktree's current files to a tree through a private copy of its index. */
export async function captureWorkState(worktreePath: string, signal?: AbortSignal): Promise<WorkState> {
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
    const env = { GIT_INDEX_FILE: privateIndex };
    await gitText(['add', '-A', '--', '.'], { cwd: worktreePath, env, signal, timeoutMs: 300_000 });
    const treeSha = await gitText(['write-tree'], { cwd: worktreePath, env, signal });
    const headTreeSha = await gitText(['rev-parse', `${headSha}^{tree}`], { cwd: worktreePath, signal });
    return { headSha, treeSha, headTreeSha };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
