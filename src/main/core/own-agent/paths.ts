/**
 * Path confinement by name: a path is resolved against the worktree and then to its real path
 * (symlinks followed), and refused when it leaves the worktree or enters `.git`. A check by name
 * alone can be raced (the path may change before it is used); the tools open files through
 * safe-fs, which uses this only as its fallback where descriptors cannot be pinned.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** A path the model gave that the agent refuses to touch; its message goes back to the model. */
export class PathRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathRefused';
  }
}

/** A path inside the worktree: its real absolute path and its path relative to the worktree. */
export interface ConfinedPath {
  real: string;
  rel: string;
}

/**
 * Resolves `input` (relative to the worktree, or absolute) to a real path inside `rootReal`
 * (itself a real path). A path that does not exist yet is checked through the real path of
 * its nearest existing parent, so `write_file` can never create anything outside. Throws
 * PathRefused for `..` escapes, absolute paths elsewhere, symlinks pointing out, and `.git`.
 */
export function confinePath(rootReal: string, input: string): ConfinedPath {
  if (typeof input !== 'string' || input.trim() === '') throw new PathRefused('A path is required.');
  if (input.includes('\0')) throw new PathRefused('The path contains a NUL character.');
  const lexical = resolve(rootReal, input);
  if (!isInside(rootReal, lexical)) throw new PathRefused(`${input} is outside the worktree; only paths inside ${rootReal} can be used.`);

  // Find the nearest part of the path that exists (lstat: a dangling symlink exists too).
  let existing = lexical;
  const missing: string[] = [];
  for (;;) {
    try {
      lstatSync(existing);
      break;
    } catch {
      const parent = dirname(existing);
      if (parent === existing) throw new PathRefused(`${input} cannot be resolved.`);
      missing.unshift(existing.slice(parent.length).replace(/^[\\/]+/, ''));
      existing = parent;
    }
  }
  let existingReal: string;
  try {
    existingReal = realpathSync(existing);
  } catch {
    // A symlink whose target does not exist: following it on write could create a file anywhere.
    throw new PathRefused(`${input} goes through a symlink whose target does not exist.`);
  }
  const real = missing.length > 0 ? join(existingReal, ...missing) : existingReal;
  if (!isInside(rootReal, real)) throw new PathRefused(`${input} resolves (through a symlink) to a place outside the worktree.`);
  const rel = relative(rootReal, real);
  if (rel.split(/[\\/]/).some((part) => part.toLowerCase() === '.git')) {
    throw new PathRefused(`${input} is inside .git; the agent does not touch git's own files.`);
  }
  return { real, rel: rel === '' ? '.' : rel.split(sep).join('/') };
}

/** Whether `child` is `root` or below it (both absolute, normalized). */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
