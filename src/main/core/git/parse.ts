/**
 * Pure parsers for git's -z porcelain output. NUL-separated fields survive any path, including
 * ones with spaces, quotes or newlines.
 */

/** One record of `git worktree list --porcelain -z`. */
export interface WorktreeEntry {
  path: string;
  head: string | null;
  /** Full ref, e.g. `refs/heads/flotilla/x`; null when detached or bare. */
  branch: string | null;
  bare: boolean;
  detached: boolean;
  locked: boolean;
  /** Git considers it prunable, e.g. its folder was deleted. */
  prunable: boolean;
}

/** Parses `git worktree list --porcelain -z`: attribute fields ended by NUL, records by an empty field. */
export function parseWorktreeList(stdout: string): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  let current: WorktreeEntry | null = null;
  for (const field of stdout.split('\0')) {
    if (field === '') {
      if (current) entries.push(current);
      current = null;
      continue;
    }
    const space = field.indexOf(' ');
    const key = space === -1 ? field : field.slice(0, space);
    const value = space === -1 ? '' : field.slice(space + 1);
    if (key === 'worktree') {
      if (current) entries.push(current);
      current = { path: value, head: null, branch: null, bare: false, detached: false, locked: false, prunable: false };
      continue;
    }
    if (!current) continue;
    switch (key) {
      case 'HEAD':
        current.head = value;
        break;
      case 'branch':
        current.branch = value;
        break;
      case 'bare':
        current.bare = true;
        break;
      case 'detached':
        current.detached = true;
        break;
      case 'locked':
        current.locked = true;
        break;
      case 'prunable':
        current.prunable = true;
        break;
      default:
        // Newer gits may add attributes; ignoring them keeps older parsers working.
        break;
    }
  }
  if (current) entries.push(current);
  return entries;
}

/** One entry of `git status --porcelain=v1 -z`. */
export interface StatusEntry {
  /** Index status letter ('?' for untracked, '!' for ignored). */
  x: string;
  /** Worktree status letter. */
  y: string;
  path: string;
  /** The source path of a rename or copy; null otherwise. */
  origPath: string | null;
}

/**
 * Parses `git status --porcelain=v1 -z --untracked-files=all`: "XY path\0", where a rename or
 * copy is followed by one more field holding the original path.
 */
export function parseStatusZ(stdout: string): StatusEntry[] {
  const fields = stdout.split('\0');
  const entries: StatusEntry[] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field.length < 4) continue; // The trailing empty field, or nothing git would emit.
    const x = field[0]!;
    const y = field[1]!;
    const path = field.slice(3);
    let origPath: string | null = null;
    if (x === 'R' || x === 'C' || y === 'R' || y === 'C') {
      origPath = fields[i + 1] ?? null;
      i++;
    }
    entries.push({ x, y, path, origPath });
  }
  return entries;
}
