/** Terminal transcripts: each agent's recent output bytes, stored in chunks and bounded in size. */
import type { Database, Statement, Transaction } from 'better-sqlite3';

/** Each agent keeps at most this many transcript bytes; the oldest chunks go first. */
export const MAX_TRANSCRIPT_BYTES = 2 * 1024 * 1024;

/** Bytes of one agent's output to append. */
export interface TranscriptChunk {
  agentId: string;
  data: Uint8Array;
}

/** Statements over `transcript_chunks`, prepared once. */
export class TranscriptsTable {
  private readonly existsStmt: Statement<[string], { one: number }>;
  private readonly insertStmt: Statement<[string, Buffer, number, number]>;
  private readonly totalStmt: Statement<[string], { total: number | null }>;
  private readonly oldestStmt: Statement<[string], { id: number; size: number }>;
  private readonly deleteUpToStmt: Statement<[string, number]>;
  private readonly newestStmt: Statement<[string], { data: Buffer; size: number }>;
  private readonly deleteAgentStmt: Statement<[string]>;
  private readonly appendTx: Transaction<(chunks: readonly TranscriptChunk[]) => void>;

  constructor(
    db: Database,
    private readonly maxBytes = MAX_TRANSCRIPT_BYTES,
  ) {
    this.existsStmt = db.prepare('SELECT 1 AS one FROM agents WHERE id = ?');
    this.insertStmt = db.prepare('INSERT INTO transcript_chunks (agent_id, data, size, created_at) VALUES (?, ?, ?, ?)');
    this.totalStmt = db.prepare('SELECT SUM(size) AS total FROM transcript_chunks WHERE agent_id = ?');
    this.oldestStmt = db.prepare('SELECT id, size FROM transcript_chunks WHERE agent_id = ? ORDER BY id ASC');
    this.deleteUpToStmt = db.prepare('DELETE FROM transcript_chunks WHERE agent_id = ? AND id <= ?');
    this.newestStmt = db.prepare('SELECT data, size FROM transcript_chunks WHERE agent_id = ? ORDER BY id DESC');
    this.deleteAgentStmt = db.prepare('DELETE FROM transcript_chunks WHERE agent_id = ?');
    this.appendTx = db.transaction((chunks: readonly TranscriptChunk[]) => this.appendInTransaction(chunks));
  }

  /**
   * Appends a batch in ONE transaction (one WAL commit however many chunks), then trims each
   * agent it touched to the size bound. Chunks of agents already deleted are skipped: output
   * buffered while an agent was being removed must not fail everyone else's batch.
   */
  appendBatch(chunks: readonly TranscriptChunk[]): void {
    if (chunks.length === 0) return;
    this.appendTx(chunks);
  }

  /** The agent's most recent `maxBytes` of output, in order. */
  tail(agentId: string, maxBytes: number): Buffer {
    if (maxBytes <= 0) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    let total = 0;
    for (const row of this.newestStmt.iterate(agentId)) {
      parts.push(row.data);
      total += row.size;
      if (total >= maxBytes) break;
    }
    const joined = Buffer.concat(parts.reverse());
    return joined.length > maxBytes ? joined.subarray(joined.length - maxBytes) : joined;
  }

  deleteForAgent(agentId: string): void {
    this.deleteAgentStmt.run(agentId);
  }

  private appendInTransaction(chunks: readonly TranscriptChunk[]): void {
    const known = new Map<string, boolean>();
    const now = Date.now();
    for (const chunk of chunks) {
      let exists = known.get(chunk.agentId);
      if (exists === undefined) {
        exists = this.existsStmt.get(chunk.agentId) !== undefined;
        known.set(chunk.agentId, exists);
      }
      if (!exists || chunk.data.byteLength === 0) continue;
      // A view, not a copy; anything above the bound would be trimmed straight away anyway.
      let data = Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength);
      if (data.length > this.maxBytes) data = data.subarray(data.length - this.maxBytes);
      this.insertStmt.run(chunk.agentId, data, data.length, now);
    }
    for (const [agentId, exists] of known) if (exists) this.trim(agentId);
  }

  /** Deletes whole chunks, oldest first, until the agent is within the bound. */
  private trim(agentId: string): void {
    const total = this.totalStmt.get(agentId)?.total ?? 0;
    let excess = total - this.maxBytes;
    if (excess <= 0) return;
    let cutoff = -1;
    for (const row of this.oldestStmt.iterate(agentId)) {
      cutoff = row.id;
      excess -= row.size;
      if (excess <= 0) break;
    }
    if (cutoff >= 0) this.deleteUpToStmt.run(agentId, cutoff);
  }
}
