/**
 * Repositories the user has opened: validation on open, the recent list, branches.
 */
import { basename } from 'node:path';
import type { BranchList, RepoInfo } from '../../../shared/types';
import type { FlotillaDb, RepoRow } from '../db';
import { AppError } from '../errors';
import { toAppError } from '../git/core';
import { completePath, inspectRepository, listBranches } from './index';

export class RepoService {
  constructor(
    private readonly db: FlotillaDb,
    private readonly homeDir: string,
    /** Called after a repository is opened, to reconcile its agents with git. */
    private readonly onDidOpen: (row: RepoRow) => Promise<void>,
  ) {}

  /** Validates a path and opens its repository's top level; bad input changes nothing. */
  async open(path: string): Promise<RepoInfo> {
    let inspected;
    try {
      inspected = await inspectRepository(path);
    } catch (err) {
      throw toAppError(err, `Could not open ${path}`);
    }
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
