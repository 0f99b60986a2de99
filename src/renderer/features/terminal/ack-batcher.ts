/** Send an ack once this many rendered bytes are pending... */
export const ACK_THRESHOLD_BYTES = 16 * 1024;
/** ...or this long after the first unacknowledged byte, whichever comes first. */
export const ACK_DELAY_MS = 20;

/** Timer functions, injectable so the batching can be tested without waiting. */
export interface AckTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: AckTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Sums the byte counts xterm reports as rendered and sends them as few acks as possible:
 * one message per 16 KiB or per 20 ms instead of one per chunk. Every byte is eventually
 * acked (flush on dispose), or the core would keep the PTY paused above its watermark.
 */
export class AckBatcher {
  private pendingBytes = 0;
  private timer: unknown = null;

  constructor(
    private readonly send: (bytes: number) => void,
    private readonly thresholdBytes = ACK_THRESHOLD_BYTES,
    private readonly delayMs = ACK_DELAY_MS,
    private readonly timers: AckTimers = realTimers,
  ) {}

  /** Records `bytes` as rendered. */
  add(bytes: number): void {
    if (bytes <= 0) return;
    this.pendingBytes += bytes;
    if (this.pendingBytes >= this.thresholdBytes) this.flush();
    else if (this.timer === null) this.timer = this.timers.set(() => this.flush(), this.delayMs);
  }

  /** Sends whatever is pending now. */
  flush(): void {
    if (this.timer !== null) {
      this.timers.clear(this.timer);
      this.timer = null;
    }
    if (this.pendingBytes > 0) {
      const bytes = this.pendingBytes;
      this.pendingBytes = 0;
      this.send(bytes);
    }
  }

  /** Flushes and stops; later adds are sent at once rather than lost. */
  dispose(): void {
    this.flush();
  }
}
