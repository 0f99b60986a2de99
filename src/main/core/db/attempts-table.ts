/**
 * Attempts: one candidate implementation each — a branch, a worktree, the base it started from
 * and its environment. Best of N is N attempts of one task; an ad-hoc agent is an attempt with no
 * task. An attempt outlives its agents: it is the record of what was tried.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { AgentRow } from './agents-table';

/** An attempt as stored. */
export interface AttemptRow {
  id: string;
  repoId: string;
  /** Null for an ad-hoc agent's attempt. */
  taskId: string | null;
  /** The task revision the attempt works to; null without a task. */
  revisionId: string | null;
  branch: string;
  worktreePath: string;
  baseRef: string;
  baseIsBranch: boolean;
  baseSha: string;
  /** Where the attempt's processes run, as JSON the runtime defines; null: the user's machine as is. */
  environment: unknown;
  createdAt: number;
  /** When its worktree and branch were removed; null while they exist. */
  closedAt: number | null;
}

interface AttemptRecord {
  id: string;
  repo_id: string;
  task_id: string | null;
  revision_id: string | null;
  branch: string;
  worktree_path: string;
  base_ref: string;
  base_is_branch: number;
  base_sha: string;
  environment: string | null;
  created_at: number;
  closed_at: number | null;
}

function toRow(r: AttemptRecord): AttemptRow {
  return {
    id: r.id,
    repoId: r.repo_id,
    taskId: r.task_id,
    revisionId: r.revision_id,
    branch: r.branch,
    worktreePath: r.worktree_path,
    baseRef: r.base_ref,
    baseIsBranch: r.base_is_branch !== 0,
    baseSha: r.base_sha,
    environment: r.environment === null ? null : JSON.parse(r.environment),
    createdAt: r.created_at,
    closedAt: r.closed_at,
  };
}

function toRecord(row: AttemptRow): AttemptRecord {
  return {
    id: row.id,
    repo_id: row.repoId,
    task_id: row.taskId,
    revision_id: row.revisionId,
    branch: row.branch,
    worktree_path: row.worktreePath,
    base_ref: row.baseRef,
    base_is_branch: row.baseIsBranch ? 1 : 0,
    base_sha: row.baseSha,
    environment: row.environment === null || row.environment === undefined ? null : JSON.stringify(row.environment),
    created_at: row.createdAt,
    closed_at: row.closedAt,
  };
}

/** The attempt an ad-hoc agent works in: no task, the agent's own branch, worktree and base. */
export function adHocAttempt(agent: AgentRow): AttemptRow {
  return {
    id: agent.attemptId,
    repoId: agent.repoId,
    taskId: null,
    revisionId: null,
    branch: agent.branch,
    worktreePath: agent.worktreePath,
    baseRef: agent.baseRef,
    baseIsBranch: agent.baseIsBranch,
    baseSha: agent.baseSha,
    environment: null,
    createdAt: agent.createdAt,
    closedAt: null,
  };
}

/** Statements over `attempts`, prepared once. */
export class AttemptsTable {
  private readonly insertStmt: Statement<[AttemptRecord]>;
  private readonly getStmt: Statement<[string], AttemptRecord>;
  private readonly byTaskStmt: Statement<[string], AttemptRecord>;
  private readonly closeStmt: Statement<[number, string]>;

  constructor(db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO attempts (id, repo_id, task_id, revision_id, branch, worktree_path, base_ref, base_is_branch, base_sha,
         environment, created_at, closed_at)
       VALUES (@id, @repo_id, @task_id, @revision_id, @branch, @worktree_path, @base_ref, @base_is_branch, @base_sha,
         @environment, @created_at, @closed_at)`,
    );
    this.getStmt = db.prepare('SELECT * FROM attempts WHERE id = ?');
    this.byTaskStmt = db.prepare('SELECT * FROM attempts WHERE task_id = ? ORDER BY created_at ASC, rowid ASC');
    this.closeStmt = db.prepare('UPDATE attempts SET closed_at = ? WHERE id = ? AND closed_at IS NULL');
  }

  /** Records a new attempt. */
  insert(row: AttemptRow): void {
    this.insertStmt.run(toRecord(row));
  }

  /** One attempt, or undefined. */
  get(id: string): AttemptRow | undefined {
    const r = this.getStmt.get(id);
    return r ? toRow(r) : undefined;
  }

  /** A task's attempts, oldest first (closed ones included: they are its history). */
  listByTask(taskId: string): AttemptRow[] {
    return this.byTaskStmt.all(taskId).map(toRow);
  }

  /** Marks the attempt's worktree and branch as gone; the first close's time is kept. */
  close(id: string): void {
    this.closeStmt.run(Date.now(), id);
  }
}
