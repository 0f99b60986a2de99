/**
 * Workflow runs: one execution of a workflow for a task, with its persisted state machine state
 * and a record per step it entered (a step looped back to gets a new record with the next round).
 * The definition is stored as it was when the run started, so a resumed run follows the same steps.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';

export type WorkflowRunStatus = 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
export type WorkflowStepStatus = 'running' | 'passed' | 'failed' | 'skipped' | 'interrupted';

/** A run as stored; definition and state are JSON the workflow engine defines. */
export interface WorkflowRunRow {
  id: string;
  taskId: string;
  workflowId: string;
  definition: unknown;
  status: WorkflowRunStatus;
  state: unknown;
  createdAt: number;
  updatedAt: number;
}

/** One step a run entered, in one round. */
export interface WorkflowStepRow {
  id: number;
  runId: string;
  stepId: string;
  round: number;
  attemptId: string | null;
  /** The task revision the step judged against (a test or verify step), if any. */
  revisionId: string | null;
  status: WorkflowStepStatus;
  startedAt: number;
  endedAt: number | null;
  /** What the step produced (test counts, output tail, verdict…), as JSON; null while it runs. */
  outcome: unknown;
}

interface RunRecord {
  id: string;
  task_id: string;
  workflow_id: string;
  definition: string;
  status: WorkflowRunStatus;
  state: string;
  created_at: number;
  updated_at: number;
}

interface StepRecord {
  id: number;
  run_id: string;
  step_id: string;
  round: number;
  attempt_id: string | null;
  revision_id: string | null;
  status: WorkflowStepStatus;
  started_at: number;
  ended_at: number | null;
  outcome: string | null;
}

function toRun(r: RunRecord): WorkflowRunRow {
  return {
    id: r.id,
    taskId: r.task_id,
    workflowId: r.workflow_id,
    definition: JSON.parse(r.definition),
    status: r.status,
    state: JSON.parse(r.state),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toStep(r: StepRecord): WorkflowStepRow {
  return {
    id: r.id,
    runId: r.run_id,
    stepId: r.step_id,
    round: r.round,
    attemptId: r.attempt_id,
    revisionId: r.revision_id,
    status: r.status,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    outcome: r.outcome === null ? null : JSON.parse(r.outcome),
  };
}

/** Statements over `workflow_runs` and `workflow_run_steps`, prepared once. */
export class WorkflowRunsTable {
  private readonly insertStmt: Statement<[RunRecord]>;
  private readonly updateStmt: Statement<[WorkflowRunStatus, string, number, string]>;
  private readonly getStmt: Statement<[string], RunRecord>;
  private readonly byTaskStmt: Statement<[string], RunRecord>;
  private readonly startStepStmt: Statement<[string, string, number, string | null, string | null, number]>;
  private readonly finishStepStmt: Statement<[WorkflowStepStatus, number, string | null, number]>;
  private readonly stepsStmt: Statement<[string], StepRecord>;

  constructor(db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO workflow_runs (id, task_id, workflow_id, definition, status, state, created_at, updated_at)
       VALUES (@id, @task_id, @workflow_id, @definition, @status, @state, @created_at, @updated_at)`,
    );
    this.updateStmt = db.prepare('UPDATE workflow_runs SET status = ?, state = ?, updated_at = ? WHERE id = ?');
    this.getStmt = db.prepare('SELECT * FROM workflow_runs WHERE id = ?');
    this.byTaskStmt = db.prepare('SELECT * FROM workflow_runs WHERE task_id = ? ORDER BY created_at ASC, rowid ASC');
    this.startStepStmt = db.prepare(
      `INSERT INTO workflow_run_steps (run_id, step_id, round, attempt_id, revision_id, status, started_at)
       VALUES (?, ?, ?, ?, ?, 'running', ?)`,
    );
    this.finishStepStmt = db.prepare('UPDATE workflow_run_steps SET status = ?, ended_at = ?, outcome = ? WHERE id = ?');
    this.stepsStmt = db.prepare('SELECT * FROM workflow_run_steps WHERE run_id = ? ORDER BY id ASC');
  }

  /** Records a run starting now with the engine's initial state. */
  create(input: { taskId: string; workflowId: string; definition: unknown; state: unknown; status?: WorkflowRunStatus }): WorkflowRunRow {
    const now = Date.now();
    const record: RunRecord = {
      id: randomUUID(),
      task_id: input.taskId,
      workflow_id: input.workflowId,
      definition: JSON.stringify(input.definition),
      status: input.status ?? 'running',
      state: JSON.stringify(input.state),
      created_at: now,
      updated_at: now,
    };
    this.insertStmt.run(record);
    return toRun(record);
  }

  /** Persists the engine's new state (and status); returns the run, or undefined if there is none. */
  update(id: string, status: WorkflowRunStatus, state: unknown): WorkflowRunRow | undefined {
    const changed = this.updateStmt.run(status, JSON.stringify(state), Date.now(), id).changes;
    return changed > 0 ? this.get(id) : undefined;
  }

  /** One run, or undefined. */
  get(id: string): WorkflowRunRow | undefined {
    const r = this.getStmt.get(id);
    return r ? toRun(r) : undefined;
  }

  /** A task's runs, oldest first. */
  listByTask(taskId: string): WorkflowRunRow[] {
    return this.byTaskStmt.all(taskId).map(toRun);
  }

  /** Records a step entered now; returns its record's id. */
  startStep(input: { runId: string; stepId: string; round: number; attemptId?: string | null; revisionId?: string | null }): number {
    const r = this.startStepStmt.run(input.runId, input.stepId, input.round, input.attemptId ?? null, input.revisionId ?? null, Date.now());
    return Number(r.lastInsertRowid);
  }

  /** Records how a step ended and what it produced. */
  finishStep(id: number, status: WorkflowStepStatus, outcome?: unknown): void {
    this.finishStepStmt.run(status, Date.now(), outcome === undefined ? null : JSON.stringify(outcome), id);
  }

  /** A run's step records, in the order they were entered. */
  steps(runId: string): WorkflowStepRow[] {
    return this.stepsStmt.all(runId).map(toStep);
  }
}
