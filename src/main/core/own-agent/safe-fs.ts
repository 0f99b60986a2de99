/**
 * Opening files inside the worktree in a way a concurrent swap cannot defeat.
 *
 * Checking a path and then using it by name leaves a window: a folder swapped for a symlink in
 * between sends the read or write elsewhere (measured: 5 % of writes and reads escaped under a
 * swap loop). On Linux we emulate openat(2): every component is opened with O_NOFOLLOW relative
 * to the already-open, already-checked parent, through `/proc/self/fd/<dirfd>/<name>` (the
 * kernel resolves the magic link to the pinned directory, never re-walking the path). A symlink
 * on the way is read and its target resolved textually against the folder it sits in; when that
 * stays inside the worktree the walk starts again from the root, else the path is refused. The
 * final descriptor is checked once more (its real path, through `/proc/self/fd/<fd>`) and all
 * reading and writing goes through it.
 *
 * Elsewhere (macOS, Windows) there is no such primitive in Node: the fallback checks the real
 * path and then opens it by name with O_NOFOLLOW on the last component, which a swap of a
 * parent folder can still defeat. That is weaker, and said so in the README.
 */
import { closeSync, constants, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readlinkSync, readSync, writeSync, type Stats } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { confinePath, isInside, PathRefused } from './paths';

const O = constants;
/** Symlinks followed in one path at most, like the kernel's own limit. */
const MAX_SYMLINK_HOPS = 40;
/** Whether the openat emulation is available. */
export const PINNED_OPEN = process.platform === 'linux' && existsSync('/proc/self/fd');

/** An open file or folder inside the worktree; close it with closeSync(fd). */
export interface OpenedPath {
  fd: number;
  /** Path relative to the worktree, with forward slashes ('.' for the worktree itself). */
  rel: string;
  stat: Stats;
  /** A name for the open folder that later opens of its entries go through (its fd on Linux). */
  path: string;
}

/** How the last component is opened. */
type Purpose = 'read' | 'create-or-replace' | 'update';

const at = (dirFd: number, name: string) => `/proc/self/fd/${dirFd}/${name}`;

/** Opens an existing file or folder for reading. Throws PathRefused, or ENOENT and the like. */
export function openForRead(rootReal: string, input: string): OpenedPath {
  return open(rootReal, input, 'read').opened;
}

/**
 * Opens a file for writing, creating it and its missing parent folders (never through a
 * symlink that leaves the worktree). Not truncated: the caller truncates once it decided to write.
 */
export function openForWrite(rootReal: string, input: string): OpenedPath & { existed: boolean } {
  const { opened, existed } = open(rootReal, input, 'create-or-replace');
  return { ...opened, existed };
}

/** Opens an existing file for reading and writing (edit in place). */
export function openForUpdate(rootReal: string, input: string): OpenedPath {
  return open(rootReal, input, 'update').opened;
}

function open(rootReal: string, input: string, purpose: Purpose): { opened: OpenedPath; existed: boolean } {
  if (!PINNED_OPEN) return openByName(rootReal, input, purpose);
  let parts = lexicalParts(rootReal, input);
  for (let hops = 0; ; hops++) {
    if (hops > MAX_SYMLINK_HOPS) throw new PathRefused(`${input} goes through too many symlinks.`);
    refuseGit(input, parts);
    const step = walk(rootReal, parts, purpose);
    if ('opened' in step) {
      verify(rootReal, input, step.opened.fd);
      return step;
    }
    // A symlink: resolve it against the folder it is in, then walk again from the root.
    const next = resolve(rootReal, ...step.before, step.target, ...step.after);
    if (!isInside(rootReal, next)) throw new PathRefused(`${input} resolves (through a symlink) to a place outside the worktree.`);
    parts = splitRel(relative(rootReal, next));
  }
}

type WalkStep = { opened: OpenedPath; existed: boolean } | { before: string[]; target: string; after: string[] };

/** One walk from the root along `parts`, each step relative to the pinned parent. */
function walk(rootReal: string, parts: string[], purpose: Purpose): WalkStep {
  let dirFd = openSync(rootReal, O.O_RDONLY | O.O_DIRECTORY);
  try {
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i];
      const last = i === parts.length - 1;
      let fd: number;
      let existed = true;
      try {
        if (!last) fd = openDir(dirFd, name, purpose === 'create-or-replace');
        else if (purpose === 'read') fd = openSync(at(dirFd, name), O.O_RDONLY | O.O_NOFOLLOW | O.O_NONBLOCK);
        else if (purpose === 'update') fd = openSync(at(dirFd, name), O.O_RDWR | O.O_NOFOLLOW | O.O_NONBLOCK);
        else {
          try {
            fd = openSync(at(dirFd, name), O.O_WRONLY | O.O_CREAT | O.O_EXCL | O.O_NOFOLLOW | O.O_NONBLOCK, 0o666);
            existed = false;
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
            fd = openSync(at(dirFd, name), O.O_WRONLY | O.O_NOFOLLOW | O.O_NONBLOCK);
          }
        }
      } catch (err) {
        const target = symlinkTarget(dirFd, name, err as NodeJS.ErrnoException);
        if (target === null) throw err;
        return { before: parts.slice(0, i), target, after: parts.slice(i + 1) };
      }
      closeSync(dirFd);
      dirFd = fd;
      if (last) return { opened: { fd, rel: toRel(parts), stat: fstatSync(fd), path: `/proc/self/fd/${fd}` }, existed };
    }
    return { opened: { fd: dirFd, rel: '.', stat: fstatSync(dirFd), path: `/proc/self/fd/${dirFd}` }, existed: true };
  } catch (err) {
    closeSync(dirFd);
    throw err;
  }
}

/** Opens a folder below `dirFd` without following a symlink; creates it first when asked. */
function openDir(dirFd: number, name: string, create: boolean): number {
  try {
    return openSync(at(dirFd, name), O.O_RDONLY | O.O_DIRECTORY | O.O_NOFOLLOW);
  } catch (err) {
    if (!create || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    // mkdir never follows a symlink in the last component (it fails with EEXIST).
    mkdirSync(at(dirFd, name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return openSync(at(dirFd, name), O.O_RDONLY | O.O_DIRECTORY | O.O_NOFOLLOW);
}

/** The target of the symlink `name` when that is why the open failed (ELOOP, ENOTDIR), else null. */
function symlinkTarget(dirFd: number, name: string, err: NodeJS.ErrnoException): string | null {
  if (err.code !== 'ELOOP' && err.code !== 'ENOTDIR') return null;
  try {
    return readlinkSync(at(dirFd, name));
  } catch {
    return null;
  }
}

/** The descriptor's own path, as the kernel knows it, must still be inside and outside .git. */
function verify(rootReal: string, input: string, fd: number): void {
  let real: string;
  try {
    real = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    closeSync(fd);
    throw new PathRefused(`${input} cannot be resolved.`);
  }
  if (!isInside(rootReal, real)) {
    closeSync(fd);
    throw new PathRefused(`${input} resolves to a place outside the worktree.`);
  }
  try {
    refuseGit(input, splitRel(relative(rootReal, real)));
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** The fallback without openat: check the real path, then open by name (see the file comment). */
function openByName(rootReal: string, input: string, purpose: Purpose): { opened: OpenedPath; existed: boolean } {
  const { real, rel } = confinePath(rootReal, input);
  let fd: number;
  let existed = true;
  if (purpose === 'read') fd = openSync(real, O.O_RDONLY | O.O_NOFOLLOW);
  else if (purpose === 'update') fd = openSync(real, O.O_RDWR | O.O_NOFOLLOW);
  else {
    mkdirSync(dirname(real), { recursive: true });
    try {
      fd = openSync(real, O.O_WRONLY | O.O_CREAT | O.O_EXCL | O.O_NOFOLLOW, 0o666);
      existed = false;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      fd = openSync(real, O.O_WRONLY | O.O_NOFOLLOW);
    }
  }
  return { opened: { fd, rel, stat: fstatSync(fd), path: real }, existed };
}

/** The path's components below the worktree, `..` already applied; refuses a path that leaves it. */
function lexicalParts(rootReal: string, input: string): string[] {
  if (typeof input !== 'string' || input.trim() === '') throw new PathRefused('A path is required.');
  if (input.includes('\0')) throw new PathRefused('The path contains a NUL character.');
  const lexical = resolve(rootReal, input);
  if (!isInside(rootReal, lexical)) throw new PathRefused(`${input} is outside the worktree; only paths inside ${rootReal} can be used.`);
  return splitRel(relative(rootReal, lexical));
}

function splitRel(rel: string): string[] {
  return rel === '' ? [] : rel.split(sep);
}

function toRel(parts: string[]): string {
  return parts.length === 0 ? '.' : parts.join('/');
}

function refuseGit(input: string, parts: string[]): void {
  if (parts.some((p) => p.toLowerCase() === '.git')) throw new PathRefused(`${input} is inside .git; the agent does not touch git's own files.`);
}

/** Opens the folder `name` inside an open folder without following a symlink; null if it is not one now. */
export function openChildDir(parent: OpenedPath, name: string): OpenedPath | null {
  try {
    const fd = openSync(`${parent.path}/${name}`, O.O_RDONLY | O.O_DIRECTORY | O.O_NOFOLLOW);
    const rel = parent.rel === '.' ? name : `${parent.rel}/${name}`;
    return { fd, rel, stat: fstatSync(fd), path: PINNED_OPEN ? `/proc/self/fd/${fd}` : `${parent.path}/${name}` };
  } catch {
    return null;
  }
}

/** Replaces an open file's whole content through its descriptor. */
export function replaceContent(fd: number, content: string): void {
  const buf = Buffer.from(content, 'utf8');
  ftruncateSync(fd, 0);
  for (let done = 0; done < buf.length; ) done += writeSync(fd, buf, done, buf.length - done, done);
}

/** Runs `use` with an open path and closes it afterwards, whatever happens. */
export function using<T>(opened: OpenedPath, use: (o: OpenedPath) => T): T {
  try {
    return use(opened);
  } finally {
    closeSync(opened.fd);
  }
}

/** Whether the file's first 8 KiB hold a NUL byte: binary, not text. */
export function isBinary(fd: number): boolean {
  const buf = Buffer.alloc(8192);
  const n = readSync(fd, buf, 0, buf.length, 0);
  return buf.subarray(0, n).includes(0);
}
