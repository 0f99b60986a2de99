/**
 * A confined agent's branch. Inside the sandbox the agent's git writes new objects to a private
 * object store (the repository's objects are an alternate, read-only) and moves its branch in a
 * private copy of `refs/heads/flotilla/` (see sandbox.ts). Nothing it writes reaches the
 * repository until Flotilla brings it in here: the objects reachable from the agent's tip are
 * packed from the private store and indexed into the repository (git checks every object's hash
 * on the way in), then the real branch is moved with a compare-and-swap `update-ref`, which
 * writes the repository's own reflog. Only `refs/heads/flotilla/<slug>` is ever moved this way.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { git, gitText } from './core';
import { commitOf } from './refs';
import {
  atomicWrite,
  copyUntrustedIndex,
  isObjectId,
  privateObjectsDir,
  privateRefsDir,
  readAgentHead,
  readOwnFile,
  readPrivateTip,
  readUntrustedFile,
  sweepView,
  writeViewHead,
  viewFor,
  type WorktreeView,
} from './worktree-view';

/** Below this many objects an import is unpacked loose (as `git fetch` does by default). */
export const UNPACK_LIMIT = 100;
/** The folder inside the private object store where the repository's objects are mounted read-only. */
export const SHARED_OBJECTS_NAME = 'flotilla-shared';
const IMPORT_TIMEOUT_MS = 300_000;

const inFlight = new Map<string, Promise<unknown>>();

/** Runs `fn` for one view at a time (a poll and a merge never import at once). */
function serialized<T>(view: WorktreeView, fn: () => Promise<T>): Promise<T> {
  const previous = inFlight.get(view.viewDir) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(fn);
  inFlight.set(view.viewDir, next);
  void next.finally(() => {
    if (inFlight.get(view.viewDir) === next) inFlight.delete(view.viewDir);
  }).catch(() => undefined);
  return next;
}

/** The branch's commit in the repository, or null when the branch is gone. */
export async function realTip(view: WorktreeView): Promise<string | null> {
  return (await commitOf(view.commonDir, view.branchRef)) || null;
}

/** The type of object `id` in the repository plus the agent's private store ('' when absent). */
async function objectType(view: WorktreeView, id: string): Promise<string> {
  const env = view.privateGitDir ? { GIT_ALTERNATE_OBJECT_DIRECTORIES: privateObjectsDir(view.privateGitDir) } : undefined;
  return gitText(['-c', 'core.commitGraph=false', 'cat-file', '-t', id], { cwd: view.commonDir, env, okExitCodes: [1, 128] });
}

/** Number of objects in a pack stream (its header), 0 for anything that is not one. */
export function packObjectCount(pack: Uint8Array): number {
  if (pack.length < 12 || Buffer.from(pack.subarray(0, 4)).toString('latin1') !== 'PACK') return 0;
  return Buffer.from(pack.subarray(8, 12)).readUInt32BE(0);
}

/**
 * Copies into the repository every object reachable from `tip` and not from `known` (commits or
 * trees; a tree must be excluded as a tree: `--not <commit>` does not exclude a bare tree's objects).
 */
async function importObjects(view: WorktreeView, tip: string, known: string | null): Promise<void> {
  if (!view.privateGitDir) return;
  const input = known ? `${tip}\n^${known}\n` : `${tip}\n`;
  const { stdout: pack } = await git(['-c', 'core.commitGraph=false', 'pack-objects', '--revs', '--stdout', '-q'], {
    cwd: view.commonDir,
    input,
    env: { GIT_ALTERNATE_OBJECT_DIRECTORIES: privateObjectsDir(view.privateGitDir) },
    timeoutMs: IMPORT_TIMEOUT_MS,
  });
  const count = packObjectCount(pack);
  if (count === 0) return;
  // No alternates here: the repository receives the objects and checks each one's hash.
  const args = count < UNPACK_LIMIT ? ['unpack-objects', '-q'] : ['index-pack', '--stdin'];
  await git(args, { cwd: view.commonDir, input: pack, timeoutMs: IMPORT_TIMEOUT_MS });
}

/**
 * Brings the agent's commits into the repository when its private tip moved: imports the objects,
 * then moves the real branch only if it still points where it did (compare-and-swap). Returns the
 * branch's commit afterwards (null when the branch is gone). A tip that is not a commit is ignored.
 */
export function syncAgentBranch(view: WorktreeView): Promise<string | null> {
  return serialized(view, () => syncUnserialized(view));
}

/**
 * Sets up the private git state a confined agent's sandbox binds in: an object store whose only
 * alternate is the repository's (mounted read-only at `flotilla-shared`), and a copy of its
 * branch ref. Work left in a previous private tip is brought in first, then the copy restarts
 * from the repository's branch. Also makes the mount points the sandbox needs in the repository.
 */
export async function preparePrivateGit(view: WorktreeView): Promise<void> {
  if (!view.privateGitDir) return;
  const objects = privateObjectsDir(view.privateGitDir);
  await mkdir(join(objects, 'info'), { recursive: true, mode: 0o700 });
  await mkdir(join(objects, SHARED_OBJECTS_NAME), { recursive: true, mode: 0o700 });
  await mkdir(join(objects, 'pack'), { recursive: true, mode: 0o700 });
  await mkdir(privateRefsDir(view.privateGitDir), { recursive: true, mode: 0o700 });
  await mkdir(privateLogsDir(view.privateGitDir), { recursive: true, mode: 0o700 });
  await atomicWrite(join(objects, 'info', 'alternates'), `${SHARED_OBJECTS_NAME}\n`);
  // Mount points for the private copies: bubblewrap cannot create them in a read-only bind.
  await mkdir(join(view.commonDir, 'refs', 'heads', 'flotilla'), { recursive: true });
  await mkdir(join(view.commonDir, 'logs', 'refs', 'heads', 'flotilla'), { recursive: true });
  const tip = await syncAgentBranch(view);
  if (tip) await writePrivateTip(view, tip);
}

/**
 * Brings the objects of a captured work state into the repository: a confined agent may have
 * staged files (or committed on a detached HEAD) only in its private store, and a merge or a
 * snapshot must not leave the repository pointing at objects it does not have.
 */
export function persistWork(view: WorktreeView, work: { headSha: string; headTreeSha: string; treeSha: string }): Promise<void> {
  if (!view.privateGitDir) return Promise.resolve();
  return serialized(view, async () => {
    await importObjects(view, work.headSha, await realTip(view));
    if (work.treeSha !== work.headTreeSha) await importObjects(view, work.treeSha, work.headTreeSha);
  });
}

/** The folder holding the agent's copy of `logs/refs/heads/flotilla/`. */
export function privateLogsDir(privateGitDir: string): string {
  return join(privateGitDir, 'logs');
}

/** Points the agent's private copy of its branch at `commit` (after Flotilla moved the real one). */
export async function writePrivateTip(view: WorktreeView, commit: string): Promise<void> {
  if (!view.privateGitDir) return;
  const leaf = view.branchRef.slice('refs/heads/flotilla/'.length);
  await atomicWrite(join(privateRefsDir(view.privateGitDir), leaf), `${commit}\n`);
}

/**
 * Makes the view current: brings in the agent's commits, resolves the agent's HEAD (read as data
 * and checked) to a commit for the view's HEAD, and copies the agent's index for the view. Every
 * reader of an agent worktree calls this first. Returns the HEAD commit and whether the agent's
 * HEAD is its own branch.
 */
export function prepareView(view: WorktreeView): Promise<{ head: string; onBranch: boolean }> {
  return serialized(view, async () => {
    const tip = await syncUnserialized(view);
    const head = await readAgentHead(view);
    let commit: string | null = null;
    let onBranch = false;
    if (head?.kind === 'symref' && head.ref === view.branchRef) {
      commit = tip;
      onBranch = true;
    } else if (head?.kind === 'symref') {
      commit = await commitOf(view.commonDir, head.ref);
    } else if (head?.kind === 'id' && (await objectType(view, head.id)) === 'commit') {
      commit = head.id;
    }
    commit ||= tip;
    if (!commit || !isObjectId(commit)) throw new Error(`${view.branchRef} no longer exists`);
    await writeViewHead(view, commit);
    await copyUntrustedIndex(view, join(view.viewDir, 'index'));
    return { head: commit, onBranch };
  });
}

/** syncAgentBranch's body, for callers already inside `serialized`. */
async function syncUnserialized(view: WorktreeView): Promise<string | null> {
  const current = await realTip(view);
  const tip = await readPrivateTip(view);
  if (!tip || tip === current) return current;
  if ((await objectType(view, tip)) !== 'commit') return current;
  await importObjects(view, tip, current);
  await git(['update-ref', '-m', 'flotilla: commits made by the agent', view.branchRef, tip, current ?? ''], { cwd: view.commonDir });
  return tip;
}

/**
 * The view of an agent's worktree. Its admin folder is found once — from the worktree's `.git`
 * file, accepted only when it names a folder directly under `<commonDir>/worktrees/` whose
 * `gitdir` points back at this worktree — and remembered in the view folder, so an agent that
 * later rewrites its `.git` file cannot make Flotilla read (or the sandbox bind) another one.
 */
export async function openView(opts: {
  worktreePath: string;
  commonDir: string;
  viewDir: string;
  branch: string;
  privateGitDir: string | null;
}): Promise<WorktreeView> {
  const { worktreePath, commonDir, viewDir } = opts;
  await mkdir(viewDir, { recursive: true, mode: 0o700 });
  const remembered = (await readOwnFile(join(viewDir, 'admin')))?.trim();
  let adminDir = remembered && dirname(remembered) === join(commonDir, 'worktrees') ? remembered : null;
  if (!adminDir) {
    adminDir = (await adminFromGitFile(worktreePath, commonDir)) ?? join(commonDir, 'worktrees', basename(worktreePath));
    await atomicWrite(join(viewDir, 'admin'), `${adminDir}\n`);
  }
  const view = { worktreePath, commonDir, adminDir, viewDir, branchRef: `refs/heads/${opts.branch}`, privateGitDir: opts.privateGitDir };
  // Index copies an interrupted run left behind (a server stopped in the middle of a refresh).
  await sweepView(view);
  return view;
}

async function adminFromGitFile(worktreePath: string, commonDir: string): Promise<string | null> {
  const gitFile = await readUntrustedFile(join(worktreePath, '.git'));
  const named = /^gitdir: (.+)$/m.exec(gitFile?.toString('utf8') ?? '')?.[1]?.trim();
  if (!named || dirname(named) !== join(commonDir, 'worktrees')) return null;
  const back = await readFile(join(named, 'gitdir'), 'utf8').catch(() => '');
  return back.trim() === join(worktreePath, '.git') ? named : null;
}

/** Prepares the view when `cwd` lies in a registered agent worktree; null otherwise. */
export async function prepareViewAt(cwd: string): Promise<{ head: string; onBranch: boolean; view: WorktreeView } | null> {
  const view = viewFor(cwd);
  if (!view) return null;
  return { ...(await prepareView(view)), view };
}

/**
 * Points the worktree's `.git` file and its admin folder's `gitdir` and `commondir` back where git
 * made them point, in case the agent rewrote them: the user's own git (`worktree list`, `worktree
 * remove`, an editor opening the worktree) follows these files. Written by rename, so a symlink
 * planted in their place is replaced, not followed.
 */
export async function repairWorktreeLinks(view: WorktreeView): Promise<void> {
  await atomicWrite(join(view.worktreePath, '.git'), `gitdir: ${view.adminDir}\n`);
  await atomicWrite(join(view.adminDir, 'gitdir'), `${join(view.worktreePath, '.git')}\n`);
  await atomicWrite(join(view.adminDir, 'commondir'), '../..\n');
}
