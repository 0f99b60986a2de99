/**
 * Web Worker that owns the page's WebSocket, so terminal bytes are received off the page's
 * main thread. Text frames (calls, results, events) are passed on as they come. Binary frames
 * (terminal output, see encodeTerminalFrame) are merged per agent and posted as one batch,
 * transferred, whenever the page is ready for one: at most one batch per animation frame, so
 * each pane's xterm is written once per frame instead of once per WebSocket message. An idle
 * terminal's echo goes out at once: the page is ready then, and a small frame for a pane with
 * nothing waiting is never held for a batch. Protocol: worker-socket.ts.
 */
import type { ToWorker, FromWorker } from './worker-socket';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

let socket: WebSocket | null = null;
/** Payloads waiting for the page, per frame header ([id length][id]), in arrival order. */
let pending = new Map<string, { header: Uint8Array; parts: Uint8Array[]; bytes: number }>();
/** The page has handled the last batch and wants the next one as soon as there is one. */
let ready = true;
const decoder = new TextDecoder();
/** Output this small, for a pane with nothing waiting, is passed on at once. */
const INTERACTIVE_FRAME_BYTES = 512;

function flush(): void {
  if (pending.size === 0) return;
  const frames: ArrayBuffer[] = [];
  // Smallest first: an echo or a prompt is handed to its pane before a flood's batch is.
  const entries = [...pending.values()].sort((a, b) => a.bytes - b.bytes);
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
  pending = new Map();
  ready = false;
  scope.postMessage({ t: 'frames', frames }, frames);
}

function receiveBinary(data: ArrayBuffer): void {
  const frame = new Uint8Array(data);
  if (frame.length === 0) return;
  const headerLength = 1 + frame[0];
  const key = decoder.decode(frame.subarray(1, headerLength));
  const payload = frame.subarray(headerLength);
  // An echo or a prompt (small, nothing of its pane waiting) is not held behind other panes' batches.
  if (payload.length <= INTERACTIVE_FRAME_BYTES && !pending.has(key)) {
    scope.postMessage({ t: 'frames', frames: [data], urgent: true }, [data]);
    return;
  }
  let entry = pending.get(key);
  if (!entry) pending.set(key, (entry = { header: frame.slice(0, headerLength), parts: [], bytes: 0 }));
  entry.parts.push(payload);
  entry.bytes += payload.length;
  if (ready) flush();
}

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.t) {
    case 'open': {
      const ws = new WebSocket(message.url, message.protocols);
      socket = ws;
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => scope.postMessage({ t: 'open' });
      ws.onerror = () => scope.postMessage({ t: 'error' });
      ws.onclose = (e) => {
        // Output that arrived before the close still belongs before it.
        flush();
        scope.postMessage({ t: 'close', code: e.code, reason: e.reason });
      };
      ws.onmessage = (e: MessageEvent<unknown>) => {
        if (e.data instanceof ArrayBuffer) receiveBinary(e.data);
        else if (typeof e.data === 'string') scope.postMessage({ t: 'text', data: e.data });
      };
      return;
    }
    case 'send':
      if (socket?.readyState === WebSocket.OPEN) socket.send(message.data);
      return;
    case 'close':
      socket?.close(message.code, message.reason);
      return;
    case 'ready':
      ready = true;
      flush();
      return;
  }
};
