/** Runs: one row per process started for an agent. */
import type { Database, Statement } from 'better-sqlite3';
import type { AgentStatus } from '../../../shared/types';

/** One process run of an agent; endedAt is null while it runs (or if Flotilla died under it). */
export interface RunRow {
  id: number;
  agentId: string;
  startedAt: number;
  endedAt: number | null;
  status: AgentStatus;
  exitCode: number | null;
}

interface RunRecord {
  id: number;
  agent_id: string;
  started_at: number;
  ended_at: number | null;
  status: AgentStatus;
  exit_code: number | null;
}

function toRow(r: RunRecord): RunRow {
  return { id: r.id, agentId: r.agent_id, startedAt: r.started_at, endedAt: r.ended_at, status: r.status, exitCode: r.exit_code };
}

/** Statements over `runs`, prepared once. */
export class RunsTable {
  private readonly startStmt: Statement<[string, number]>;
  private readonly finishStmt: Statement<[number, AgentStatus, number | null, number]>;
  private readonly latestStmt: Statement<[string], RunRecord>;
  private readonly interruptStmt: Statement<[number]>;

  constructor(db: Database) {
    this.startStmt = db.prepare(`INSERT INTO runs (agent_id, started_at, status) VALUES (?, ?, 'running')`);
    this.finishStmt = db.prepare('UPDATE runs SET ended_at = ?, status = ?, exit_code = ? WHERE id = ?');
    this.latestStmt = db.prepare('SELECT * FROM runs WHERE agent_id = ? ORDER BY id DESC LIMIT 1');
    this.interruptStmt = db.prepare(`UPDATE runs SET ended_at = ?, status = 'interrupted' WHERE ended_at IS NULL`);
  }

  /** Records a run starting now; returns its id. */
  start(agentId: string): number {
    return Number(this.startStmt.run(agentId, Date.now()).lastInsertRowid);
  }

  finish(runId: number, status: AgentStatus, exitCode: number | null): void {
    this.finishStmt.run(Date.now(), status, exitCode, runId);
  }

  latest(agentId: string): RunRow | undefined {
    const r = this.latestStmt.get(agentId);
    return r ? toRow(r) : undefined;
  }

  /** At start-up, closes runs a previous Flotilla left open (it died with them). Returns how many. */
  interruptOpen(): number {
    return this.interruptStmt.run(Date.now()).changes;
  }
}
