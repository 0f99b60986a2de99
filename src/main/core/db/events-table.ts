/** Events: an append-only log of what happened to each agent. */
import type { Database, Statement } from 'better-sqlite3';

/** One logged event; payload is whatever JSON the writer gave (undefined when none). */
export interface EventRow {
  id: number;
  agentId: string;
  type: string;
  payload: unknown;
  createdAt: number;
}

interface EventRecord {
  id: number;
  agent_id: string;
  type: string;
  payload: string | null;
  created_at: number;
}

function toRow(r: EventRecord): EventRow {
  return { id: r.id, agentId: r.agent_id, type: r.type, payload: r.payload === null ? undefined : JSON.parse(r.payload), createdAt: r.created_at };
}

/** Statements over `events`, prepared once. */
export class EventsTable {
  private readonly addStmt: Statement<[string, string, string | null, number]>;
  private readonly listStmt: Statement<[string, number], EventRecord>;

  constructor(db: Database) {
    this.addStmt = db.prepare('INSERT INTO events (agent_id, type, payload, created_at) VALUES (?, ?, ?, ?)');
    this.listStmt = db.prepare(
      'SELECT * FROM (SELECT * FROM events WHERE agent_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id ASC',
    );
  }

  /** Appends an event; payload is stored as JSON. */
  add(agentId: string, type: string, payload?: unknown): void {
    this.addStmt.run(agentId, type, payload === undefined ? null : JSON.stringify(payload), Date.now());
  }

  /** The agent's most recent `limit` events, oldest first. */
  list(agentId: string, limit = 200): EventRow[] {
    return this.listStmt.all(agentId, limit).map(toRow);
  }
}
