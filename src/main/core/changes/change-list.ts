/**
 * The list of files an agent changed: everything in its worktree (committed, uncommitted and
 * untracked) against the commit it is measured from. A constant number of git calls whatever
 * the number of files, so thousands of changed files stay fast: the view is prepared once, the
 * worktree's files are staged into a private index once (its listing also tells which files are
 * untracked), and one `diff-index --cached` gives statuses, renames and line counts together.
 * Files inside the worktree's initialised submodules are listed too, under the submodule's path
 * (worktrees/submodules.ts), in place of the submodule's own entry.
 */
import type { ChangedFile, ChangeList, DiffStat } from '../../../shared/types';
import { prepareViewAt, withStagedWork, gitText, toAppError } from '../git';
import { diffSubmodules, inspectSubmodules } from '../worktrees/submodules';
import { parseRawNumstatZ, type NumstatEntry } from './parse-diff';
import { mergeBaseInView } from './refs';

/** The commit to measure from: the merge base with `ref`, else `fallbackSha`. */
export interface ChangeBase {
  ref: string;
  fallbackSha: string;
}

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

/** Files changed inside the worktree's submodules, and the submodules whose own entries they replace. */
async function submoduleEntries(worktreePath: string, headSha: string, fromSha: string, nameStatus: boolean) {
  const work = await inspectSubmodules(worktreePath, headSha, { commits: false });
  if (work.length === 0) return { submodules: [] as string[], entries: [] };
  return { submodules: work.map((w) => w.path), entries: await diffSubmodules(work, worktreePath, fromSha, nameStatus) };
}

/**
 * The changes against `from` (a commit, or a base resolved through the view once it is prepared):
 * the private index holding the worktree's files is compared with `from`'s tree, without writing
 * a tree for it.
 */
async function measure(
  worktreePath: string,
  from: string | ChangeBase,
  signal: AbortSignal | undefined,
  withStatuses: boolean,
): Promise<{ fromSha: string; files: ChangedFile[]; counted: NumstatEntry[] }> {
  const view = await prepareViewAt(worktreePath);
  const fromSha = typeof from === 'string' ? from : await mergeBaseInView(worktreePath, from.ref, from.fallbackSha, signal);
  return withStagedWork(
    worktreePath,
    signal,
    async ({ headSha, env, tracked }) => {
      const out = await gitText(['diff-index', '--cached', '-r', '-z', '-M', '--raw', '--numstat', fromSha, '--'], {
        cwd: worktreePath,
        env,
        signal,
        timeoutMs: 300_000,
      });
      const { nameStatus, numstat } = parseRawNumstatZ(out);
      const counts = new Map(numstat.map((e) => [e.path, e]));
      const files: ChangedFile[] = nameStatus.map((entry) => {
        const count = counts.get(entry.path);
        // An added file the worktree's index does not track is shown as untracked. A rename keeps
        // 'R' even when its new path is untracked (a plain `mv`): the pairing is the more useful fact.
        const status = entry.status === 'A' && !tracked.has(entry.path) ? '?' : entry.status;
        return {
          path: entry.path,
          oldPath: entry.oldPath,
          status,
          binary: count?.binary ?? false,
          additions: count?.additions ?? 0,
          deletions: count?.deletions ?? 0,
        };
      });
      const inSubmodules = await submoduleEntries(worktreePath, headSha, fromSha, withStatuses);
      const expanded = new Set(inSubmodules.submodules);
      return {
        fromSha,
        files: [...files.filter((f) => !expanded.has(f.path)), ...inSubmodules.entries],
        counted: [...numstat.filter((e) => !expanded.has(e.path)), ...inSubmodules.entries],
      };
    },
    view,
  );
}

async function listMeasured(worktreePath: string, from: string | ChangeBase, signal?: AbortSignal): Promise<ChangeList> {
  try {
    const { fromSha, files, counted } = await measure(worktreePath, from, signal, true);
    files.sort((a, b) => comparePaths(a.path, b.path));
    return { fromSha, files, stat: sumStat(counted) };
  } catch (err) {
    throw toAppError(err, 'Could not list the changes');
  }
}

/** Lists every file changed in the worktree since `fromSha`, sorted by path. */
export function listChanges(worktreePath: string, fromSha: string, signal?: AbortSignal): Promise<ChangeList> {
  return listMeasured(worktreePath, fromSha, signal);
}

/**
 * Lists every file changed in the worktree since its merge base with `base.ref` (mergeBaseFor),
 * preparing the agent's view once for both.
 */
export function listChangesFromBase(worktreePath: string, base: ChangeBase, signal?: AbortSignal): Promise<ChangeList> {
  return listMeasured(worktreePath, base, signal);
}

async function statMeasured(worktreePath: string, from: string | ChangeBase, signal?: AbortSignal): Promise<DiffStat> {
  try {
    return sumStat((await measure(worktreePath, from, signal, false)).counted);
  } catch (err) {
    throw toAppError(err, 'Could not measure the changes');
  }
}

/** Files changed, lines added and lines deleted in the worktree since `fromSha`. */
export function computeDiffStat(worktreePath: string, fromSha: string, signal?: AbortSignal): Promise<DiffStat> {
  return statMeasured(worktreePath, fromSha, signal);
}

/** computeDiffStat from the merge base with `base.ref`, preparing the agent's view once. */
export function computeDiffStatFromBase(worktreePath: string, base: ChangeBase, signal?: AbortSignal): Promise<DiffStat> {
  return statMeasured(worktreePath, base, signal);
}
