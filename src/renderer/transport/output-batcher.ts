/**
 * The terminal socket worker's batching, kept free of the worker so it can be tested in Node:
 * binary frames (see encodeTerminalFrame) are merged per agent and handed to the page as one
 * batch (one frame per agent, its bytes in arrival order) whenever the page is ready for one.
 * A small frame for a pane with nothing waiting (an echo, a prompt) skips the batch.
 */

/** Output this small, for a pane with nothing waiting, is passed on at once. */
export const INTERACTIVE_FRAME_BYTES = 512;

/** Hands a batch to the page: one merged frame per agent; `urgent` ones are outside the ready cycle. */
export type PostFrames = (frames: ArrayBuffer[], urgent: boolean) => void;

interface Waiting {
  header: Uint8Array;
  parts: Uint8Array[];
  bytes: number;
}

/** Merges terminal frames per agent until the page is ready for them; see the file comment. */
export class OutputBatcher {
  /** Payloads waiting for the page, per frame header ([id length][id]), in arrival order. */
  private waiting = new Map<string, Waiting>();
  /** The page has handled the last batch and wants the next one as soon as there is one. */
  private ready = true;
  private readonly decoder = new TextDecoder();

  constructor(private readonly post: PostFrames) {}

  /** One binary WebSocket message: a whole terminal frame, which the batcher may transfer. */
  receive(data: ArrayBuffer): void {
    const frame = new Uint8Array(data);
    if (frame.length === 0) return;
    const headerLength = 1 + frame[0];
    const key = this.decoder.decode(frame.subarray(1, headerLength));
    const payload = frame.subarray(headerLength);
    // An echo or a prompt (small, nothing of its pane waiting) is not held behind other panes' batches.
    if (payload.length <= INTERACTIVE_FRAME_BYTES && !this.waiting.has(key)) {
      this.post([data], true);
      return;
    }
    let entry = this.waiting.get(key);
    if (!entry) {
      entry = { header: frame.slice(0, headerLength), parts: [], bytes: 0 };
      this.waiting.set(key, entry);
    }
    entry.parts.push(payload);
    entry.bytes += payload.length;
    if (this.ready) this.flush();
  }

  /** The page's terminals have parsed the last batch: hand over what is waiting, or the next output at once. */
  pageReady(): void {
    this.ready = true;
    this.flush();
  }

  /** Hands over everything waiting, ready or not (the socket closed: output belongs before the close). */
  flush(): void {
    if (this.waiting.size === 0) return;
    // Smallest first: an echo or a prompt is handed to its pane before a flood's batch is.
    const entries = [...this.waiting.values()].sort((a, b) => a.bytes - b.bytes);
    this.waiting = new Map();
    const frames: ArrayBuffer[] = [];
    for (const { header, parts, bytes } of entries) {
      const frame = new Uint8Array(header.length + bytes);
      frame.set(header, 0);
      let offset = header.length;
      for (const part of parts) {
        frame.set(part, offset);
        offset += part.length;
      }
      frames.push(frame.buffer);
    }
    this.ready = false;
    this.post(frames, false);
  }
}
