/**
 * How Flotilla looks at an agent's worktree without trusting it.
 *
 * An agent can write its worktree (a `.git` file, `.gitattributes`, nested repositories) and its
 * worktree's admin folder in the repository (`.git/worktrees/<name>`: HEAD, index, `commondir`,
 * `config.worktree`). Git run the usual way in such a worktree would take its git directory from
 * the `.git` file and its config from wherever that points — so an agent could name a program
 * (core.fsmonitor, a filter, a hook) and Flotilla's next diff-stat poll would run it, outside the
 * sandbox. Instead, every git call whose working directory lies in a registered worktree runs with:
 *
 * - `GIT_DIR` = a *view* folder that Flotilla owns (under its data folder, never visible to an
 *   agent) holding only `HEAD` (a commit id Flotilla resolved and checked) and `commondir`;
 * - `GIT_COMMON_DIR` = the repository's own git folder, whose config, hooks, info and refs an agent
 *   cannot write (the sandbox binds them read-only);
 * - `GIT_WORK_TREE` = the worktree, `GIT_INDEX_FILE` = a checked private copy of the agent's index;
 * - the agent's private object store (where a confined agent's commits go) as an alternate;
 * - the hardening of every call (core.ts) plus: no commit-graph (an agent-written graph could lie),
 *   no replace refs, no recursion into submodules (their `.git` is agent-written too).
 *
 * Only HEAD and the index are read from the agent's admin folder, as data, through opens that
 * refuse symlinks, FIFOs and oversized files.
 */
import { constants } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';

/** An index bigger than this is not copied (a real one for 1M files is ~100 MiB). */
export const MAX_INDEX_BYTES = 512 * 1024 * 1024;
/** HEAD and loose ref files are tiny; anything larger is not a ref. */
const MAX_REF_BYTES = 4096;

/** One agent worktree as Flotilla's git calls see it. */
export interface WorktreeView {
  /** The worktree folder (real path). */
  worktreePath: string;
  /** The repository's git common dir (real path, trusted). */
  commonDir: string;
  /** The worktree's admin folder `<commonDir>/worktrees/<name>` (agent-writable: data only). */
  adminDir: string;
  /** Flotilla's own git dir for calls on this worktree (HEAD + commondir). */
  viewDir: string;
  /** `refs/heads/flotilla/<slug>`: the one branch the agent may move. */
  branchRef: string;
  /** The agent's private git state (objects, its copy of its branch ref), or null when unconfined. */
  privateGitDir: string | null;
}

const views = new Map<string, WorktreeView>();

/** Registers (or replaces) the view of a worktree; git calls inside it use it from now on. */
export function registerView(view: WorktreeView): void {
  views.set(stripSlash(view.worktreePath), view);
}

/** Forgets a worktree's view (the agent was removed). */
export function unregisterView(worktreePath: string): void {
  views.delete(stripSlash(worktreePath));
}

/** Every registered worktree path. */
export function registeredWorktrees(): string[] {
  return [...views.keys()];
}

/** The view of the registered worktree that contains `cwd`, if any. */
export function viewFor(cwd: string): WorktreeView | undefined {
  if (views.size === 0) return undefined;
  let path = stripSlash(resolve(cwd));
  for (;;) {
    const view = views.get(path);
    if (view) return view;
    const cut = path.lastIndexOf(sep);
    if (cut <= 0) return undefined;
    path = path.slice(0, cut);
  }
}

/** The objects folder where a confined agent's git writes (see sandbox.ts). */
export function privateObjectsDir(privateGitDir: string): string {
  return join(privateGitDir, 'objects');
}

/** The folder holding the agent's copy of `refs/heads/flotilla/` (bound over it in the sandbox). */
export function privateRefsDir(privateGitDir: string): string {
  return join(privateGitDir, 'refs');
}

/** The environment that points git at the view instead of anything in the worktree. */
export function viewEnvironment(view: WorktreeView): Record<string, string> {
  const env: Record<string, string> = {
    GIT_DIR: view.viewDir,
    GIT_COMMON_DIR: view.commonDir,
    GIT_WORK_TREE: view.worktreePath,
    GIT_INDEX_FILE: join(view.viewDir, 'index'),
    GIT_NO_REPLACE_OBJECTS: '1',
  };
  if (view.privateGitDir) env.GIT_ALTERNATE_OBJECT_DIRECTORIES = privateObjectsDir(view.privateGitDir);
  return env;
}

/** Config that only calls on an agent's worktree need (on top of core.ts's hardening). */
export const VIEW_CONFIG: ReadonlyArray<readonly [string, string]> = [
  ['core.commitGraph', 'false'],
  ['core.splitIndex', 'false'],
  ['core.untrackedCache', 'false'],
  ['diff.ignoreSubmodules', 'all'],
  ['status.submoduleSummary', 'false'],
];

/** True for a full object id (SHA-1 or SHA-256). */
export function isObjectId(text: string): boolean {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(text);
}

/**
 * What an agent-written HEAD or loose ref file says: a commit id, a symbolic ref under refs/, or
 * nothing usable. Pure; unit-tested.
 */
export function parseRefFile(text: string): { kind: 'id'; id: string } | { kind: 'symref'; ref: string } | null {
  const line = text.split('\n')[0]?.trim() ?? '';
  if (isObjectId(line)) return { kind: 'id', id: line };
  const match = /^ref: (refs\/[A-Za-z0-9._/-]+)$/.exec(line);
  if (match && !match[1]!.includes('..') && !match[1]!.includes('//') && !match[1]!.endsWith('.lock')) {
    return { kind: 'symref', ref: match[1]! };
  }
  return null;
}

/**
 * Reads a small file an agent may have written, refusing symlinks, FIFOs, devices and anything
 * over `maxBytes`; null when it is missing or refused. Never blocks on a FIFO.
 */
export async function readUntrustedFile(path: string, maxBytes = MAX_REF_BYTES): Promise<Buffer | null> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > maxBytes) return null;
    return await handle.readFile();
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/**
 * Copies the agent's index to `target` (keeping its mtime: git's racy-clean check compares file
 * mtimes with the index's), or removes `target` when there is no usable index, so that git then
 * builds one from scratch. Refuses symlinks, FIFOs and oversized files. Returns the bytes copied
 * (null when none were).
 */
export async function copyUntrustedIndex(view: WorktreeView, target: string): Promise<Buffer | null> {
  const source = join(view.adminDir, 'index');
  let handle;
  try {
    handle = await open(source, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    await rm(target, { force: true });
    return null;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > MAX_INDEX_BYTES) {
      await rm(target, { force: true });
      return null;
    }
    const bytes = await handle.readFile();
    const tmp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, bytes, { mode: 0o600 });
    const { utimes } = await import('node:fs/promises');
    await utimes(tmp, stat.atime, stat.mtime);
    await rename(tmp, target);
    return bytes;
  } finally {
    await handle.close();
  }
}

/** Writes HEAD and commondir of the view (atomically: concurrent readers never see half a file). */
export async function writeViewHead(view: WorktreeView, commit: string): Promise<void> {
  await mkdir(view.viewDir, { recursive: true, mode: 0o700 });
  await atomicWrite(join(view.viewDir, 'commondir'), `${view.commonDir}\n`);
  await atomicWrite(join(view.viewDir, 'HEAD'), `${commit}\n`);
}

/** A fresh name for a per-operation private index inside the view folder. */
export function scratchIndexPath(view: WorktreeView): string {
  return join(view.viewDir, `index-${randomBytes(6).toString('hex')}`);
}

/** Removes per-operation index files an interrupted run left behind in a view folder. */
export async function sweepView(view: WorktreeView): Promise<void> {
  const names = await readdir(view.viewDir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith('index-') || n.endsWith('.tmp')).map((n) => rm(join(view.viewDir, n), { force: true })));
}

/** Reads the agent's HEAD file (data only). */
export async function readAgentHead(view: WorktreeView): Promise<ReturnType<typeof parseRefFile>> {
  const bytes = await readUntrustedFile(join(view.adminDir, 'HEAD'));
  return bytes ? parseRefFile(bytes.toString('utf8')) : null;
}

/** The tip the agent gave its branch in its private ref copy, if it is a plain commit id. */
export async function readPrivateTip(view: WorktreeView): Promise<string | null> {
  if (!view.privateGitDir) return null;
  const leaf = view.branchRef.slice('refs/heads/flotilla/'.length);
  const bytes = await readUntrustedFile(join(privateRefsDir(view.privateGitDir), leaf));
  const parsed = bytes ? parseRefFile(bytes.toString('utf8')) : null;
  return parsed?.kind === 'id' ? parsed.id : null;
}

/** Writes a small file through a temp file and rename, so a symlink planted at `path` is replaced, not followed. */
export async function atomicWrite(path: string, content: string): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, content, { mode: 0o600, flag: 'wx' });
  await rename(tmp, path);
}

/** Reads a file Flotilla wrote itself (view metadata). */
export async function readOwnFile(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch(() => null);
}

function stripSlash(path: string): string {
  return path.length > 1 && path.endsWith(sep) ? path.slice(0, -1) : path;
}
