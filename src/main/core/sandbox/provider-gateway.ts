/**
 * The provider gateway: the only way an agent reaches its model provider. An HTTP server in
 * Flotilla's own process that forwards each request to one fixed origin, the provider's, and puts
 * the real API key on it there. The agent itself holds only a per-agent token (in its base URL's
 * path and as its "API key"): worthless anywhere but here, and only while the agent runs.
 *
 * Two ways in: 127.0.0.1 TCP (one listener for all agents, routed by token) for agents that share
 * the host's network, and a UNIX socket in the agent's state folder for a confined agent with
 * network 'provider' (reached through the in-sandbox bridge, see provider-network.ts). Both
 * require the token: other local processes can connect to either but cannot use them.
 * Responses stream through untouched (SSE included).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, rmSync } from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { ProviderKind } from '../../../shared/types';
import { rememberSecret } from '../log';

/** A running gateway; `close` stops it, ends its open streams and removes its socket. */
export interface ProviderGateway {
  close(): Promise<void>;
}

/** One agent's way to its provider. */
export interface GatewayRoute {
  /** The per-agent secret: the first path segment of the agent's base URL. */
  token: string;
  /** The provider's origin (http(s)://host[:port]); the path comes from the request. */
  target: string;
  kind: ProviderKind;
  /** The real key, added here on the way out; null for a server that needs none. */
  key: string | null;
}

/** A fresh per-agent token: 256 random bits, URL- and header-safe. */
export function newGatewayToken(): string {
  const token = randomBytes(32).toString('hex');
  rememberSecret(token);
  return token;
}

/** The "API key" an agent is given: the token, recognisable in logs as not a real key. */
export function agentKeyFor(token: string): string {
  return `flotilla-local-${token}`;
}

/** Headers that describe one connection, not the message; never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Copies `headers` without hop-by-hop ones (also those the Connection header names). */
export function endToEndHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Where clients put an API key: each SDK uses one of these (Gemini also `?key=`). */
const KEY_HEADERS = ['authorization', 'x-api-key', 'x-goog-api-key'] as const;

/** The header a provider kind reads its key from, for a client that sent none. */
function defaultKeyHeader(kind: ProviderKind): (typeof KEY_HEADERS)[number] {
  switch (kind) {
    case 'anthropic':
      return 'x-api-key';
    case 'google':
      return 'x-goog-api-key';
    case 'openai':
    case 'openai-compatible':
      return 'authorization';
  }
}

function headerValue(name: string, key: string): string {
  return name === 'authorization' ? `Bearer ${key}` : key;
}

function credentials(headers: Record<string, string | string[]>, query: URLSearchParams): string[] {
  const out: string[] = [];
  for (const name of KEY_HEADERS) {
    const v = headers[name];
    if (typeof v === 'string') out.push(v.replace(/^Bearer\s+/i, '').trim());
  }
  const q = query.get('key');
  if (q) out.push(q);
  return out;
}

/**
 * Decides where a request goes: the route whose token starts its path (stripped) or, for a client
 * that ignores the base URL's path, the route whose agent key it carries. Then replaces whatever
 * key the agent sent with the real one. Pure: returns the outgoing path and headers, or null.
 */
export function routeRequest(
  url: string,
  incoming: Record<string, string | string[]>,
  routes: ReadonlyMap<string, GatewayRoute>,
): { route: GatewayRoute; path: string; headers: Record<string, string | string[]> } | null {
  // Only origin-form targets: an absolute URL ("GET http://elsewhere/") is not ours to follow.
  if (!url.startsWith('/')) return null;
  const parsed = new URL(url, 'http://gateway.invalid');
  let route: GatewayRoute | undefined;
  let pathname = parsed.pathname;
  const first = /^\/([^/]+)/.exec(pathname)?.[1];
  if (first) {
    for (const r of routes.values()) {
      if (sameSecret(first, r.token)) {
        route = r;
        pathname = pathname.slice(first.length + 1) || '/';
        break;
      }
    }
  }
  if (!route) {
    const sent = credentials(incoming, parsed.searchParams);
    route = [...routes.values()].find((r) => sent.some((c) => sameSecret(c, agentKeyFor(r.token))));
  }
  if (!route) return null;

  const headers = { ...incoming };
  const query = parsed.searchParams;
  let placed = false;
  for (const name of KEY_HEADERS) {
    if (headers[name] === undefined) continue;
    if (route.key) headers[name] = headerValue(name, route.key);
    else delete headers[name];
    placed = true;
  }
  if (query.has('key')) {
    if (route.key) query.set('key', route.key);
    else query.delete('key');
    placed = true;
  }
  if (!placed && route.key) headers[defaultKeyHeader(route.kind)] = headerValue(defaultKeyHeader(route.kind), route.key);
  const search = query.toString();
  return { route, path: pathname + (search ? `?${search}` : ''), headers };
}

/** The request handler shared by every listener: routes by token, forwards, streams back. */
function createForwarder(routes: ReadonlyMap<string, GatewayRoute>) {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const routed = routeRequest(req.url ?? '/', endToEndHeaders(req.headers), routes);
    if (!routed) {
      req.resume();
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: "This is Flotilla's provider gateway: the request carries no running agent's token." } }));
      return;
    }
    const target = new URL(routed.route.target);
    const https_ = target.protocol === 'https:';
    const client = https_ ? https : http;
    const headers = routed.headers;
    headers.host = target.host;
    const upstream = client.request({
      hostname: target.hostname.replace(/^\[(.*)\]$/, '$1'), // IPv6 literals come bracketed
      port: target.port ? Number(target.port) : https_ ? 443 : 80,
      method: req.method,
      path: routed.path,
      headers,
      // Keep-alive upstream: an agent makes many requests in a row to the same host.
      agent: https_ ? agents.https : agents.http,
    });
    upstream.on('response', (up) => {
      res.writeHead(up.statusCode ?? 502, up.statusMessage, endToEndHeaders(up.headers));
      // Flush the headers at once: an SSE client waits for them before the first event.
      res.flushHeaders();
      up.pipe(res);
      up.on('error', () => res.destroy());
    });
    upstream.on('error', (err) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Flotilla could not reach the provider at ${target.origin}: ${err.message}` } }));
    });
    // The agent hung up (cancelled a stream, exited): stop the upstream request too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };
  return { forward, destroy: () => (agents.http.destroy(), agents.https.destroy()) };
}

function createServer(forward: (req: IncomingMessage, res: ServerResponse) => void): http.Server {
  // No request or header timeouts: a long streamed answer is normal, and the client is local.
  const server = http.createServer({ requestTimeout: 0, headersTimeout: 0, keepAliveTimeout: 60_000 }, forward);
  server.timeout = 0;
  return server;
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function listenSocket(server: http.Server, socketPath: string): Promise<void> {
  rmSync(socketPath, { force: true }); // a stale socket from an earlier run would block listen
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(socketPath, 0o600);
}

/**
 * The gateways of all agents of one Flotilla process: one 127.0.0.1 listener routed by token, and a
 * UNIX socket per confined agent. Owned by the agent service; `dispose` closes everything.
 */
export class ProviderGatewayHub {
  private readonly routes = new Map<string, GatewayRoute>();
  private readonly forwarder = createForwarder(this.routes);
  private readonly tcp = createServer(this.forwarder.forward);
  private readonly open = new Set<ProviderGateway>();
  private listening: Promise<number> | null = null;

  /** The 127.0.0.1 port of the shared listener, started on first use. */
  port(): Promise<number> {
    this.listening ??= new Promise<number>((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen(0, '127.0.0.1', () => {
        this.tcp.off('error', reject);
        resolve((this.tcp.address() as { port: number }).port);
      });
    });
    return this.listening;
  }

  /** Opens one agent's route (and its socket when given); close() removes both. */
  async add(spec: { route: GatewayRoute; socketPath: string | null }): Promise<ProviderGateway> {
    checkTarget(spec.route.target);
    let socket: http.Server | null = null;
    if (spec.socketPath) {
      socket = createServer(this.forwarder.forward);
      await listenSocket(socket, spec.socketPath);
    }
    this.routes.set(spec.route.token, spec.route);
    const gateway: ProviderGateway = {
      close: async () => {
        this.open.delete(gateway);
        this.routes.delete(spec.route.token);
        if (socket) {
          await closeServer(socket);
          rmSync(spec.socketPath!, { force: true });
        }
      },
    };
    this.open.add(gateway);
    return gateway;
  }

  /** Closes every route, socket and the shared listener. */
  async dispose(): Promise<void> {
    await Promise.all([...this.open].map((g) => g.close()));
    if (this.listening) await closeServer(this.tcp);
    this.forwarder.destroy();
  }
}

function checkTarget(target: string): void {
  const url = new URL(target);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`The provider's address must be http or https, not ${url.protocol}`);
  }
}

/** A gateway for one route on a UNIX socket only (the confined agent's way out). */
export async function startProviderGateway(opts: { socketPath: string; route: GatewayRoute }): Promise<ProviderGateway> {
  checkTarget(opts.route.target);
  const routes = new Map([[opts.route.token, opts.route]]);
  const forwarder = createForwarder(routes);
  const server = createServer(forwarder.forward);
  await listenSocket(server, opts.socketPath);
  return {
    close: async () => {
      await closeServer(server);
      forwarder.destroy();
      rmSync(opts.socketPath, { force: true });
    },
  };
}
