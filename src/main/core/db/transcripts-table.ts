/** Terminal transcripts: each agent's recent output bytes, stored in chunks and bounded in size. */
import type { Database, Statement, Transaction } from 'better-sqlite3';

/** Each agent keeps at most this many transcript bytes; the oldest chunks go first. */
export const MAX_TRANSCRIPT_BYTES = 2 * 1024 * 1024;

/** Bytes of one agent's output to append, and the terminal size they were printed at. */
export interface TranscriptChunk {
  agentId: string;
  data: Uint8Array;
  cols?: number | null;
  rows?: number | null;
  /** Delete the agent's stored chunks first: output between them and this one was never written. */
  replacesStored?: boolean;
}

/** Stored output printed at one terminal size (null where the chunk predates sizes). */
export interface TranscriptSegment {
  data: Buffer;
  cols: number | null;
  rows: number | null;
}

/** Statements over `transcript_chunks`, prepared once. */
export class TranscriptsTable {
  private readonly existsStmt: Statement<[string], { one: number }>;
  private readonly insertStmt: Statement<[string, Buffer, number, number, number | null, number | null]>;
  private readonly totalStmt: Statement<[string], { total: number | null }>;
  private readonly oldestStmt: Statement<[string], { id: number; size: number }>;
  private readonly deleteUpToStmt: Statement<[string, number]>;
  private readonly newestStmt: Statement<[string], { data: Buffer; size: number; cols: number | null; rows: number | null }>;
  private readonly deleteAgentStmt: Statement<[string]>;
  private readonly appendTx: Transaction<(chunks: readonly TranscriptChunk[]) => void>;
  /**
   * Stored bytes per agent, counted here so that an append needs no query to know whether to
   * trim. Loaded on an agent's first append; an over-estimate (rows cascaded away) only costs one trim.
   */
  private readonly storedBytes = new Map<string, number>();

  constructor(
    db: Database,
    private readonly maxBytes = MAX_TRANSCRIPT_BYTES,
  ) {
    this.existsStmt = db.prepare('SELECT 1 AS one FROM agents WHERE id = ?');
    this.insertStmt = db.prepare('INSERT INTO transcript_chunks (agent_id, data, size, created_at, cols, rows) VALUES (?, ?, ?, ?, ?, ?)');
    this.totalStmt = db.prepare('SELECT SUM(size) AS total FROM transcript_chunks WHERE agent_id = ?');
    this.oldestStmt = db.prepare('SELECT id, size FROM transcript_chunks WHERE agent_id = ? ORDER BY id ASC');
    this.deleteUpToStmt = db.prepare('DELETE FROM transcript_chunks WHERE agent_id = ? AND id <= ?');
    this.newestStmt = db.prepare('SELECT data, size, cols, rows FROM transcript_chunks WHERE agent_id = ? ORDER BY id DESC');
    this.deleteAgentStmt = db.prepare('DELETE FROM transcript_chunks WHERE agent_id = ?');
    this.appendTx = db.transaction((chunks: readonly TranscriptChunk[]) => this.appendInTransaction(chunks));
  }

  /**
   * Appends a batch in ONE transaction (one WAL commit however many chunks), then trims each
   * agent that went over the size bound. Chunks of agents already deleted are skipped: output
   * buffered while an agent was being removed must not fail everyone else's batch.
   */
  appendBatch(chunks: readonly TranscriptChunk[]): void {
    if (chunks.length === 0) return;
    try {
      this.appendTx(chunks);
    } catch (err) {
      // The transaction rolled back: the counts may be off, so they are read again next time.
      for (const chunk of chunks) this.storedBytes.delete(chunk.agentId);
      throw err;
    }
  }

  /** The agent's most recent `maxBytes` of output, in order. */
  tail(agentId: string, maxBytes: number): Buffer {
    return Buffer.concat(this.tailSegments(agentId, maxBytes).map((segment) => segment.data));
  }

  /** The agent's most recent `maxBytes` of output as stored chunks, oldest first, each with its terminal size. */
  tailSegments(agentId: string, maxBytes: number): TranscriptSegment[] {
    if (maxBytes <= 0) return [];
    const segments: TranscriptSegment[] = [];
    let total = 0;
    for (const row of this.newestStmt.iterate(agentId)) {
      const room = maxBytes - total;
      const data = row.data.length > room ? row.data.subarray(row.data.length - room) : row.data;
      segments.push({ data, cols: row.cols, rows: row.rows });
      total += data.length;
      if (total >= maxBytes) break;
    }
    return segments.reverse();
  }

  deleteForAgent(agentId: string): void {
    this.deleteAgentStmt.run(agentId);
    this.storedBytes.delete(agentId);
  }

  private appendInTransaction(chunks: readonly TranscriptChunk[]): void {
    const known = new Map<string, boolean>();
    const now = Date.now();
    for (const chunk of chunks) {
      let exists = known.get(chunk.agentId);
      if (exists === undefined) {
        exists = this.existsStmt.get(chunk.agentId) !== undefined;
        known.set(chunk.agentId, exists);
        if (!exists) this.storedBytes.delete(chunk.agentId);
      }
      if (!exists) continue;
      if (chunk.replacesStored) {
        this.deleteAgentStmt.run(chunk.agentId);
        this.storedBytes.set(chunk.agentId, 0);
      }
      if (chunk.data.byteLength === 0) continue;
      // A view, not a copy; anything above the bound would be trimmed straight away anyway.
      let data = Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength);
      if (data.length > this.maxBytes) data = data.subarray(data.length - this.maxBytes);
      this.insertStmt.run(chunk.agentId, data, data.length, now, chunk.cols ?? null, chunk.rows ?? null);
      this.storedBytes.set(chunk.agentId, this.stored(chunk.agentId) + data.length);
    }
    for (const [agentId, exists] of known) if (exists && this.stored(agentId) > this.maxBytes) this.trim(agentId);
  }

  private stored(agentId: string): number {
    let bytes = this.storedBytes.get(agentId);
    if (bytes === undefined) {
      bytes = this.totalStmt.get(agentId)?.total ?? 0;
      this.storedBytes.set(agentId, bytes);
    }
    return bytes;
  }

  /** Deletes whole chunks, oldest first, until the agent is within the bound. */
  private trim(agentId: string): void {
    let total = this.totalStmt.get(agentId)?.total ?? 0;
    let excess = total - this.maxBytes;
    if (excess > 0) {
      let cutoff = -1;
      for (const row of this.oldestStmt.iterate(agentId)) {
        cutoff = row.id;
        excess -= row.size;
        total -= row.size;
        if (excess <= 0) break;
      }
      if (cutoff >= 0) this.deleteUpToStmt.run(agentId, cutoff);
    }
    this.storedBytes.set(agentId, total);
  }
}
