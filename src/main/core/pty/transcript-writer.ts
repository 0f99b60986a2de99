/**
 * Terminal output on its way to the transcript: queued in memory per agent (one segment per
 * terminal size, so a restore replays redraws at the width they were made for), bounded, and
 * written in one transaction every few seconds or when a lot is pending. The transcript is for
 * replay only, so a batch lost to a crash costs a few seconds of it.
 */
import type { TranscriptsTable } from '../db';
import type { SizedOutput } from './screen-replay';

/** Flush at once above this many pending bytes, across agents. */
export const TRANSCRIPT_FLUSH_BYTES = 8 * 1024 * 1024;
/**
 * Each agent queues at most this much between flushes. A replay reads only the last
 * REPLAY_BYTES (256 KiB), so a flood's older bytes would be written only to be trimmed: writing
 * 2 MiB per flooding agent every flush blocked the event loop the terminals share for 100–400 ms
 * under four floods. When a queue overflows, the stored transcript before the gap is dropped at
 * the next flush, so what is stored stays one contiguous stream.
 */
export const TRANSCRIPT_QUEUE_MAX_BYTES = 512 * 1024;

interface Pending {
  segments: { cols: number; rows: number; parts: Buffer[]; bytes: number }[];
  bytes: number;
  /** Output was dropped from the front of the queue: what is stored is no longer followed by it. */
  gap: boolean;
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
    if (!pending) this.pending.set(id, (pending = { segments: [], bytes: 0, gap: false }));
    let last = pending.segments.at(-1);
    if (!last || last.cols !== cols || last.rows !== rows) pending.segments.push((last = { cols, rows, parts: [], bytes: 0 }));
    last.parts.push(data);
    last.bytes += data.length;
    pending.bytes += data.length;
    this.pendingBytes += data.length;
    // A flood is never written in full: only its tail can matter to a replay.
    while (pending.bytes - pending.segments[0]!.parts[0]!.length >= TRANSCRIPT_QUEUE_MAX_BYTES) {
      const oldest = pending.segments[0]!;
      const dropped = oldest.parts.shift()!;
      oldest.bytes -= dropped.length;
      pending.bytes -= dropped.length;
      this.pendingBytes -= dropped.length;
      pending.gap = true;
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
      pending.segments.map(({ cols, rows, parts, bytes }, i) => ({
        agentId,
        cols,
        rows,
        data: parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes),
        replacesStored: i === 0 && pending.gap,
      })),
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
    const queued = this.pending.get(id);
    const pending = (queued?.segments ?? []).map(({ cols, rows, parts, bytes }) => ({ cols, rows, data: Buffer.concat(parts, bytes) }));
    const pendingBytes = pending.reduce((sum, segment) => sum + segment.data.length, 0);
    let stored: SizedOutput[] = [];
    // After a gap the stored output does not lead up to the queued output, so it is not replayed.
    if (pendingBytes < maxBytes && !queued?.gap) {
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
