/**
 * Repositories the user has opened: validation on open, the recent list, branches.
 */
import { basename, join, sep } from 'node:path';
import type { BranchList, RepoInfo } from '../../../shared/types';
import type { FlotillaDb, RepoRow } from '../db';
import { AppError } from '../errors';
import { toAppError } from '../git';
import { listBranches } from './branches';
import { completePath } from './path-complete';
import { inspectRepository, type InspectedRepository } from './repo-inspect';

export class RepoService {
  constructor(
    private readonly db: FlotillaDb,
    private readonly homeDir: string,
    /** Called after a repository is opened, to reconcile its agents with git. */
    private readonly onDidOpen: (row: RepoRow) => Promise<void>,
    /** Flotilla's data folder (real path), whose `worktrees/` holds agents' worktrees. */
    private readonly dataDir: string | null = null,
  ) {}

  /** Validates a path and opens its repository's top level; bad input changes nothing. */
  async open(path: string): Promise<RepoInfo> {
    let inspected;
    try {
      inspected = await inspectRepository(path, this.homeDir);
    } catch (err) {
      throw toAppError(err, `Could not open ${path}`);
    }
    this.refuseAgentWorktree(inspected);
    const row = this.db.repos.upsert(inspected.topLevel, inspected.name || basename(inspected.topLevel));
    await this.onDidOpen(row);
    return {
      id: row.id,
      path: row.path,
      name: row.name,
      currentBranch: inspected.currentBranch,
      headSha: inspected.headSha,
      lastOpenedAt: row.lastOpenedAt,
    };
  }

  /**
   * An agent's worktree is not a repository of its own: opening it would make agents of agents
   * and hand Flotilla's git calls a checkout the agent controls. Point the user at the repository.
   */
  private refuseAgentWorktree(inspected: InspectedRepository): void {
    const { topLevel, mainTopLevel } = inspected;
    const agent = this.db.agents.all().find((a) => isInside(topLevel, a.worktreePath));
    if (agent) {
      const repo = this.db.repos.get(agent.repoId);
      const repoPath = repo?.path ?? mainTopLevel;
      throw new AppError(
        'invalid-params',
        `${topLevel} is the worktree of the Flotilla agent "${agent.name}", not a repository of its own.` +
          (repoPath ? ` Open its repository, ${repoPath}, instead.` : ' Open the repository it belongs to instead.'),
        { agentId: agent.id, ...(repoPath ? { repository: repoPath } : {}) },
      );
    }
    if (this.dataDir && isInside(topLevel, join(this.dataDir, 'worktrees'))) {
      throw new AppError(
        'invalid-params',
        `${topLevel} is an agent's worktree inside Flotilla's data folder, not a repository of its own.` +
          (mainTopLevel ? ` Open its repository, ${mainTopLevel}, instead.` : ' Open the repository it belongs to instead.'),
        mainTopLevel ? { repository: mainTopLevel } : undefined,
      );
    }
  }

  /** Recently opened repositories, newest first. Branch facts are filled in on open. */
  recent(): RepoInfo[] {
    return this.db.repos.recent(20).map((row) => ({
      id: row.id,
      path: row.path,
      name: row.name,
      currentBranch: null,
      headSha: '',
      lastOpenedAt: row.lastOpenedAt,
    }));
  }

  get(repoId: string): RepoRow {
    const row = this.db.repos.get(repoId);
    if (!row) throw new AppError('not-found', 'That repository is not open in Flotilla. Open it again.');
    return row;
  }

  forget(repoId: string): void {
    this.get(repoId);
    if (this.db.agents.listByRepo(repoId).length > 0) {
      throw new AppError('agent-running', 'This repository still has agents. Remove them first.');
    }
    this.db.repos.remove(repoId);
  }

  async branches(repoId: string): Promise<BranchList> {
    const row = this.get(repoId);
    try {
      return await listBranches(row.path);
    } catch (err) {
      throw toAppError(err, `Could not list branches of ${row.name}`);
    }
  }

  complete(partial: string): Promise<string[]> {
    return completePath(partial, this.homeDir);
  }
}

/** True when `path` is `folder` or lies below it (both absolute, symlinks resolved). */
function isInside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}
