/**
 * What a hard stop leaves behind: worktrees and `flotilla/*` branches no agent owns (a creation
 * cut short), and processes still running in agents' worktrees that this Flotilla did not start.
 * Found and reported at start-up; listed, removed (with a snapshot) or adopted when the user asks.
 */
import { existsSync } from 'node:fs';
import type { AgentRow, FlotillaDb } from '../db';
import { AppError } from '../errors';
import { gitText, toAppError, type RepoLocks } from '../git';
import { resolveBase, type RepoService } from '../repos';
import { BRANCH_PREFIX } from '../worktrees';
import { nameClash } from './agent-names';
import { insertAgentRecord, newAgentRow } from './agent-types';
import { describeSurvivors, findOrphans, findSurvivors, removeOrphanWorktree, stopSurvivors, type OrphanWorktree, type Survivor } from './orphans';

/** What `leftovers` finds in one repository. */
export interface Leftovers {
  orphans: OrphanWorktree[];
  survivors: { agentId: string; name: string; processes: Survivor[] }[];
}

export class AgentLeftovers {
  constructor(
    private readonly db: FlotillaDb,
    private readonly repos: RepoService,
    private readonly locks: RepoLocks,
    private readonly dataDir: string,
  ) {}

  /**
   * After a hard stop: records processes still running in agents' worktrees (as an event of each
   * agent) and says which repositories hold worktrees or branches no agent owns. The UI asks
   * `find` for the details; nothing is stopped or removed here.
   */
  async report(byRepo: Map<string, AgentRow[]>): Promise<void> {
    const rows = [...byRepo.values()].flat();
    const survivors = await findSurvivors(rows.map((r) => r.worktreePath));
    for (const row of rows) {
      const found = survivors.get(row.worktreePath) ?? [];
      if (found.length > 0) this.db.journal.append({ kind: 'agent', id: row.id }, 'survivors-found', { processes: found });
    }
    for (const repo of this.db.repos.recent(1000)) {
      const orphans = await this.orphansOf(repo.path, byRepo.get(repo.id) ?? []).catch(() => []);
      if (orphans.length > 0) {
        console.warn(`[flotilla] ${repo.path}: ${orphans.length} worktree(s) or branch(es) no agent owns: ${orphans.map((o) => o.slug).join(', ')}`);
      }
    }
  }

  /** What a hard stop left in a repository (see the file comment). */
  async find(repoId: string): Promise<Leftovers> {
    const repo = this.repos.get(repoId);
    const rows = this.db.agents.listByRepo(repoId);
    let orphans: OrphanWorktree[];
    try {
      // Under the repository lock: a creation between its worktree and its record is not a leftover.
      orphans = await this.locks.run(repo.path, () => this.orphansOf(repo.path, this.db.agents.listByRepo(repoId)));
    } catch (err) {
      throw toAppError(err, 'Could not list the worktrees of this repository');
    }
    const found = await findSurvivors(rows.map((r) => r.worktreePath));
    const survivors = rows
      .map((row) => ({ agentId: row.id, name: row.name, processes: found.get(row.worktreePath) ?? [] }))
      .filter((s) => s.processes.length > 0);
    return { orphans, survivors };
  }

  /**
   * Removes a worktree and branch no agent owns. With work in it (files, commits not in the
   * repository's current branch) it needs `confirm`, and saves a snapshot ref first.
   */
  async remove(repoId: string, slug: string, confirm: boolean): Promise<{ snapshotRef: string | null }> {
    const repo = this.repos.get(repoId);
    return this.locks.run(repo.path, async () => {
      const orphan = await this.orphanNamed(repo.path, repoId, slug);
      if (!orphan) throw new AppError('not-found', `Flotilla found no leftover worktree or branch named ${slug}; it may have been removed already.`);
      const base = await resolveBase(repo.path);
      return removeOrphanWorktree({ topLevel: repo.path, dataDir: this.dataDir, orphan, baseRef: base.baseRef, confirm });
    });
  }

  /**
   * Gives a leftover worktree a record again: a Shell agent (unconfined, as the user would get by
   * default) named after its folder, based on the repository's current branch. Returns the new
   * record; the caller starts it.
   */
  async adopt(repoId: string, slug: string): Promise<AgentRow> {
    const repo = this.repos.get(repoId);
    return this.locks.run(repo.path, async () => {
      const orphan = await this.orphanNamed(repo.path, repoId, slug);
      if (!orphan) throw new AppError('not-found', `Flotilla found no leftover worktree named ${slug}; it may have been removed already.`);
      if (!orphan.registered || !orphan.worktreePath || !existsSync(orphan.worktreePath) || !orphan.branch) {
        throw new AppError('invalid-params', `Only a leftover worktree on its own ${BRANCH_PREFIX}${slug} branch can be adopted; remove this one instead.`);
      }
      const base = await resolveBase(repo.path);
      const forkPoint = await gitText(['merge-base', '--end-of-options', base.baseSha, `refs/heads/${orphan.branch}`], { cwd: repo.path, okExitCodes: [1] });
      const names = this.db.agents.listByRepo(repoId).map((a) => a.name);
      const row = newAgentRow({
        repoId: repo.id,
        name: nameClash(slug, names) ?? slug,
        slug,
        branch: orphan.branch,
        baseRef: base.baseRef,
        baseIsBranch: base.baseIsBranch,
        baseSha: forkPoint || base.baseSha,
        kind: 'shell',
        command: null,
        task: null,
        worktreePath: orphan.worktreePath,
        launch: null,
      });
      insertAgentRecord(this.db, row, { type: 'adopted', payload: { branch: orphan.branch, baseRef: base.baseRef } });
      return row;
    });
  }

  /** Refuses while survivors run in the agent's worktree, or stops them when the user said so. */
  async clearSurvivors(row: AgentRow, stop: boolean): Promise<void> {
    const survivors = (await findSurvivors([row.worktreePath])).get(row.worktreePath) ?? [];
    if (survivors.length === 0) return;
    const pids = survivors.map((s) => s.pid);
    if (!stop) throw new AppError('agent-running', describeSurvivors(row.name, survivors), { pids });
    const left = await stopSurvivors(row.worktreePath, pids);
    this.db.journal.append({ kind: 'agent', id: row.id }, 'survivors-stopped', { pids, left });
    if (left.length > 0) {
      throw new AppError('agent-running', `Flotilla could not stop ${left.join(', ')} in the worktree of ${row.name}. Stop them yourself, then restart.`, { pids: left });
    }
  }

  private async orphanNamed(topLevel: string, repoId: string, slug: string): Promise<OrphanWorktree | undefined> {
    const orphans = await this.orphansOf(topLevel, this.db.agents.listByRepo(repoId)).catch((err) => {
      throw toAppError(err, 'Could not list the worktrees of this repository');
    });
    return orphans.find((o) => o.slug === slug);
  }

  private orphansOf(topLevel: string, rows: AgentRow[]): Promise<OrphanWorktree[]> {
    return findOrphans({ topLevel, dataDir: this.dataDir, owned: rows });
  }
}
