/**
 * Pure parsers for git's NUL-separated (-z) diff output. No I/O here, so every quirk of the
 * format (renames carrying two paths, '-' counts for binary files, tabs inside paths) is
 * unit-tested without a repository.
 */
import type { ChangedFile } from '../../../shared/types';

/** One line of `git diff-tree -r -z -M --numstat`. */
export interface NumstatEntry {
  path: string;
  /** Set for renames and copies. */
  oldPath: string | null;
  additions: number;
  deletions: number;
  /** git printed '-' for the counts: it considers the file binary. */
  binary: boolean;
}

/** One line of `git diff-tree -r -z -M --name-status`. */
export interface NameStatusEntry {
  path: string;
  oldPath: string | null;
  status: ChangedFile['status'];
  /** Similarity percentage of a rename or copy (R086 → 86); null otherwise. */
  score: number | null;
}

/** Parses `--numstat -z`: `add\tdel\tpath\0`, or `add\tdel\t\0old\0new\0` for a rename. */
export function parseNumstatZ(stdout: string): NumstatEntry[] {
  const tokens = stdout.split('\0');
  const entries: NumstatEntry[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    if (token === '') continue;
    // Only the first two tabs separate fields; a path may itself contain tabs.
    const firstTab = token.indexOf('\t');
    const secondTab = firstTab < 0 ? -1 : token.indexOf('\t', firstTab + 1);
    if (secondTab < 0) continue;
    const added = token.slice(0, firstTab);
    const deleted = token.slice(firstTab + 1, secondTab);
    let path = token.slice(secondTab + 1);
    let oldPath: string | null = null;
    if (path === '') {
      oldPath = tokens[i + 1] ?? '';
      path = tokens[i + 2] ?? '';
      i += 2;
    }
    const binary = added === '-' || deleted === '-';
    entries.push({
      path,
      oldPath,
      additions: binary ? 0 : Number.parseInt(added, 10) || 0,
      deletions: binary ? 0 : Number.parseInt(deleted, 10) || 0,
      binary,
    });
  }
  return entries;
}

const STATUS_LETTERS = new Set<string>(['A', 'M', 'D', 'R', 'C', 'T']);

/** Parses `--name-status -z`: `M\0path\0`, or `R086\0old\0new\0` for a rename or copy. */
export function parseNameStatusZ(stdout: string): NameStatusEntry[] {
  const tokens = stdout.split('\0');
  const entries: NameStatusEntry[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    if (token === '') continue;
    const letter = token[0] ?? 'M';
    const scoreText = token.slice(1);
    const score = scoreText ? Number.parseInt(scoreText, 10) : null;
    if (letter === 'R' || letter === 'C') {
      entries.push({ status: letter, oldPath: tokens[i + 1] ?? '', path: tokens[i + 2] ?? '', score: Number.isNaN(score) ? null : score });
      i += 2;
    } else {
      // 'U' (unmerged) and 'X' (unknown) cannot come out of a tree-to-tree diff; treat any
      // other letter as a modification rather than dropping the file.
      const status = (STATUS_LETTERS.has(letter) ? letter : 'M') as ChangedFile['status'];
      entries.push({ status, oldPath: null, path: tokens[i + 1] ?? '', score: null });
      i += 1;
    }
  }
  return entries;
}

/**
 * Parses `--raw --numstat -z` (one diff, both formats): first the raw records
 * `:<mode> <mode> <id> <id> <status>\0path\0` (two paths for a rename or copy), then the numstat
 * records as parseNumstatZ reads them. Raw records are read by position, so a path starting
 * with ':' is never mistaken for a record.
 */
export function parseRawNumstatZ(stdout: string): { nameStatus: NameStatusEntry[]; numstat: NumstatEntry[] } {
  const tokens = stdout.split('\0');
  const nameStatus: NameStatusEntry[] = [];
  let i = 0;
  for (; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    if (!token.startsWith(':')) break;
    const field = token.slice(token.lastIndexOf(' ') + 1);
    const letter = field[0] ?? 'M';
    if (letter === 'R' || letter === 'C') {
      const score = Number.parseInt(field.slice(1), 10);
      nameStatus.push({ status: letter, oldPath: tokens[i + 1] ?? '', path: tokens[i + 2] ?? '', score: Number.isNaN(score) ? null : score });
      i += 2;
    } else {
      const status = (STATUS_LETTERS.has(letter) ? letter : 'M') as ChangedFile['status'];
      nameStatus.push({ status, oldPath: null, path: tokens[i + 1] ?? '', score: null });
      i += 1;
    }
  }
  return { nameStatus, numstat: parseNumstatZ(tokens.slice(i).join('\0')) };
}

/** Parses `git ls-files -z` style output: NUL-terminated paths. */
export function parsePathListZ(stdout: string): string[] {
  return stdout.split('\0').filter((p) => p !== '');
}

/** What `git merge-tree --write-tree --name-only -z` reports. */
export interface MergeTreeResult {
  /** The merged tree; with conflicts it holds conflict markers and must not be committed. */
  tree: string;
  /** Files with conflicts, each once. */
  conflicts: string[];
}

/**
 * Parses `git merge-tree --write-tree --name-only -z [--no-messages]`: the tree id, then (when
 * there are conflicts) each conflicted path, then an empty field before any messages.
 */
export function parseMergeTreeZ(stdout: string): MergeTreeResult {
  const fields = stdout.split('\0');
  const tree = (fields[0] ?? '').trim();
  const conflicts: string[] = [];
  for (let i = 1; i < fields.length; i++) {
    const field = fields[i] ?? '';
    if (field === '') break;
    if (!conflicts.includes(field)) conflicts.push(field);
  }
  return { tree, conflicts };
}
