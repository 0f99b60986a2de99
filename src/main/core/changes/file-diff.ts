/**
 * Both sides of one changed file, loaded on demand: the original from the commit the changes
 * are measured from, the modified side from disk. Binary and huge files are summarized (size
 * and blob id) instead of loaded, and a file's size is always checked before it is read.
 */
import { lstat, open, readlink, realpath } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { FileDiff, FileSide } from '../../../shared/types';
import { AppError } from '../errors';
import { git, gitText, toAppError, type GitResult } from '../git';
import { locateInSubmodule } from '../worktrees/submodules';

/** Files larger than this are summarized unless the user asks to load them anyway. */
export const TEXT_LIMIT_BYTES = 1024 * 1024;
/** Even on request, files larger than this are never loaded into the editor. */
export const FORCE_LIMIT_BYTES = 20 * 1024 * 1024;
/** git's own rule: a NUL byte in the first 8000 bytes makes a file binary. */
const BINARY_PROBE_BYTES = 8000;

export interface ReadFileDiffOptions {
  /** The path on the original side when the file was renamed. */
  oldPath?: string | null;
  /** Load text over TEXT_LIMIT_BYTES (still refused over FORCE_LIMIT_BYTES). */
  force?: boolean;
}

function hasNul(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, BINARY_PROBE_BYTES);
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return true;
  return false;
}

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function checkRelativePath(path: string): void {
  if (!path || path.includes('\0')) throw new AppError('invalid-params', 'A file path is required.');
}

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/** The real path of the nearest existing ancestor of `path` (the path itself if it exists). */
async function realpathOfNearest(path: string): Promise<string> {
  let current = path;
  for (;;) {
    try {
      return await realpath(current);
    } catch (err) {
      const parent = dirname(current);
      if (errnoCode(err) !== 'ENOENT' || parent === current) throw err;
      current = parent;
    }
  }
}

/**
 * Resolves a worktree-relative path to an absolute one, refusing any path that leaves the
 * worktree: `..` segments, absolute paths, and symlinks (in a parent or the file itself) whose
 * real target lies outside.
 */
async function resolveInWorktree(worktreePath: string, path: string): Promise<string> {
  const outside = () => new AppError('invalid-params', `${path} is outside the agent's worktree.`);
  const root = await realpath(worktreePath);
  const lexical = resolve(root, path);
  if (!isInside(root, lexical) || lexical === root) throw outside();
  try {
    const parent = await realpathOfNearest(dirname(lexical));
    if (!isInside(root, parent)) throw outside();
    const stat = await lstat(lexical).catch((err: unknown) => {
      if (errnoCode(err) === 'ENOENT') return null;
      throw err;
    });
    if (stat?.isSymbolicLink()) {
      // A dangling link has no real path; judge it by where it points.
      const target = await realpath(lexical).catch(async (err: unknown) => {
        if (errnoCode(err) !== 'ENOENT') throw err;
        return resolve(parent, await readlink(lexical));
      });
      if (!isInside(root, target)) throw outside();
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    // ELOOP and friends: a path we cannot resolve safely is refused.
    throw outside();
  }
  return lexical;
}

/** Runs git on the repository that holds the original side (the worktree's, or a submodule's). */
type GitRunner = (args: string[]) => Promise<GitResult>;

/**
 * Reads a blob from `fromSha:path`; absent when the path is not a file there. A path inside an
 * initialised submodule is read from the user's copy of that submodule, at the commit `fromSha`
 * records for it (worktrees/submodules.ts).
 */
async function readOriginal(worktreePath: string, fromSha: string, path: string, force: boolean): Promise<FileSide> {
  const inWorktree: GitRunner = (args) => git(args, { cwd: worktreePath });
  const side = await readOriginalWith(inWorktree, fromSha, path, force);
  if (side.kind !== 'absent' || !underNestedGit(worktreePath, path)) return side;
  const head = await gitText(['rev-parse', '--verify', 'HEAD^{commit}'], { cwd: worktreePath });
  const sub = await locateInSubmodule(worktreePath, head, fromSha, path);
  return sub?.fromSha ? readOriginalWith(sub.run, sub.fromSha, sub.pathInSubmodule, force) : side;
}

/** True when a folder above `path` holds a `.git`: the path may lie in a submodule (only a hint; checked after). */
function underNestedGit(worktreePath: string, path: string): boolean {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) if (existsSync(join(worktreePath, ...parts.slice(0, i), '.git'))) return true;
  return false;
}

async function readOriginalWith(run: GitRunner, fromSha: string, path: string, force: boolean): Promise<FileSide> {
  // ls-tree gives type, id and size in one call; literal pathspecs so '*' or ':' in a name match only itself.
  const listing = (await run(['--literal-pathspecs', 'ls-tree', '-l', '-z', '--full-tree', fromSha, '--', path])).stdout.toString('utf8');
  const entry = listing.split('\0').find((line) => line.slice(line.indexOf('\t') + 1) === path);
  if (!entry) return { kind: 'absent' };
  const [, type = '', sha = '', sizeText = ''] = entry.slice(0, entry.indexOf('\t')).split(/\s+/);
  if (type === 'commit') {
    // A submodule: show what `git diff` shows for it.
    const text = `Subproject commit ${sha}\n`;
    return { kind: 'text', text, size: text.length };
  }
  if (type !== 'blob') return { kind: 'absent' };
  const size = Number.parseInt(sizeText, 10);
  if (size > (force ? FORCE_LIMIT_BYTES : TEXT_LIMIT_BYTES)) return { kind: 'too-large', size, sha };
  const { stdout } = await run(['cat-file', 'blob', sha]);
  if (hasNul(stdout)) return { kind: 'binary', size, sha };
  return { kind: 'text', text: stdout.toString('utf8'), size };
}

async function hashOnDisk(worktreePath: string, path: string): Promise<string> {
  return gitText(['hash-object', '--no-filters', '--', path], { cwd: worktreePath });
}

/** Reads the file from disk; absent when deleted or not a regular file. */
async function readModified(worktreePath: string, absolute: string, path: string, force: boolean): Promise<FileSide> {
  const stat = await lstat(absolute).catch(() => null);
  if (!stat) return { kind: 'absent' };
  if (stat.isSymbolicLink()) {
    // git stores a symlink as a blob holding its target; show exactly that.
    const text = await readlink(absolute);
    return { kind: 'text', text, size: Buffer.byteLength(text) };
  }
  if (!stat.isFile()) return { kind: 'absent' };
  const handle = await open(absolute, 'r');
  try {
    const { size } = await handle.stat();
    const limit = force ? FORCE_LIMIT_BYTES : TEXT_LIMIT_BYTES;
    if (size > limit) {
      // Probe only the head: a large binary is reported as binary, not as "too large to show".
      const probe = Buffer.alloc(Math.min(size, BINARY_PROBE_BYTES));
      const { bytesRead } = await handle.read(probe, 0, probe.length, 0);
      const sha = await hashOnDisk(worktreePath, path);
      return hasNul(probe.subarray(0, bytesRead)) ? { kind: 'binary', size, sha } : { kind: 'too-large', size, sha };
    }
    const bytes = await handle.readFile();
    if (hasNul(bytes)) return { kind: 'binary', size: bytes.length, sha: await hashOnDisk(worktreePath, path) };
    return { kind: 'text', text: bytes.toString('utf8'), size: bytes.length };
  } finally {
    await handle.close();
  }
}

/**
 * Both sides of one file: the original at `fromSha:(oldPath ?? path)` and the modified file on
 * disk. The path must stay inside the worktree (real paths, symlinks included).
 */
export async function readFileDiff(
  worktreePath: string,
  fromSha: string,
  path: string,
  opts: { oldPath?: string | null; force?: boolean },
): Promise<FileDiff> {
  checkRelativePath(path);
  const originalPath = opts.oldPath ?? path;
  checkRelativePath(originalPath);
  const absolute = await resolveInWorktree(worktreePath, path);
  const force = opts.force ?? false;
  try {
    const relPath = relative(await realpath(worktreePath), absolute).split('\\').join('/');
    const [original, modified] = await Promise.all([
      readOriginal(worktreePath, fromSha, originalPath, force),
      readModified(worktreePath, absolute, relPath, force),
    ]);
    return { path, original, modified };
  } catch (err) {
    throw toAppError(err, `Could not read ${path}`);
  }
}
