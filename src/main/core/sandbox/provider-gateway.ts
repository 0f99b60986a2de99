/**
 * The only way out of a sandbox whose network is limited to the provider: an HTTP server on a
 * UNIX socket (in the agent's state folder, bind-mounted into the sandbox) that forwards every
 * request to one fixed origin, the provider's. Whatever the agent asks for, the request goes to
 * that origin and nowhere else. Responses stream through untouched (SSE included).
 */
import { chmodSync, rmSync } from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';

/** A running gateway; `close` stops listening, ends open streams and removes the socket. */
export interface ProviderGateway {
  close(): Promise<void>;
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

/** Starts the gateway for `target` (an origin: http(s)://host[:port]) on `socketPath`. */
export async function startProviderGateway(opts: { socketPath: string; target: string }): Promise<ProviderGateway> {
  const target = new URL(opts.target);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new Error(`The provider's address must be http or https, not ${target.protocol}`);
  }
  const client = target.protocol === 'https:' ? https : http;
  // Keep-alive upstream: an agent makes many requests in a row to the same host.
  const agent = new client.Agent({ keepAlive: true });
  const hostname = target.hostname.replace(/^\[(.*)\]$/, '$1'); // IPv6 literals come bracketed
  const port = target.port ? Number(target.port) : target.protocol === 'https:' ? 443 : 80;

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const headers = endToEndHeaders(req.headers);
    headers.host = target.host;
    const upstream = client.request({ hostname, port, method: req.method, path: req.url ?? '/', headers, agent });
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

  // No request or header timeouts: a long streamed answer is normal, and the client is local.
  const server = http.createServer({ requestTimeout: 0, headersTimeout: 0, keepAliveTimeout: 60_000 }, forward);
  server.timeout = 0;
  rmSync(opts.socketPath, { force: true }); // a stale socket from an earlier run would block listen
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(opts.socketPath, 0o600);

  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          rmSync(opts.socketPath, { force: true });
          resolve();
        });
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
