/**
 * The renderer's client in a browser (web mode): the contract over one WebSocket to `/ws`.
 * Text frames carry JSON calls, results and events; binary frames carry terminal output.
 * Reconnects with backoff; calls in flight when the socket drops fail with a clear error.
 */
import {
  decodeTerminalFrame,
  type FlotillaClient,
  type MethodName,
  type ParamsOf,
  type ResultOf,
  type TerminalData,
} from '../../shared/contract';
import type { Result } from '../../shared/types';
import { EventListeners, ListenerSet } from './listeners';
import { createDefaultSocket } from './worker-socket';

/** The part of the browser's WebSocket this client uses; tests pass the `ws` package's. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface WsClientOptions {
  /** The WebSocket URL, e.g. `ws://127.0.0.1:4517/ws`. */
  url: string;
  /** Subprotocols to offer; the page's token travels as one of them. */
  protocols?: string[];
  /** Defaults to a WebSocket owned by a worker (worker-socket.ts). */
  createSocket?: (url: string, protocols: string[]) => WebSocketLike;
}

/** A WebSocket FlotillaClient; `close()` stops it for good (no more reconnects). */
export interface WsClient extends FlotillaClient {
  onConnectionChange(listener: (connected: boolean) => void): () => void;
  readonly connected: boolean;
  close(): void;
}

const OPEN = 1;
const INITIAL_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5_000;

const NOT_CONNECTED = 'Lost the connection to Flotilla; it will reconnect by itself. Try again in a moment.';

interface Pending {
  resolve(result: Result<unknown>): void;
  reject(err: Error): void;
  /** False while queued for the first connection: such a call survives failed attempts. */
  sent: boolean;
}

/** Connects to the core over a WebSocket and keeps reconnecting until closed. */
export function createWsClient(options: WsClientOptions): WsClient {
  // By default the socket lives in a worker, so terminal bytes are received off the page's thread.
  const createSocket = options.createSocket ?? createDefaultSocket;
  const events = new EventListeners();
  const terminal = new ListenerSet<[TerminalData]>();
  const connection = new ListenerSet<[boolean]>();
  const pending = new Map<number, Pending>();
  /** Calls made before the first connection opened; sent in order once it does. */
  let queue: { id: number; message: string }[] = [];
  let nextId = 1;
  let socket: WebSocketLike | null = null;
  let connected = false;
  let everConnected = false;
  let closed = false;
  let backoffMs = INITIAL_BACKOFF_MS;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;

  function connect(): void {
    reconnectTimer = null;
    if (closed) return;
    const ws = createSocket(options.url, options.protocols ?? []);
    socket = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      if (socket !== ws) return;
      connected = true;
      everConnected = true;
      backoffMs = INITIAL_BACKOFF_MS;
      const queued = queue;
      queue = [];
      for (const { id, message } of queued) {
        const p = pending.get(id);
        if (!p) continue;
        p.sent = true;
        ws.send(message);
      }
      connection.fire(true);
    };
    ws.onmessage = (event) => {
      if (socket === ws) receive(event.data);
    };
    ws.onerror = () => {
      // A close event always follows; that is where the connection is given up.
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      const wasConnected = connected;
      connected = false;
      failPending(false);
      if (wasConnected) connection.fire(false);
      scheduleReconnect();
    };
  }

  function scheduleReconnect(): void {
    if (closed || reconnectTimer) return;
    reconnectTimer = setTimeout(connect, backoffMs);
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  }

  function failPending(all: boolean): void {
    for (const [id, p] of [...pending]) {
      if (!all && !p.sent) continue;
      pending.delete(id);
      p.reject(new Error(closed ? 'The Flotilla client is closed.' : NOT_CONNECTED));
    }
  }

  function receive(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      terminal.fire(decodeTerminalFrame(new Uint8Array(data)));
      return;
    }
    if (ArrayBuffer.isView(data)) {
      terminal.fire(decodeTerminalFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
      return;
    }
    if (typeof data !== 'string') return;
    let message: { t?: unknown; id?: unknown; result?: unknown; name?: unknown; payload?: unknown };
    try {
      message = JSON.parse(data) as typeof message;
    } catch {
      console.error('flotilla: ignoring a malformed message from the server');
      return;
    }
    if (message.t === 'result' && typeof message.id === 'number') {
      const p = pending.get(message.id);
      if (!p) return;
      pending.delete(message.id);
      p.resolve(message.result as Result<unknown>);
    } else if (message.t === 'event' && typeof message.name === 'string') {
      events.fire(message.name, message.payload);
    }
  }

  connect();

  return {
    get connected() {
      return connected;
    },
    invoke<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<Result<ResultOf<M>>> {
      if (closed) return Promise.reject(new Error('The Flotilla client is closed.'));
      // Before the first connection, calls wait for it; after a drop they fail at once
      // rather than run late against a server that may have restarted.
      if (!connected && everConnected) return Promise.reject(new Error(NOT_CONNECTED));
      const id = nextId++;
      const message = JSON.stringify({ t: 'call', id, method, params });
      return new Promise<Result<ResultOf<M>>>((resolve, reject) => {
        const ws = connected && socket?.readyState === OPEN ? socket : null;
        pending.set(id, { resolve: resolve as (r: Result<unknown>) => void, reject, sent: ws !== null });
        if (ws) ws.send(message);
        else queue.push({ id, message });
      });
    },
    notify(name, params) {
      // Keystrokes and acks are meaningless to a later connection, so they are not queued.
      if (connected && socket?.readyState === OPEN) socket.send(JSON.stringify({ t: 'notify', name, params }));
    },
    onEvent(name, listener) {
      return events.add(name, listener as (payload: unknown) => void);
    },
    onTerminalData(listener) {
      return terminal.add(listener);
    },
    onConnectionChange(listener) {
      return connection.add(listener);
    },
    close() {
      if (closed) return;
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      reconnectTimer = null;
      const ws = socket;
      socket = null;
      const wasConnected = connected;
      connected = false;
      ws?.close(1000, 'client closed');
      queue = [];
      failPending(true);
      if (wasConnected) connection.fire(false);
    },
  };
}
