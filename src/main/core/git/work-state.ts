/**
 * Captures the full state of a worktree (committed, uncommitted and untracked files, honouring
 * .gitignore) as a tree object, without touching the worktree's own index. This is what diffs
 * measure and what snapshots save.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
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
    // Copying the real index keeps its stat cache, so `add -A` hashes only changed files.
    await copyFile(indexPath, privateIndex).catch(() => undefined);
    const env = { GIT_INDEX_FILE: privateIndex };
    await gitText(['add', '-A', '--', '.'], { cwd: worktreePath, env, signal, timeoutMs: 300_000 });
    const treeSha = await gitText(['write-tree'], { cwd: worktreePath, env, signal });
    const headTreeSha = await gitText(['rev-parse', `${headSha}^{tree}`], { cwd: worktreePath, signal });
    return { headSha, treeSha, headTreeSha };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
