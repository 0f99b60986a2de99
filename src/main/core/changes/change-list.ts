/**
 * The list of files an agent changed: everything in its worktree (committed, uncommitted and
 * untracked) against the commit it is measured from. A constant number of git calls whatever
 * the number of files, so thousands of changed files stay fast. Files inside the worktree's
 * initialised submodules are listed too, under the submodule's path (worktrees/submodules.ts),
 * in place of the submodule's own entry.
 */
import type { ChangedFile, ChangeList, DiffStat } from '../../../shared/types';
import { captureWorkState } from '../git/work-state';
import { gitText, toAppError } from '../git/core';
import { diffSubmodules, inspectSubmodules } from '../worktrees/submodules';
import { parseNameStatusZ, parseNumstatZ, parsePathListZ, type NumstatEntry } from './parse-diff';

/** Byte-wise path order, the order git itself uses. */
function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sumStat(entries: NumstatEntry[]): DiffStat {
  let additions = 0;
  let deletions = 0;
  for (const e of entries) {
    additions += e.additions;
    deletions += e.deletions;
  }
  return { files: entries.length, additions, deletions };
}

function diffTreeArgs(format: '--numstat' | '--name-status', fromSha: string, treeSha: string): string[] {
  return ['diff-tree', '-r', '-z', '-M', format, fromSha, treeSha];
}

/** Files changed inside the worktree's submodules, and the submodules whose own entries they replace. */
async function submoduleEntries(worktreePath: string, headSha: string, fromSha: string, nameStatus: boolean) {
  const work = await inspectSubmodules(worktreePath, headSha, { commits: false });
  if (work.length === 0) return { submodules: [] as string[], entries: [] };
  return { submodules: work.map((w) => w.path), entries: await diffSubmodules(work, worktreePath, fromSha, nameStatus) };
}

/** Lists every file changed in the worktree since `fromSha`, sorted by path. */
export async function listChanges(worktreePath: string, fromSha: string, signal?: AbortSignal): Promise<ChangeList> {
  try {
    const work = await captureWorkState(worktreePath, signal);
    const opts = { cwd: worktreePath, signal, timeoutMs: 300_000 };
    const [numstatOut, nameStatusOut, untrackedOut] = await Promise.all([
      gitText(diffTreeArgs('--numstat', fromSha, work.treeSha), opts),
      gitText(diffTreeArgs('--name-status', fromSha, work.treeSha), opts),
      gitText(['ls-files', '--others', '--exclude-standard', '-z'], opts),
    ]);
    const numstat = parseNumstatZ(numstatOut);
    const counts = new Map(numstat.map((e) => [e.path, e]));
    const untracked = new Set(parsePathListZ(untrackedOut));
    const files: ChangedFile[] = parseNameStatusZ(nameStatusOut).map((entry) => {
      const count = counts.get(entry.path);
      // An added file git does not track yet is shown as untracked. A rename keeps 'R' even
      // when its new path is untracked (a plain `mv`): the pairing is the more useful fact.
      const status = entry.status === 'A' && untracked.has(entry.path) ? '?' : entry.status;
      return {
        path: entry.path,
        oldPath: entry.oldPath,
        status,
        binary: count?.binary ?? false,
        additions: count?.additions ?? 0,
        deletions: count?.deletions ?? 0,
      };
    });
    const inSubmodules = await submoduleEntries(worktreePath, work.headSha, fromSha, true);
    const expanded = new Set(inSubmodules.submodules);
    const all = [...files.filter((f) => !expanded.has(f.path)), ...inSubmodules.entries];
    all.sort((a, b) => comparePaths(a.path, b.path));
    return { fromSha, files: all, stat: sumStat([...numstat.filter((e) => !expanded.has(e.path)), ...inSubmodules.entries]) };
  } catch (err) {
    throw toAppError(err, 'Could not list the changes');
  }
}

/** Files changed, lines added and lines deleted in the worktree since `fromSha`. */
export async function computeDiffStat(worktreePath: string, fromSha: string, signal?: AbortSignal): Promise<DiffStat> {
  try {
    const work = await captureWorkState(worktreePath, signal);
    const out = await gitText(diffTreeArgs('--numstat', fromSha, work.treeSha), { cwd: worktreePath, signal, timeoutMs: 300_000 });
    const inSubmodules = await submoduleEntries(worktreePath, work.headSha, fromSha, false);
    const expanded = new Set(inSubmodules.submodules);
    return sumStat([...parseNumstatZ(out).filter((e) => !expanded.has(e.path)), ...inSubmodules.entries]);
  } catch (err) {
    throw toAppError(err, 'Could not measure the changes');
  }
}
