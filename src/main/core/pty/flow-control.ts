/**
 * Ack-based flow control for one terminal (after VS Code's terminal flow control): count the
 * bytes each subscriber has been sent but not yet rendered; pause the PTY when any subscriber
 * falls more than a high watermark behind, resume once every one is back under a low one.
 * Pure accounting: the caller applies the returned change to the PTY.
 */

/** Pause the PTY when a subscriber has more than this many bytes unacknowledged. */
export const HIGH_WATERMARK_BYTES = 256 * 1024;
/** Resume once every subscriber is below this many unacknowledged bytes. */
export const LOW_WATERMARK_BYTES = 32 * 1024;

/** What the caller must do to the PTY after an accounting step. */
export type FlowChange = 'pause' | 'resume' | 'none';

/** Unacknowledged-byte accounting of one terminal's subscribers. */
export class FlowControl {
  private readonly unackedBytes = new Map<string, number>();
  private pausedState = false;

  constructor(
    readonly highWatermarkBytes = HIGH_WATERMARK_BYTES,
    readonly lowWatermarkBytes = LOW_WATERMARK_BYTES,
  ) {}

  /** True while the PTY should be paused. */
  get paused(): boolean {
    return this.pausedState;
  }

  get clientCount(): number {
    return this.unackedBytes.size;
  }

  /** Bytes sent to `clientId` it has not acknowledged yet (0 for an unknown client). */
  unacked(clientId: string): number {
    return this.unackedBytes.get(clientId) ?? 0;
  }

  /** Starts (or restarts) accounting for a subscriber with nothing outstanding. */
  add(clientId: string): FlowChange {
    this.unackedBytes.set(clientId, 0);
    return this.settle();
  }

  /** Stops accounting for a subscriber; its unacked bytes no longer hold the PTY. */
  remove(clientId: string): FlowChange {
    this.unackedBytes.delete(clientId);
    return this.settle();
  }

  /** Records bytes sent to a subscriber. */
  sent(clientId: string, bytes: number): FlowChange {
    const current = this.unackedBytes.get(clientId);
    if (current === undefined) return 'none';
    this.unackedBytes.set(clientId, current + bytes);
    return this.settle();
  }

  /** Records bytes a subscriber has rendered. Late or excess acks never go below zero. */
  ack(clientId: string, bytes: number): FlowChange {
    const current = this.unackedBytes.get(clientId);
    if (current === undefined || !(bytes > 0)) return 'none';
    this.unackedBytes.set(clientId, Math.max(0, current - bytes));
    return this.settle();
  }

  private settle(): FlowChange {
    let max = 0;
    for (const bytes of this.unackedBytes.values()) if (bytes > max) max = bytes;
    if (!this.pausedState && max > this.highWatermarkBytes) {
      this.pausedState = true;
      return 'pause';
    }
    // Hysteresis: between the watermarks the state stays as it is, so the PTY does not flap.
    if (this.pausedState && max < this.lowWatermarkBytes) {
      this.pausedState = false;
      return 'resume';
    }
    return 'none';
  }
}
