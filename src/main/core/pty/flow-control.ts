/**
 * Ack-based flow control for one terminal (after VS Code's terminal flow control): count the
 * bytes each subscriber has been sent but not yet rendered; pause the PTY when any subscriber
 * falls more than its high watermark behind, resume once every one is back under its low one.
 * Each subscriber has its own window, so a terminal the user is not typing in can be kept to
 * a small one and cannot fill the shared connection ahead of the one they are.
 * Pure accounting: the caller applies the returned change to the PTY.
 */

/** Pause the PTY when a subscriber has more than this many bytes unacknowledged. */
export const HIGH_WATERMARK_BYTES = 256 * 1024;
/** Resume once every subscriber is below this many unacknowledged bytes. */
export const LOW_WATERMARK_BYTES = 32 * 1024;

/** A background terminal pauses above this many unacknowledged bytes... */
export const BACKGROUND_HIGH_WATERMARK_BYTES = 16 * 1024;
/** ...and resumes below this many. */
export const BACKGROUND_LOW_WATERMARK_BYTES = 4 * 1024;

/** What the caller must do to the PTY after an accounting step. */
export type FlowChange = 'pause' | 'resume' | 'none';

/** How far one subscriber may fall behind. */
export interface FlowWindow {
  readonly highWatermarkBytes: number;
  readonly lowWatermarkBytes: number;
}

/** The window of the terminal the user is working in (and of every terminal before they type anywhere). */
export const FOREGROUND_WINDOW: FlowWindow = { highWatermarkBytes: HIGH_WATERMARK_BYTES, lowWatermarkBytes: LOW_WATERMARK_BYTES };
/** The window of the other terminals. */
export const BACKGROUND_WINDOW: FlowWindow = {
  highWatermarkBytes: BACKGROUND_HIGH_WATERMARK_BYTES,
  lowWatermarkBytes: BACKGROUND_LOW_WATERMARK_BYTES,
};

/** Unacknowledged-byte accounting of one terminal's subscribers. */
export class FlowControl {
  private readonly unackedBytes = new Map<string, number>();
  private readonly windows = new Map<string, FlowWindow>();
  private pausedState = false;
  private readonly defaultWindow: FlowWindow;

  /** The watermarks are the window of subscribers added without one. */
  constructor(
    readonly highWatermarkBytes = HIGH_WATERMARK_BYTES,
    readonly lowWatermarkBytes = LOW_WATERMARK_BYTES,
  ) {
    this.defaultWindow = { highWatermarkBytes, lowWatermarkBytes };
  }

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
  add(clientId: string, window: FlowWindow = this.defaultWindow): FlowChange {
    this.unackedBytes.set(clientId, 0);
    this.windows.set(clientId, window);
    return this.settle();
  }

  /** Changes how far a known subscriber may fall behind. */
  setWindow(clientId: string, window: FlowWindow): FlowChange {
    if (!this.unackedBytes.has(clientId)) return 'none';
    this.windows.set(clientId, window);
    return this.settle();
  }

  /** Stops accounting for a subscriber; its unacked bytes no longer hold the PTY. */
  remove(clientId: string): FlowChange {
    this.unackedBytes.delete(clientId);
    this.windows.delete(clientId);
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
    let overHigh = false;
    let allUnderLow = true;
    for (const [clientId, bytes] of this.unackedBytes) {
      const window = this.windows.get(clientId) ?? this.defaultWindow;
      if (bytes > window.highWatermarkBytes) overHigh = true;
      if (bytes >= window.lowWatermarkBytes) allUnderLow = false;
    }
    if (!this.pausedState && overHigh) {
      this.pausedState = true;
      return 'pause';
    }
    // Hysteresis: between the watermarks the state stays as it is, so the PTY does not flap.
    if (this.pausedState && allUnderLow) {
      this.pausedState = false;
      return 'resume';
    }
    return 'none';
  }
}
