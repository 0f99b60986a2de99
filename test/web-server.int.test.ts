import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Core } from '../src/main/core';
import { contentSecurityPolicy, MAX_MESSAGE_DEPTH, nestingExceeds, startWebServer, type WebServer } from '../src/main/server/web-server';
import { createWsClient, type WebSocketLike } from '../src/renderer/transport/ws-client';
import { removeDir, tempDir, writeFile } from './helpers/repo';
import { tryUpgrade } from './helpers/http';

const TOKEN = 'test-token-0123456789abcdef';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP GET: the path is sent exactly as given (no normalization) with these headers. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The subprotocols the page offers: the token rides in the second. */
const PROTOCOLS = ['flotilla', `flotilla-token.${TOKEN}`];

/** Opens an authorized socket the way the page does, and resolves once it is open. */
function openSocket(port: number): Promise<WebSocket> {
  const origin = `http://127.0.0.1:${port}`;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, PROTOCOLS, { origin });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Sends a call and resolves with its result message. */
function call(ws: WebSocket, id: number, method: string, params: unknown): Promise<{ t: string; id: number; result: { ok: boolean; value?: unknown; error?: { code: string } } }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData, isBinary: boolean): void => {
      if (isBinary) return;
      const message = JSON.parse(data.toString()) as { t: string; id: number; result: { ok: boolean } };
      if (message.t === 'result' && message.id === id) {
        ws.off('message', onMessage);
        resolve(message as never);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ t: 'call', id, method, params }));
  });
}

/** The `ws` package's client, with the Origin header a browser would send. */
function nodeSocketFactory(origin: string): (url: string, protocols: string[]) => WebSocketLike {
  return (url, protocols) => new WebSocket(url, protocols, { origin }) as unknown as WebSocketLike;
}

describe('web server', () => {
  let root: string;
  let rendererDir: string;
  let core: Core;
  let server: WebServer;
  let port: number;
  let origin: string;
  let host: string;

  beforeAll(async () => {
    root = tempDir('flotilla-web-');
    rendererDir = `${root}/renderer`;
    writeFile(rendererDir, 'index.html', '<!doctype html><title>Flotilla</title>');
    writeFile(rendererDir, 'assets/app.js', 'console.log(1);');
    writeFile(rendererDir, 'assets/font.woff2', Buffer.from([0x77, 0x4f, 0x46, 0x32]));
    writeFile(rendererDir, 'assets/xterm.wasm', Buffer.from([0, 0x61, 0x73, 0x6d]));
    writeFile(root, 'secret.txt', 'outside the renderer');
    core = await Core.create({ dataDir: `${root}/data`, mode: 'web', version: '0.0.0-test' });
    server = await startWebServer({ core, host: '127.0.0.1', port: 0, token: TOKEN, rendererDir });
    port = server.port;
    host = `127.0.0.1:${port}`;
    origin = `http://${host}`;
  });

  afterAll(async () => {
    await server?.close();
    await core?.dispose();
    removeDir(root);
  });

  describe('HTTP', () => {
    it('serves the page and its assets without the token (they hold no secret), and never sets a cookie', async () => {
      const page = await get(port, '/');
      expect(page.status).toBe(200);
      expect(page.body).toContain('<title>Flotilla</title>');
      expect(page.headers['set-cookie']).toBeUndefined();
      const js = await get(port, '/assets/app.js');
      expect(js.status).toBe(200);
      expect(js.body).toBe('console.log(1);');
      expect(js.headers['set-cookie']).toBeUndefined();
    });

    it('sends the CSP naming only its own WebSocket, and the other security headers', async () => {
      const reply = await get(port, '/');
      expect(reply.headers['content-security-policy']).toBe(contentSecurityPolicy(host));
      expect(reply.headers['content-security-policy']).toContain(`connect-src 'self' ws://${host};`);
      expect(reply.headers['content-security-policy']).not.toMatch(/ws: |wss:/);
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['referrer-policy']).toBe('no-referrer');
      expect(reply.headers['cache-control']).toBe('no-store');
      expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    });

    it("expires an older version's token cookie so the browser stops sending it to other ports", async () => {
      const reply = await get(port, '/', { Cookie: `flotilla_token=${TOKEN}` });
      expect(reply.status).toBe(200);
      const cookie = String(reply.headers['set-cookie']);
      expect(cookie).toMatch(/^flotilla_token=;/);
      expect(cookie).toContain('Max-Age=0');
    });

    it('serves assets with their MIME types', async () => {
      const js = await get(port, '/assets/app.js');
      expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect((await get(port, '/assets/font.woff2')).headers['content-type']).toBe('font/woff2');
      expect((await get(port, '/assets/xterm.wasm')).headers['content-type']).toBe('application/wasm');
      expect((await get(port, '/assets/missing.js')).status).toBe(404);
    });

    it('accepts the localhost and [::1] names of its own port', async () => {
      expect((await get(port, '/', { Host: `localhost:${port}` })).status).toBe(200);
      expect((await get(port, '/', { Host: `[::1]:${port}` })).status).toBe(200);
    });

    it('refuses a foreign Host header (DNS rebinding)', async () => {
      expect((await get(port, '/', { Host: 'evil.example' })).status).toBe(403);
      expect((await get(port, '/', { Host: `evil.example:${port}` })).status).toBe(403);
      expect((await get(port, '/', { Host: `127.0.0.1:${port + 1}` })).status).toBe(403);
    });

    it('refuses a foreign Origin', async () => {
      expect((await get(port, '/', { Origin: 'http://evil.example' })).status).toBe(403);
      expect((await get(port, '/', { Origin: `http://127.0.0.1:${port + 1}` })).status).toBe(403);
      expect((await get(port, '/', { Origin: `http://localhost:${port}` })).status).toBe(403);
      expect((await get(port, '/', { Origin: origin })).status).toBe(200);
    });

    it('refuses path traversal, plain or percent-encoded', async () => {
      for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets%2f..%2f..%2fsecret.txt']) {
        const reply = await get(port, path);
        expect([403, 404], path).toContain(reply.status);
        expect(reply.body).not.toContain('outside the renderer');
      }
    });
  });

  describe('WebSocket', () => {
    it('refuses an upgrade without the token or with a wrong one', async () => {
      expect(await tryUpgrade(`ws://${host}/ws`, { Origin: origin })).toBe(401);
      expect(await tryUpgrade(`ws://${host}/ws`, { Origin: origin, 'Sec-WebSocket-Protocol': 'flotilla, flotilla-token.wrong' })).toBe(401);
      expect(await tryUpgrade(`ws://${host}/ws?token=${TOKEN}x`, { Origin: origin })).toBe(401);
    });

    it('never takes the token from a cookie, which browsers send to every port of the host', async () => {
      expect(await tryUpgrade(`ws://${host}/ws`, { Origin: origin, Cookie: `flotilla_token=${TOKEN}` })).toBe(401);
    });

    it('accepts the token as a subprotocol, selecting "flotilla" so the token is not echoed', async () => {
      const ws = await openSocket(port);
      try {
        expect(ws.protocol).toBe('flotilla');
      } finally {
        ws.close();
      }
    });

    it('accepts the token in an Authorization header or the query, for scripts', async () => {
      expect(await tryUpgrade(`ws://${host}/ws`, { Origin: origin, Authorization: `Bearer ${TOKEN}` })).toBe('open');
      expect(await tryUpgrade(`ws://${host}/ws?token=${TOKEN}`, { Origin: origin })).toBe('open');
    });

    it('refuses an upgrade with the token but a foreign or missing Origin', async () => {
      expect(await tryUpgrade(`ws://${host}/ws?token=${TOKEN}`, { Origin: 'http://evil.example' })).toBe(403);
      expect(await tryUpgrade(`ws://${host}/ws?token=${TOKEN}`, { Origin: `http://127.0.0.1:${port + 1}` })).toBe(403);
      expect(await tryUpgrade(`ws://${host}/ws?token=${TOKEN}`, {})).toBe(403);
    });

    it('refuses an upgrade with a foreign Host', async () => {
      expect(await tryUpgrade(`ws://${host}/ws?token=${TOKEN}`, { Origin: 'http://evil.example', Host: 'evil.example' })).toBe(403);
    });

    it('answers app.info over an authorized socket in web mode', async () => {
      const ws = await openSocket(port);
      try {
        const reply = await call(ws, 1, 'app.info', {});
        expect(reply.result.ok).toBe(true);
        expect(reply.result.value).toMatchObject({ mode: 'web', version: '0.0.0-test', canPickFolder: false });
      } finally {
        ws.close();
      }
    });

    it('returns invalid-params as data for an unknown method or bad params', async () => {
      const ws = await openSocket(port);
      try {
        const unknown = await call(ws, 7, 'no.such.method', {});
        expect(unknown.result).toMatchObject({ ok: false, error: { code: 'invalid-params' } });
        const bad = await call(ws, 8, 'repos.open', { path: 42 });
        expect(bad.result).toMatchObject({ ok: false, error: { code: 'invalid-params' } });
      } finally {
        ws.close();
      }
    });

    it('closes a socket that sends a malformed message', async () => {
      const ws = await openSocket(port);
      const code = await new Promise<number>((resolve) => {
        ws.once('close', (c) => resolve(c));
        ws.send('{not json');
      });
      expect(code).toBe(1007);
    });

    it('refuses a message over the size limit', async () => {
      const ws = await openSocket(port);
      const code = await new Promise<number>((resolve) => {
        ws.once('close', (c) => resolve(c));
        ws.on('error', () => undefined);
        ws.send(JSON.stringify({ t: 'notify', name: 'terminal.input', params: { agentId: 'x', data: 'a'.repeat(5 * 1024 * 1024) } }));
      });
      expect(code).toBe(1009);
    });
  });

  describe('message depth', () => {
    it('finds nesting beyond the limit in one pass, ignoring brackets inside strings', () => {
      const bytes = (text: string) => Buffer.from(text, 'utf8');
      expect(nestingExceeds(bytes('[[[]]]'), 3)).toBe(false);
      expect(nestingExceeds(bytes('[[[[]]]]'), 3)).toBe(true);
      expect(nestingExceeds(bytes('{"a":{"b":[1]}}'), 3)).toBe(false);
      expect(nestingExceeds(bytes('["[[[[[[", "\\"[[[[[[[", {"x":"{{{{"}]'), 3)).toBe(false);
      expect(nestingExceeds(bytes('[[[' + ']'.repeat(3) + '[[[['), 3)).toBe(true);
    });

    it('closes a socket that sends a 4 MB deeply nested message, and stays responsive to other clients', async () => {
      const attacker = await openSocket(port);
      const bystander = await openSocket(port);
      try {
        const depth = 2 * 1024 * 1024 - 100;
        const nested = '{"t":"call","id":1,"method":"app.info","params":' + '['.repeat(depth) + ']'.repeat(depth) + '}';
        expect(nested.length).toBeLessThan(4 * 1024 * 1024);
        const closed = new Promise<{ code: number; reason: string }>((resolve) => {
          attacker.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
        });
        attacker.send(nested);
        // The other client's call is answered while (or after) the server deals with the message.
        const reply = await call(bystander, 2, 'app.info', {});
        expect(reply.result.ok).toBe(true);
        const { code, reason } = await closed;
        expect(code).toBe(1009);
        expect(reason).toBe(`Message nested deeper than ${MAX_MESSAGE_DEPTH} levels`);
      } finally {
        attacker.close();
        bystander.close();
      }
    });
  });

  describe("the renderer's WebSocket client", () => {
    it('queues a call made before the socket opens and resolves it once connected', async () => {
      const client = createWsClient({ url: `ws://${host}/ws`, protocols: PROTOCOLS, createSocket: nodeSocketFactory(origin) });
      try {
        const result = await client.invoke('app.info', {});
        expect(result.ok).toBe(true);
        expect(result.ok && result.value.mode).toBe('web');
        expect(client.connected).toBe(true);
      } finally {
        client.close();
      }
    });

    it('fails calls in flight when the connection drops, reports it, and reconnects', async () => {
      // A server of its own, so it can be stopped and started again on the same port.
      const own = await startWebServer({ core, host: '127.0.0.1', port: 0, token: TOKEN, rendererDir });
      const ownOrigin = `http://127.0.0.1:${own.port}`;
      const client = createWsClient({ url: `ws://127.0.0.1:${own.port}/ws`, protocols: PROTOCOLS, createSocket: nodeSocketFactory(ownOrigin) });
      const changes: boolean[] = [];
      client.onConnectionChange((connected) => changes.push(connected));
      let restarted: WebServer | undefined;
      try {
        expect((await client.invoke('app.info', {})).ok).toBe(true);
        // Slow enough to still be in flight when the server goes away.
        const inFlight = client.invoke('repos.complete', { partial: '/' });
        await own.close();
        await expect(inFlight).rejects.toThrow(/connection/i);
        await expect.poll(() => changes).toEqual([true, false]);
        await expect(client.invoke('app.info', {})).rejects.toThrow(/reconnect/i);

        restarted = await startWebServer({ core, host: '127.0.0.1', port: own.port, token: TOKEN, rendererDir });
        await expect.poll(() => changes, { timeout: 10_000 }).toEqual([true, false, true]);
        expect((await client.invoke('app.info', {})).ok).toBe(true);
      } finally {
        client.close();
        await own.close();
        await restarted?.close();
      }
    });
  });
});
