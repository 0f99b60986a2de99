/**
 * Tasks and their revisions. A revision (spec + criteria) never changes once written: attempts,
 * workflow steps and verifications pin the one they were judged against, so an edit is a new
 * revision. A task and its first revision are written in one transaction.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Statement, Transaction } from 'better-sqlite3';
import { acceptanceCriteriaSchema, type AcceptanceCriterion } from '../../../shared/tasks';
import { AppError } from '../errors';

/** A task as stored. */
export interface TaskRow {
  id: string;
  repoId: string;
  title: string;
  /** The base ref the task was written against; null when not chosen yet. */
  baseRef: string | null;
  createdAt: number;
  updatedAt: number;
}

/** One revision of a task's spec: its number counts from 1 within the task. */
export interface TaskRevisionRow {
  id: string;
  taskId: string;
  number: number;
  /** Markdown. */
  spec: string;
  criteria: AcceptanceCriterion[];
  createdAt: number;
}

/** What a new task starts with. */
export interface NewTask {
  repoId: string;
  title: string;
  baseRef?: string | null;
  spec: string;
  criteria: readonly AcceptanceCriterion[];
}

interface TaskRecord {
  id: string;
  repo_id: string;
  title: string;
  base_ref: string | null;
  created_at: number;
  updated_at: number;
}

interface RevisionRecord {
  id: string;
  task_id: string;
  number: number;
  spec: string;
  criteria: string;
  created_at: number;
}

function toTask(r: TaskRecord): TaskRow {
  return { id: r.id, repoId: r.repo_id, title: r.title, baseRef: r.base_ref, createdAt: r.created_at, updatedAt: r.updated_at };
}

function toRevision(r: RevisionRecord): TaskRevisionRow {
  return { id: r.id, taskId: r.task_id, number: r.number, spec: r.spec, criteria: JSON.parse(r.criteria) as AcceptanceCriterion[], createdAt: r.created_at };
}

/** Refuses criteria with a malformed or repeated id, saying which. */
function checkedCriteria(criteria: readonly AcceptanceCriterion[]): AcceptanceCriterion[] {
  const parsed = acceptanceCriteriaSchema.safeParse(criteria);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('invalid-params', `The acceptance criteria are not valid: ${issue.message}`, { path: issue.path.map(String) });
  }
  return parsed.data;
}

/** Statements over `tasks` and `task_revisions`, prepared once. */
export class TasksTable {
  private readonly insertTaskStmt: Statement<[TaskRecord]>;
  private readonly insertRevisionStmt: Statement<[RevisionRecord]>;
  private readonly touchStmt: Statement<[number, string]>;
  private readonly getStmt: Statement<[string], TaskRecord>;
  private readonly byRepoStmt: Statement<[string], TaskRecord>;
  private readonly revisionStmt: Statement<[string], RevisionRecord>;
  private readonly revisionsStmt: Statement<[string], RevisionRecord>;
  private readonly latestStmt: Statement<[string], RevisionRecord>;
  private readonly createTx: Transaction<(task: NewTask) => { task: TaskRow; revision: TaskRevisionRow }>;
  private readonly reviseTx: Transaction<(taskId: string, spec: string, criteria: readonly AcceptanceCriterion[]) => TaskRevisionRow>;

  constructor(db: Database) {
    this.insertTaskStmt = db.prepare(
      'INSERT INTO tasks (id, repo_id, title, base_ref, created_at, updated_at) VALUES (@id, @repo_id, @title, @base_ref, @created_at, @updated_at)',
    );
    this.insertRevisionStmt = db.prepare(
      'INSERT INTO task_revisions (id, task_id, number, spec, criteria, created_at) VALUES (@id, @task_id, @number, @spec, @criteria, @created_at)',
    );
    this.touchStmt = db.prepare('UPDATE tasks SET updated_at = ? WHERE id = ?');
    this.getStmt = db.prepare('SELECT * FROM tasks WHERE id = ?');
    this.byRepoStmt = db.prepare('SELECT * FROM tasks WHERE repo_id = ? ORDER BY created_at ASC, rowid ASC');
    this.revisionStmt = db.prepare('SELECT * FROM task_revisions WHERE id = ?');
    this.revisionsStmt = db.prepare('SELECT * FROM task_revisions WHERE task_id = ? ORDER BY number ASC');
    this.latestStmt = db.prepare('SELECT * FROM task_revisions WHERE task_id = ? ORDER BY number DESC LIMIT 1');
    this.createTx = db.transaction((input: NewTask) => {
      const now = Date.now();
      const task: TaskRecord = { id: randomUUID(), repo_id: input.repoId, title: input.title, base_ref: input.baseRef ?? null, created_at: now, updated_at: now };
      this.insertTaskStmt.run(task);
      return { task: toTask(task), revision: this.writeRevision(task.id, 1, input.spec, input.criteria, now) };
    });
    // Numbered inside the transaction, so two revisions at once cannot take the same number.
    this.reviseTx = db.transaction((taskId: string, spec: string, criteria: readonly AcceptanceCriterion[]) => {
      const latest = this.latestStmt.get(taskId);
      if (!latest) throw new AppError('not-found', 'That task no longer exists.');
      const now = Date.now();
      this.touchStmt.run(now, taskId);
      return this.writeRevision(taskId, latest.number + 1, spec, criteria, now);
    });
  }

  private writeRevision(taskId: string, number: number, spec: string, criteria: readonly AcceptanceCriterion[], now: number): TaskRevisionRow {
    const record: RevisionRecord = { id: randomUUID(), task_id: taskId, number, spec, criteria: JSON.stringify(checkedCriteria(criteria)), created_at: now };
    this.insertRevisionStmt.run(record);
    return toRevision(record);
  }

  /** Creates a task with its first revision, in one transaction. */
  create(input: NewTask): { task: TaskRow; revision: TaskRevisionRow } {
    return this.createTx(input);
  }

  /** Writes the next revision of a task's spec; earlier revisions stay as they were. */
  revise(taskId: string, spec: string, criteria: readonly AcceptanceCriterion[]): TaskRevisionRow {
    return this.reviseTx(taskId, spec, criteria);
  }

  /** One task, or undefined. */
  get(id: string): TaskRow | undefined {
    const r = this.getStmt.get(id);
    return r ? toTask(r) : undefined;
  }

  /** A repository's tasks, oldest first. */
  listByRepo(repoId: string): TaskRow[] {
    return this.byRepoStmt.all(repoId).map(toTask);
  }

  /** One revision by id (what an attempt or a step pinned), or undefined. */
  revision(id: string): TaskRevisionRow | undefined {
    const r = this.revisionStmt.get(id);
    return r ? toRevision(r) : undefined;
  }

  /** Every revision of a task, first first. */
  revisions(taskId: string): TaskRevisionRow[] {
    return this.revisionsStmt.all(taskId).map(toRevision);
  }

  /** The task's current revision, or undefined for an unknown task. */
  latestRevision(taskId: string): TaskRevisionRow | undefined {
    const r = this.latestStmt.get(taskId);
    return r ? toRevision(r) : undefined;
  }
}
