/**
 * Captures the full state of a worktree (committed, uncommitted and untracked files, honouring
 * .gitignore) as a tree object, without touching the worktree's own index. This is what diffs
 * measure and what snapshots save. In an agent's worktree it goes through the view
 * (worktree-view.ts): the agent's index is read as data, never its git config.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, gitText } from './core';
import { persistWork, prepareViewAt } from './agent-branch';
import { copyUntrustedIndex, scratchIndexPath } from './worktree-view';
import { addAllSkippingSubmodules, type IndexListing } from '../worktrees/submodules';

export interface WorkState {
  /** HEAD of the worktree. */
  headSha: string;
  /** A tree holding every file in the worktree as it is on disk now. */
  treeSha: string;
  /** The tree of HEAD; equal to treeSha when nothing is uncommitted or untracked. */
  headTreeSha: string;
}

/** How many index listings are remembered (an agent's index rarely changes between two looks). */
const KNOWN_LISTINGS_MAX = 32;
/**
 * Listings of agent indexes by the SHA-256 of their bytes: the same bytes always list the same,
 * so a repeated look skips `ls-files --stage` without any risk of a stale answer.
 */
const knownListings = new Map<string, IndexListing>();

function rememberListing(digest: string, listing: IndexListing): void {
  knownListings.delete(digest);
  knownListings.set(digest, listing);
  if (knownListings.size > KNOWN_LISTINGS_MAX) knownListings.delete(knownListings.keys().next().value!);
}

/** A view prepared by the caller (prepareViewAt), so one operation prepares it once. */
export type PreparedView = Awaited<ReturnType<typeof prepareViewAt>>;

/** Every file of the worktree staged in a private index, for as long as a `withStagedWork` callback runs. */
export interface StagedWork {
  /** HEAD of the worktree. */
  headSha: string;
  /** Environment that points git at the private index (GIT_INDEX_FILE). */
  env: Record<string, string>;
  /** Paths the worktree's own index tracks: an added path that is not among them is untracked. */
  tracked: Set<string>;
}

/**
 * Stages the worktree's current files (committed, uncommitted and untracked, honouring
 * .gitignore) into a private copy of its index, runs `use` with it, then removes the copy.
 * `prepared` is the view the caller already prepared (undefined: prepared here), so a caller
 * that also resolves refs through the view prepares it once.
 */
export async function withStagedWork<T>(
  worktreePath: string,
  signal: AbortSignal | undefined,
  use: (staged: StagedWork) => Promise<T>,
  prepared?: PreparedView,
): Promise<T> {
  const view = prepared === undefined ? await prepareViewAt(worktreePath) : prepared;
  if (view) {
    // An agent's worktree: its index is copied as data into Flotilla's own view folder.
    const privateIndex = scratchIndexPath(view.view);
    try {
      const bytes = await copyUntrustedIndex(view.view, privateIndex);
      const env = { GIT_INDEX_FILE: privateIndex };
      const digest = bytes ? createHash('sha256').update(bytes).digest('hex') : null;
      // Git must not look inside the agent's submodules (see addAllSkippingSubmodules): their config is the agent's.
      const listing = await addAllSkippingSubmodules(
        (args, input) => git(args, { cwd: worktreePath, env, signal, input, timeoutMs: 300_000 }),
        worktreePath,
        digest ? knownListings.get(digest) : undefined,
      );
      if (digest) rememberListing(digest, listing);
      return await use({ headSha: view.head, env, tracked: listing.tracked });
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
    const env = { GIT_INDEX_FILE: privateIndex };
    const listed = await gitText(['ls-files', '-z'], { cwd: worktreePath, env, signal, timeoutMs: 300_000 });
    const tracked = new Set(listed.split('\0').filter((path) => path !== ''));
    await gitText(['add', '-A', '--', '.'], { cwd: worktreePath, env, signal, timeoutMs: 300_000 });
    return await use({ headSha, env, tracked });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes the worktree's current files to a tree through a private copy of its index. */
export async function captureWorkState(
  worktreePath: string,
  signal?: AbortSignal,
  opts: { persist?: boolean; prepared?: PreparedView } = {},
): Promise<WorkState> {
  const prepared = opts.prepared === undefined ? await prepareViewAt(worktreePath) : opts.prepared;
  const work = await withStagedWork(
    worktreePath,
    signal,
    async ({ headSha, env }) => {
      const treeSha = await gitText(['write-tree'], { cwd: worktreePath, env, signal });
      const headTreeSha = await gitText(['rev-parse', `${headSha}^{tree}`], { cwd: worktreePath, signal });
      return { headSha, treeSha, headTreeSha };
    },
    prepared,
  );
  // For a merge or a snapshot: every object of the state must then be in the repository itself.
  if (prepared && opts.persist) await persistWork(prepared.view, work);
  return work;
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
