/**
 * The page's side of terminal-socket-worker.ts: a WebSocketLike whose socket lives in a Web
 * Worker. Terminal output arrives in per-agent batches, at most one per animation frame; the
 * page asks for the next batch once it has handed the last one to the terminals and a frame
 * has passed, so xterm is written (and redraws) once per frame however fast bytes arrive.
 */
import type { WebSocketLike } from './ws-client';

/** Page → worker. */
export type ToWorker =
  | { t: 'open'; url: string; protocols: string[] }
  | { t: 'send'; data: string }
  | { t: 'close'; code?: number; reason?: string }
  | { t: 'ready' };

/** Worker → page. Each frame is one agent's merged output, framed like encodeTerminalFrame. */
export type FromWorker =
  | { t: 'open' }
  | { t: 'text'; data: string }
  | { t: 'frames'; frames: ArrayBuffer[]; urgent?: boolean }
  | { t: 'error' }
  | { t: 'close'; code: number; reason: string };

/** A hidden page gets no animation frames; still ask for the next batch after this long. */
const READY_FALLBACK_MS = 250;

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

/** A browser WebSocket when workers are unavailable, otherwise one owned by a worker. */
export function createDefaultSocket(url: string, protocols: string[] = []): WebSocketLike {
  if (typeof Worker === 'undefined') return new WebSocket(url, protocols) as unknown as WebSocketLike;
  try {
    return createWorkerSocket(url, protocols);
  } catch {
    // A CSP or a browser that refuses module workers: the socket stays on the page's thread.
    return new WebSocket(url, protocols) as unknown as WebSocketLike;
  }
}

/** Opens `url` in a new worker; the worker ends when the socket closes. */
export function createWorkerSocket(url: string, protocols: string[] = []): WebSocketLike {
  const worker = new Worker(new URL('./terminal-socket-worker.ts', import.meta.url), { type: 'module' });
  const post = (message: ToWorker) => worker.postMessage(message);
  let readyState = CONNECTING;

  const askForNext = () => {
    let asked = false;
    const ask = () => {
      if (asked || readyState === CLOSED) return;
      asked = true;
      post({ t: 'ready' });
    };
    requestAnimationFrame(ask);
    setTimeout(ask, READY_FALLBACK_MS);
  };

  const socket: WebSocketLike = {
    binaryType: 'arraybuffer',
    get readyState() {
      return readyState;
    },
    onopen: null,
    onclose: null,
    onerror: null,
    onmessage: null,
    send(data: string) {
      if (readyState === OPEN) post({ t: 'send', data });
    },
    close(code?: number, reason?: string) {
      if (readyState === CLOSED) return;
      post({ t: 'close', code, reason });
    },
  };

  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    const message = event.data;
    switch (message.t) {
      case 'open':
        readyState = OPEN;
        socket.onopen?.({});
        return;
      case 'text':
        socket.onmessage?.({ data: message.data });
        return;
      case 'frames':
        for (const frame of message.frames) socket.onmessage?.({ data: frame });
        // An urgent frame came outside the batch cycle: the worker is not waiting for an answer.
        if (!message.urgent) askForNext();
        return;
      case 'error':
        socket.onerror?.({});
        return;
      case 'close':
        readyState = CLOSED;
        worker.terminate();
        socket.onclose?.({ code: message.code, reason: message.reason });
        return;
    }
  };
  worker.onerror = () => {
    // The worker itself failed (not the socket): report a closed socket so the client reconnects.
    if (readyState === CLOSED) return;
    readyState = CLOSED;
    worker.terminate();
    socket.onclose?.({ code: 1006, reason: 'terminal worker failed' });
  };
  post({ t: 'open', url, protocols });
  return socket;
}
