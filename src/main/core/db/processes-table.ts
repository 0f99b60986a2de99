/** Processes: one row per start of an agent's process (the table was `runs` before schema 5). */
import type { Database, Statement } from 'better-sqlite3';
import type { AgentStatus } from '../../../shared/types';

/** One start of an agent's process; endedAt is null while it runs (or if Flotilla died under it). */
export interface ProcessRow {
  id: number;
  agentId: string;
  startedAt: number;
  endedAt: number | null;
  status: AgentStatus;
  exitCode: number | null;
}

interface ProcessRecord {
  id: number;
  agent_id: string;
  started_at: number;
  ended_at: number | null;
  status: AgentStatus;
  exit_code: number | null;
}

function toRow(r: ProcessRecord): ProcessRow {
  return { id: r.id, agentId: r.agent_id, startedAt: r.started_at, endedAt: r.ended_at, status: r.status, exitCode: r.exit_code };
}

/** Statements over `processes`, prepared once. */
export class ProcessesTable {
  private readonly startStmt: Statement<[string, number]>;
  private readonly finishStmt: Statement<[number, AgentStatus, number | null, number]>;
  private readonly latestStmt: Statement<[string], ProcessRecord>;
  private readonly interruptStmt: Statement<[number]>;

  constructor(db: Database) {
    this.startStmt = db.prepare(`INSERT INTO processes (agent_id, started_at, status) VALUES (?, ?, 'running')`);
    this.finishStmt = db.prepare('UPDATE processes SET ended_at = ?, status = ?, exit_code = ? WHERE id = ?');
    this.latestStmt = db.prepare('SELECT * FROM processes WHERE agent_id = ? ORDER BY id DESC LIMIT 1');
    this.interruptStmt = db.prepare(`UPDATE processes SET ended_at = ?, status = 'interrupted' WHERE ended_at IS NULL`);
  }

  /** Records a process starting now; returns its id. */
  start(agentId: string): number {
    return Number(this.startStmt.run(agentId, Date.now()).lastInsertRowid);
  }

  /** Records how a process ended. */
  finish(processId: number, status: AgentStatus, exitCode: number | null): void {
    this.finishStmt.run(Date.now(), status, exitCode, processId);
  }

  /** The agent's most recent process, if it ever started one. */
  latest(agentId: string): ProcessRow | undefined {
    const r = this.latestStmt.get(agentId);
    return r ? toRow(r) : undefined;
  }

  /** At start-up, closes processes a previous Flotilla left open (it died with them). Returns how many. */
  interruptOpen(): number {
    return this.interruptStmt.run(Date.now()).changes;
  }
}
