/**
 * Web mode transport: serves the renderer bundle over HTTP and binds the contract to a
 * WebSocket. The core can spawn shells, so every WebSocket must prove it is ours: the token
 * (sent by the page as a WebSocket subprotocol), our own Host header (DNS rebinding) and our
 * own Origin (cross-site requests). The token is never put in a cookie: browsers send cookies
 * to every port of a host, so any other local server the user opens (an agent's dev server)
 * would receive it. The bundle itself holds nothing secret and is served to any request
 * that names our host.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { resolve } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { encodeTerminalFrame } from '../../shared/contract';
import { rendererCsp } from '../../shared/csp';
import type { Result } from '../../shared/types';
import type { ClientSink, Core } from '../core';
import { log, rememberSecret } from '../core/log';
import { mimeTypeOf, rawPathEscapes, resolveStaticPath } from '../static-path';

export { resolveStaticPath };

export interface WebServerOptions {
  core: Core;
  /** Interface to bind; 127.0.0.1 unless the user asked otherwise. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  token: string;
  /** The built renderer (out/renderer). */
  rendererDir: string;
}

export interface WebServer {
  /** Base URL without the token, e.g. `http://127.0.0.1:4517/`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The subprotocol the page asks for; the server selects it, so the token is never echoed. */
export const WS_PROTOCOL = 'flotilla';
/** Prefix of the second subprotocol, which carries the token: `flotilla-token.<token>`. */
export const WS_TOKEN_PROTOCOL_PREFIX = 'flotilla-token.';

/**
 * The cookie older versions kept the token in. A request still carrying it is answered with
 * an expired copy, so the browser stops sending the token to other local servers.
 */
export const LEGACY_TOKEN_COOKIE = 'flotilla_token';

/** The policy sent with every response: `connect-src` names only this server's own WebSocket. */
export function contentSecurityPolicy(host: string): string {
  return rendererCsp({ connect: [`ws://${host}`] });
}

/**
 * Largest WebSocket message accepted. The contract allows a 1,000,000-character paste in
 * `terminal.input`; as non-ASCII UTF-8 inside JSON that is about 3 MB, so 4 MiB leaves room
 * while still refusing anything absurd before it is buffered.
 */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * Deepest nesting of arrays and objects accepted in a message. The contract's deepest params
 * are a few levels; parsing (and validating) megabytes of nesting stalled the server for
 * seconds, so depth is checked on the raw bytes first.
 */
export const MAX_MESSAGE_DEPTH = 32;

/** A dead peer (laptop lid closed, network gone) is noticed within two of these. */
const HEARTBEAT_INTERVAL_MS = 30_000;

/** How long shutdown waits for clients to answer a close frame before cutting them. */
const CLOSE_GRACE_MS = 1_000;


const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Formats a host for a URL or Host header: IPv6 literals are bracketed. */
export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Starts the HTTP + WebSocket server and resolves once it is listening. */
export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const rendererDir = resolve(opts.rendererDir);
  rememberSecret(opts.token);
  // Compare digests so the comparison takes the same time whatever the length of the guess.
  const tokenDigest = digest(opts.token);
  const tokenMatches = (candidate: string | undefined): boolean =>
    candidate !== undefined && candidate.length > 0 && timingSafeEqual(digest(candidate), tokenDigest);

  let allowedHosts = new Set<string>();

  /** 403 for a request from a foreign host or origin, or null when it may proceed. */
  const foreign = (req: IncomingMessage, requireOrigin: boolean): 403 | null => {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!allowedHosts.has(host)) return 403;
    const origin = req.headers.origin;
    if (origin !== undefined || requireOrigin) {
      if (origin?.toLowerCase() !== `http://${host}`) return 403;
    }
    return null;
  };

  const server = createServer((req, res) => {
    void handleHttp(req, res).catch((err: unknown) => {
      console.error(`flotilla: request ${req.url ?? ''} failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) sendStatus(res, 500);
      else res.destroy();
    });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseRequestUrl(req.url);
    if (!url) return refuse(req, 400, 'unparsable URL', () => sendStatus(res, 400));
    const refused = foreign(req, false);
    if (refused) return refuse(req, refused, 'foreign host or origin', () => sendStatus(res, refused));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return refuse(req, 405, 'method not allowed', () => sendStatus(res, 405));
    }
    const file = rawPathEscapes(req.url ?? '') ? null : resolveStaticPath(rendererDir, url.pathname);
    if (file === null) return refuse(req, 403, 'path outside the app', () => sendStatus(res, 403));
    let stat;
    try {
      stat = await fsp.stat(file);
    } catch {
      return sendStatus(res, 404);
    }
    if (!stat.isFile()) return sendStatus(res, 404);

    const headers: Record<string, string | number> = {
      ...SECURITY_HEADERS,
      'Content-Security-Policy': contentSecurityPolicy((req.headers.host ?? '').toLowerCase()),
      'Content-Type': mimeTypeOf(file),
      'Content-Length': stat.size,
      // A new build must reach an open tab on reload.
      'Cache-Control': file.endsWith('.html') ? 'no-store' : 'private, max-age=3600',
    };
    if (readCookie(req.headers.cookie, LEGACY_TOKEN_COOKIE) !== null) {
      headers['Set-Cookie'] = `${LEGACY_TOKEN_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
    // A browser fails the connection unless one of its offered subprotocols is selected.
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = parseRequestUrl(req.url);
    if (!url) return refuse(req, 400, 'unparsable URL', () => rejectUpgrade(socket, 400));
    // Origin is mandatory here: browsers always send it on a WebSocket.
    const refused = foreign(req, true);
    if (refused) return refuse(req, refused, 'foreign host or origin', () => rejectUpgrade(socket, refused));
    if (!tokenMatches(upgradeToken(req, url) ?? undefined)) return refuse(req, 401, 'missing or wrong token', () => rejectUpgrade(socket, 401));
    if (url.pathname !== '/ws') return refuse(req, 404, 'no such socket', () => rejectUpgrade(socket, 404));
    wss.handleUpgrade(req, socket, head, (ws) => bindSocket(opts.core, ws));
  });

  const alive = new WeakSet<WebSocket>();
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, HEARTBEAT_INTERVAL_MS);
  heartbeat.unref();

  function bindSocket(core: Core, ws: WebSocket): void {
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    const send = (message: ServerMessage): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    const sink: ClientSink = {
      event: (name, payload) => send({ t: 'event', name, payload }),
      terminalData: (agentId, data) => {
        // Unbounded bufferedAmount is not a worry: the core pauses a PTY until its bytes are acked.
        if (ws.readyState === ws.OPEN) ws.send(encodeTerminalFrame(agentId, data), { binary: true });
      },
    };
    const connection = core.connect(sink);
    ws.on('message', (raw: RawData, isBinary: boolean) => {
      const bytes = isBinary ? null : rawToBuffer(raw);
      if (bytes && nestingExceeds(bytes, MAX_MESSAGE_DEPTH)) {
        log('warn', 'web server refused', { status: 1009, reason: 'message nested too deep' });
        ws.close(1009, `Message nested deeper than ${MAX_MESSAGE_DEPTH} levels`);
        return;
      }
      const message = bytes ? parseClientMessage(bytes.toString('utf8')) : null;
      if (!message) {
        log('warn', 'web server refused', { status: 1007, reason: 'malformed message' });
        ws.close(1007, 'Malformed message');
        return;
      }
      if (message.t === 'notify') {
        connection.notify(message.name, message.params);
        return;
      }
      const { id } = message;
      void connection.invoke(message.method, message.params).then((result) => send({ t: 'result', id, result }));
    });
    ws.on('close', () => connection.dispose());
    ws.on('error', () => ws.terminate());
  }

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The web server has no TCP address.');
  const port = address.port;
  allowedHosts = new Set(
    ['127.0.0.1', 'localhost', '[::1]', hostForUrl(opts.host.toLowerCase())].map((h) => `${h}:${port}`),
  );

  let closing: Promise<void> | null = null;
  return {
    url: `http://${hostForUrl(opts.host)}:${port}/`,
    port,
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat);
        for (const ws of wss.clients) ws.close(1001, 'Flotilla is shutting down');
        const closed = new Promise<void>((r) => wss.close(() => r()));
        // Sockets that do not finish the closing handshake promptly are cut (ws waits 30 s).
        const cut = setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
        }, CLOSE_GRACE_MS);
        await closed;
        clearTimeout(cut);
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

/** Client → server messages on /ws. */
export type ClientMessage =
  | { t: 'call'; id: number | string; method: string; params: unknown }
  | { t: 'notify'; name: string; params: unknown };

/** Server → client text messages on /ws (terminal data goes as binary frames). */
export type ServerMessage =
  | { t: 'result'; id: number | string; result: Result<unknown> }
  | { t: 'event'; name: string; payload: unknown };

/** Parses and shape-checks a client message; the core validates method names and params. */
export function parseClientMessage(text: string): ClientMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  if (m.t === 'call' && (typeof m.id === 'number' || typeof m.id === 'string') && typeof m.method === 'string') {
    return { t: 'call', id: m.id, method: m.method, params: m.params };
  }
  if (m.t === 'notify' && typeof m.name === 'string') return { t: 'notify', name: m.name, params: m.params };
  return null;
}

/**
 * The token a WebSocket upgrade presents: the `flotilla-token.` subprotocol (what the page
 * sends), else an `Authorization: Bearer` header or a `?token=` query (for tools and scripts;
 * neither is ever stored by a browser).
 */
export function upgradeToken(req: IncomingMessage, url: URL): string | null {
  for (const protocol of (req.headers['sec-websocket-protocol'] ?? '').split(',')) {
    const p = protocol.trim();
    if (p.startsWith(WS_TOKEN_PROTOCOL_PREFIX)) return p.slice(WS_TOKEN_PROTOCOL_PREFIX.length);
  }
  const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (auth) return auth[1]!;
  return url.searchParams.get('token');
}

/**
 * True when the JSON text in `bytes` nests arrays and objects deeper than `maxDepth`. One pass
 * over the bytes, skipping strings, so it costs far less than the parse it protects.
 */
export function nestingExceeds(bytes: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i++; // backslash: the next byte is escaped
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) {
      inString = true;
    } else if (b === 0x5b || b === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (b === 0x5d || b === 0x7d) {
      depth--;
    }
  }
  return false;
}

function parseRequestUrl(raw: string | undefined): URL | null {
  // Parse the path alone: a request line with an absolute URL must not change our notion of host.
  if (!raw || !raw.startsWith('/')) return null;
  try {
    return new URL(raw, 'http://flotilla.invalid');
  } catch {
    return null;
  }
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function rawToBuffer(raw: RawData): Buffer {
  if (Array.isArray(raw)) return Buffer.concat(raw);
  if (raw instanceof ArrayBuffer) return Buffer.from(raw);
  return raw;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
};

/** Logs a refused request (path only: a query may carry the token), then refuses it. */
function refuse(req: IncomingMessage, status: number, reason: string, send: () => void): void {
  const path = (req.url ?? '').split('?')[0]?.slice(0, 200);
  log('warn', 'web server refused', { status, reason, method: req.method, path, host: req.headers.host, origin: req.headers.origin, from: req.socket.remoteAddress });
  send();
}

function sendStatus(res: ServerResponse, status: number): void {
  // Refusals say nothing beyond the status: no page, no hint about what was wrong.
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'", 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${status} ${STATUS_TEXT[status] ?? ''}\n`);
}

function rejectUpgrade(socket: Duplex, status: number): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
