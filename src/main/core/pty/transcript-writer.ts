/**
 * Terminal output on its way to the transcript: queued in memory per agent (one segment per
 * terminal size, so a restore replays redraws at the width they were made for), bounded to what
 * the table would keep anyway, and written in one transaction every few seconds or when a lot is
 * pending. The transcript is for replay only, so a batch lost to a crash costs a few seconds of it.
 */
import { MAX_TRANSCRIPT_BYTES, type TranscriptsTable } from '../db';
import type { SizedOutput } from './screen-replay';

/** Flush at once above this many pending bytes, across agents. */
export const TRANSCRIPT_FLUSH_BYTES = 8 * 1024 * 1024;

interface Pending {
  segments: { cols: number; rows: number; parts: Buffer[]; bytes: number }[];
  bytes: number;
}

/** Batches transcript writes; owns its timer. */
export class TranscriptWriter {
  private pending = new Map<string, Pending>();
  private pendingBytes = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly table: TranscriptsTable,
    private readonly flushIntervalMs: number,
  ) {}

  /** Queues `data`, printed at `cols`×`rows`, for agent `id`. */
  queue(id: string, cols: number, rows: number, data: Buffer): void {
    let pending = this.pending.get(id);
    if (!pending) this.pending.set(id, (pending = { segments: [], bytes: 0 }));
    let last = pending.segments.at(-1);
    if (!last || last.cols !== cols || last.rows !== rows) pending.segments.push((last = { cols, rows, parts: [], bytes: 0 }));
    last.parts.push(data);
    last.bytes += data.length;
    pending.bytes += data.length;
    this.pendingBytes += data.length;
    // Only the last MAX_TRANSCRIPT_BYTES would survive the trim: a flood is never written in full.
    while (pending.bytes - pending.segments[0]!.parts[0]!.length >= MAX_TRANSCRIPT_BYTES) {
      const oldest = pending.segments[0]!;
      const dropped = oldest.parts.shift()!;
      oldest.bytes -= dropped.length;
      pending.bytes -= dropped.length;
      this.pendingBytes -= dropped.length;
      if (oldest.parts.length === 0) pending.segments.shift();
    }
    if (this.pendingBytes >= TRANSCRIPT_FLUSH_BYTES) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Writes every pending byte in one batch (one transaction). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pendingBytes === 0) return;
    const chunks = [...this.pending].flatMap(([agentId, pending]) =>
      pending.segments.map(({ cols, rows, parts, bytes }) => ({ agentId, cols, rows, data: parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes) })),
    );
    this.pending = new Map();
    this.pendingBytes = 0;
    try {
      this.table.appendBatch(chunks);
    } catch (err) {
      // The transcript is a convenience (replay); losing a batch must not break the live terminal.
      console.error('[flotilla] could not write terminal transcripts', err);
    }
  }

  /** Stored tail plus output not yet stored, at most `maxBytes`, oldest first, with the size each was printed at. */
  recent(id: string, maxBytes: number): SizedOutput[] {
    const pending = (this.pending.get(id)?.segments ?? []).map(({ cols, rows, parts, bytes }) => ({ cols, rows, data: Buffer.concat(parts, bytes) }));
    const pendingBytes = pending.reduce((sum, segment) => sum + segment.data.length, 0);
    let stored: SizedOutput[] = [];
    if (pendingBytes < maxBytes) {
      try {
        stored = this.table.tailSegments(id, maxBytes - pendingBytes);
      } catch {
        // A closed or broken database only costs the replay.
      }
    }
    const all = [...stored, ...pending];
    // Drop from the front down to maxBytes.
    let excess = pendingBytes + stored.reduce((sum, segment) => sum + segment.data.length, 0) - maxBytes;
    while (excess > 0 && all.length > 0) {
      const first = all[0]!;
      if (first.data.length <= excess) {
        excess -= first.data.length;
        all.shift();
      } else {
        all[0] = { ...first, data: first.data.subarray(excess) };
        excess = 0;
      }
    }
    return all;
  }

  /** Writes what is pending and stops the timer. */
  dispose(): void {
    this.flush();
  }
}
