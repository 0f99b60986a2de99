/** Agents: one row per terminal Flotilla created, each working in an attempt's worktree. */
import type { Database, Statement } from 'better-sqlite3';
import type { Activity, AgentKind, AgentStatus, LaunchConfig } from '../../../shared/types';

/** An agent as stored. */
export interface AgentRow {
  id: string;
  repoId: string;
  /** The attempt whose worktree the agent works in (for an ad-hoc agent, its own). */
  attemptId: string;
  name: string;
  slug: string;
  branch: string;
  baseRef: string;
  baseIsBranch: boolean;
  baseSha: string;
  kind: AgentKind;
  command: string | null;
  task: string | null;
  worktreePath: string;
  status: AgentStatus;
  exitCode: number | null;
  missing: boolean;
  createdAt: number;
  updatedAt: number;
  /** How a cli/flotilla agent was launched; null for shell/command. */
  launch: LaunchConfig | null;
  activity: Activity | null;
}

/** The fields an update may change. */
export type AgentPatch = Partial<Omit<AgentRow, 'id' | 'repoId' | 'attemptId'>>;

interface AgentRecord {
  id: string;
  repo_id: string;
  attempt_id: string;
  name: string;
  slug: string;
  branch: string;
  base_ref: string;
  base_is_branch: number;
  base_sha: string;
  kind: AgentKind;
  command: string | null;
  task: string | null;
  worktree_path: string;
  status: AgentStatus;
  exit_code: number | null;
  missing: number;
  created_at: number;
  updated_at: number;
  launch: string | null;
  activity: Activity | null;
}

function toRow(r: AgentRecord): AgentRow {
  return {
    id: r.id,
    repoId: r.repo_id,
    attemptId: r.attempt_id,
    name: r.name,
    slug: r.slug,
    branch: r.branch,
    baseRef: r.base_ref,
    baseIsBranch: r.base_is_branch !== 0,
    baseSha: r.base_sha,
    kind: r.kind,
    command: r.command,
    task: r.task,
    worktreePath: r.worktree_path,
    status: r.status,
    exitCode: r.exit_code,
    missing: r.missing !== 0,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    launch: r.launch ? (JSON.parse(r.launch) as LaunchConfig) : null,
    activity: r.activity,
  };
}

function toRecord(row: AgentRow): AgentRecord {
  return {
    id: row.id,
    repo_id: row.repoId,
    attempt_id: row.attemptId,
    name: row.name,
    slug: row.slug,
    branch: row.branch,
    base_ref: row.baseRef,
    base_is_branch: row.baseIsBranch ? 1 : 0,
    base_sha: row.baseSha,
    kind: row.kind,
    command: row.command,
    task: row.task,
    worktree_path: row.worktreePath,
    status: row.status,
    exit_code: row.exitCode,
    missing: row.missing ? 1 : 0,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    launch: row.launch ? JSON.stringify(row.launch) : null,
    activity: row.activity,
  };
}

/**
 * Statements over `agents`, prepared once. Deleting an agent cascades to its processes and
 * transcript; its attempt, journal entries and usage stay.
 */
export class AgentsTable {
  private readonly insertStmt: Statement<[AgentRecord]>;
  private readonly updateStmt: Statement<[AgentRecord]>;
  private readonly getStmt: Statement<[string], AgentRecord>;
  private readonly byRepoStmt: Statement<[string], AgentRecord>;
  private readonly allStmt: Statement<[], AgentRecord>;
  private readonly deleteStmt: Statement<[string]>;

  constructor(db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO agents (id, repo_id, attempt_id, name, slug, branch, base_ref, base_is_branch, base_sha, kind, command, task,
         worktree_path, status, exit_code, missing, created_at, updated_at, launch, activity)
       VALUES (@id, @repo_id, @attempt_id, @name, @slug, @branch, @base_ref, @base_is_branch, @base_sha, @kind, @command, @task,
         @worktree_path, @status, @exit_code, @missing, @created_at, @updated_at, @launch, @activity)`,
    );
    // One full-row statement instead of SQL built per patch: prepared once, and a patch is merged in JS.
    this.updateStmt = db.prepare(
      `UPDATE agents SET name = @name, slug = @slug, branch = @branch, base_ref = @base_ref,
         base_is_branch = @base_is_branch, base_sha = @base_sha, kind = @kind, command = @command, task = @task,
         worktree_path = @worktree_path, status = @status, exit_code = @exit_code, missing = @missing,
         created_at = @created_at, updated_at = @updated_at, launch = @launch, activity = @activity
       WHERE id = @id`,
    );
    this.getStmt = db.prepare('SELECT * FROM agents WHERE id = ?');
    this.byRepoStmt = db.prepare('SELECT * FROM agents WHERE repo_id = ? ORDER BY created_at ASC, rowid ASC');
    this.allStmt = db.prepare('SELECT * FROM agents ORDER BY created_at ASC, rowid ASC');
    this.deleteStmt = db.prepare('DELETE FROM agents WHERE id = ?');
  }

  insert(row: AgentRow): void {
    this.insertStmt.run(toRecord(row));
  }

  /** Applies `patch` (updatedAt defaults to now) and returns the new row, or undefined if there is none. */
  update(id: string, patch: AgentPatch): AgentRow | undefined {
    const current = this.get(id);
    if (!current) return undefined;
    const next: AgentRow = { ...current, ...stripUndefined(patch), id: current.id, repoId: current.repoId, attemptId: current.attemptId };
    if (patch.updatedAt === undefined) next.updatedAt = Date.now();
    this.updateStmt.run(toRecord(next));
    return next;
  }

  get(id: string): AgentRow | undefined {
    const r = this.getStmt.get(id);
    return r ? toRow(r) : undefined;
  }

  /** A repository's agents, oldest first. */
  listByRepo(repoId: string): AgentRow[] {
    return this.byRepoStmt.all(repoId).map(toRow);
  }

  all(): AgentRow[] {
    return this.allStmt.all().map(toRow);
  }

  delete(id: string): void {
    this.deleteStmt.run(id);
  }
}

/** `{ a: undefined }` in a Partial means "not given", not "set to undefined". */
function stripUndefined(patch: AgentPatch): AgentPatch {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) out[key] = value;
  return out as AgentPatch;
}
