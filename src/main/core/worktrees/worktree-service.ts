/**
 * The worktree service: makes an agent's branch and worktree, removes them without losing work
 * (a snapshot ref first), says what removal would lose, and compares records with what git lists.
 * Operations that change a repository's worktrees or branches are serialized per repository.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RemovalCheck } from '../../../shared/types';
import { AppError } from '../errors';
import { toAppError, type RepoLocks } from '../git';
import { resolveBase, type ResolvedBase } from '../repos';
import { chooseBranch, slugify, worktreeRoot } from './naming';
import { initSubmodules, type SubmoduleSetup } from './submodules';
import { inspectWork } from './work-state-check';
import { createWorktree, listWorktrees, removeWorktree } from './worktree-ops';

/** What `create` made. */
export interface MadeWorktree {
  slug: string;
  branch: string;
  worktreePath: string;
  base: ResolvedBase;
  /** How each submodule of the user's checkout was set up in the new worktree. */
  submodules: SubmoduleSetup[];
}

/** A worktree Flotilla keeps a record of (an agent's). */
export interface RecordedWorktree {
  id: string;
  worktreePath: string;
  missing: boolean;
}

/** A worktree to remove, with what decides whether removal loses work. */
export interface WorktreeToRemove {
  topLevel: string;
  worktreePath: string;
  branch: string;
  slug: string;
  baseRef: string;
  /** Asked only when there seems to be work: true when all of it is already in the base (squash-merged). */
  isAlreadyMerged?: () => Promise<boolean>;
}

export class WorktreeService {
  constructor(
    private readonly dataDir: string,
    private readonly locks: RepoLocks,
  ) {}

  /**
   * Makes branch `flotilla/<slug of name>` (the first free one) at `base` (default: the current
   * branch) and its worktree under the data folder, with the user's submodules cloned in. Call it
   * under the repository's lock (`locks.run`), with whatever must be decided atomically with it.
   */
  async create(topLevel: string, name: string, base?: string): Promise<MadeWorktree> {
    const resolved = await resolveBase(topLevel, base?.trim() || undefined);
    const { slug, branch } = await chooseBranch(topLevel, slugify(name));
    const worktreePath = join(worktreeRoot(this.dataDir, topLevel), slug);
    if (existsSync(worktreePath)) {
      throw new AppError('branch-exists', `A folder for ${slug} already exists at ${worktreePath}. Remove it or choose another name.`);
    }
    try {
      await createWorktree({ topLevel, worktreePath, branch, baseSha: resolved.baseSha });
    } catch (err) {
      throw toAppError(err, 'Could not create the worktree');
    }
    // Before the agent first runs: the submodules the user's checkout has, cloned from the user's
    // copies. A submodule that cannot be set up stays empty, as `git worktree add` left it; that
    // never stops the worktree from being made.
    const submodules = await initSubmodules({ userCheckout: topLevel, worktreePath, commit: resolved.baseSha }).catch((err: unknown) => [
      { path: '', name: '', state: 'skipped' as const, reason: err instanceof Error ? err.message : String(err) },
    ]);
    return { slug, branch, worktreePath, base: resolved, submodules };
  }

  /** What removing the worktree would lose: uncommitted and untracked files, commits not in `baseRef`. */
  async inspect(worktreePath: string, baseRef: string): Promise<RemovalCheck> {
    if (!existsSync(worktreePath)) return { uncommitted: 0, untracked: 0, commitsAhead: 0, hasWork: false };
    try {
      return await inspectWork(worktreePath, baseRef);
    } catch (err) {
      throw toAppError(err, 'Could not inspect the worktree');
    }
  }

  /**
   * Removes the worktree and its branch under the repository's lock. Work to lose needs
   * `confirm`, and is saved to a snapshot ref (refs/flotilla/archive/...) first.
   */
  remove(target: WorktreeToRemove, confirm: boolean): Promise<{ snapshotRef: string | null }> {
    return this.locks.run(target.topLevel, () => removeWorktree({ ...target, confirm }));
  }

  /**
   * Compares records with `git worktree list --porcelain`: returns the records whose `missing`
   * flag is now different, and never guesses or repairs.
   */
  async reconcile(topLevel: string, records: RecordedWorktree[]): Promise<{ id: string; missing: boolean }[]> {
    let listed: Set<string> | null = null;
    try {
      listed = new Set((await listWorktrees(topLevel)).map((w) => w.path));
    } catch {
      listed = null; // The repository itself is gone or unreadable: judge every worktree by disk state.
    }
    const changed: { id: string; missing: boolean }[] = [];
    for (const record of records) {
      const missing = !existsSync(record.worktreePath) || (listed !== null && !listed.has(record.worktreePath));
      if (missing !== record.missing) changed.push({ id: record.id, missing });
    }
    return changed;
  }
}
