import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { createServer as createHttpServer, request, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { build, stop } from 'esbuild';
import { spawn as spawnPty } from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentKeyFor, bwrapArgs, detectSandbox, planProviderNetwork, startProviderGateway, wrapCommand, type GatewayRoute, type ProviderGateway } from '../src/main/core/sandbox';
import { startFakeProvider, type FakeProvider } from './fake-provider';
import { makeSandboxScene, type SandboxScene } from './helpers/sandbox-scene';

const info = await detectSandbox();

/**
 * Everything lives under /var/tmp: the sandbox mounts a private /tmp, and the state folder (with
 * the gateway's socket) must be the one the sandbox binds.
 */
let root: string;
let stateDir: string;
let worktree: string;
let home: string;
let bridgeEntry: string;

beforeAll(async () => {
  root = realpathSync(mkdtempSync('/var/tmp/flotilla-provider-net-'));
  stateDir = join(root, 'state');
  worktree = join(root, 'wt');
  home = join(root, 'home');
  for (const dir of [stateDir, worktree, home]) mkdirSync(dir, { mode: 0o700 });
  // The bridge as the build ships it (one self-contained file), without needing `npm run build`.
  bridgeEntry = join(root, 'netBridge.mjs');
  await build({ entryPoints: [resolve(__dirname, '../src/main/net-bridge.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bridgeEntry, logLevel: 'error' });
  // esbuild's service process would otherwise keep the test runner alive.
  await stop();
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** The agent's token: the first path segment of every request it makes, and its only "key". */
const TOKEN = 'a1b2c3'.repeat(10);
const route = (target: string, key: string | null = 'real-key', kind: GatewayRoute['kind'] = 'openai'): GatewayRoute => ({ token: TOKEN, target, kind, key });

const baseEnv = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' });

/** Runs a child asynchronously (the servers live in this process) and collects its outcome. */
function run(file: string, args: string[], env: Record<string, string> = baseEnv()) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
    execFile(file, args, { env, timeout: 20_000 }, (err, stdout, stderr) =>
      done({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

function listenHttp(handler: (req: IncomingMessage, res: import('node:http').ServerResponse) => void): Promise<{ server: HttpServer; url: string }> {
  const server = createHttpServer(handler);
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

describe('provider gateway', () => {
  it('forwards method, path, query, body and headers to the origin, with Host rewritten, hop-by-hop headers dropped and the real key in place of the agent\'s', async () => {
    let seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string } | null = null;
    const { server, url } = await listenHttp((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen = { method: req.method, url: req.url, headers: req.headers, body };
        res.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'yes' });
        res.end('{"ok":true}');
      });
    });
    const socketPath = join(stateDir, 'forward.sock');
    const gateway = await startProviderGateway({ socketPath, route: route(url) });
    try {
      expect(statSync(socketPath).mode & 0o777).toBe(0o600);
      const res = await viaSocket(socketPath, {
        method: 'POST',
        path: `/${TOKEN}/v1/chat/completions?x=1`,
        headers: { host: '127.0.0.1:43123', authorization: `Bearer ${agentKeyFor(TOKEN)}`, 'proxy-authorization': 'secret', 'content-type': 'application/json' },
        body: '{"model":"m"}',
      });
      expect(res.status).toBe(201);
      expect(res.headers['x-upstream']).toBe('yes');
      expect(res.body).toBe('{"ok":true}');
      expect(seen).toMatchObject({ method: 'POST', url: '/v1/chat/completions?x=1', body: '{"model":"m"}' });
      expect(seen!.headers.host).toBe(new URL(url).host);
      expect(seen!.headers.authorization).toBe('Bearer real-key');
      expect(seen!.headers['proxy-authorization']).toBeUndefined();
    } finally {
      await gateway.close();
      server.close();
    }
  });

  it('refuses, without contacting the provider, a request that carries no agent token, and an absolute URL', async () => {
    let reached = 0;
    const { server, url } = await listenHttp((_req, res) => {
      reached++;
      res.end('{}');
    });
    const socketPath = join(stateDir, 'refuse.sock');
    const gateway = await startProviderGateway({ socketPath, route: route(url) });
    try {
      const requests: { method: string; path: string; headers?: Record<string, string> }[] = [
        { method: 'GET', path: '/v1/models', headers: { authorization: 'Bearer real-key' } },
        { method: 'GET', path: `/${TOKEN.slice(1)}/v1/models` },
        { method: 'GET', path: `/v1/models`, headers: { 'x-api-key': TOKEN } },
        { method: 'GET', path: `http://example.com/${TOKEN}/v1/models` },
      ];
      for (const req of requests) {
        const res = await viaSocket(socketPath, req);
        expect(res.status, req.path).toBe(403);
        expect(res.body).toContain("Flotilla's provider gateway");
      }
      expect(reached).toBe(0);
    } finally {
      await gateway.close();
      server.close();
    }
  });

  it("routes by the agent key alone when a client drops the base URL's path, in each vendor's header or Gemini's ?key=", async () => {
    const seen: { url?: string; headers: IncomingMessage['headers'] }[] = [];
    const { server, url } = await listenHttp((req, res) => {
      seen.push({ url: req.url, headers: req.headers });
      res.end('{}');
    });
    const anthropic = join(stateDir, 'anthropic.sock');
    const google = join(stateDir, 'google.sock');
    const a = await startProviderGateway({ socketPath: anthropic, route: route(url, 'sk-ant-real', 'anthropic') });
    const g = await startProviderGateway({ socketPath: google, route: route(url, 'AIza-real', 'google') });
    try {
      expect((await viaSocket(anthropic, { method: 'POST', path: '/v1/messages', headers: { 'x-api-key': agentKeyFor(TOKEN) } })).status).toBe(200);
      expect((await viaSocket(google, { method: 'POST', path: `/v1beta/models/m:generateContent?key=${agentKeyFor(TOKEN)}&alt=sse` })).status).toBe(200);
      // With the token in the path and no key at all, the vendor's own header is added.
      expect((await viaSocket(google, { method: 'POST', path: `/${TOKEN}/v1beta/models/m:generateContent` })).status).toBe(200);
      expect(seen[0]).toMatchObject({ url: '/v1/messages', headers: { 'x-api-key': 'sk-ant-real' } });
      expect(seen[1]!.url).toBe('/v1beta/models/m:generateContent?key=AIza-real&alt=sse');
      expect(seen[2]).toMatchObject({ url: '/v1beta/models/m:generateContent', headers: { 'x-goog-api-key': 'AIza-real' } });
    } finally {
      await a.close();
      await g.close();
      server.close();
    }
  });

  it('streams an SSE response event by event instead of buffering it, and ends it intact', async () => {
    let release!: () => void;
    const firstSeen = new Promise<void>((ok) => (release = ok));
    const { server, url } = await listenHttp((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('data: {"n":1}\n\n');
      // The rest only once the client has the first event: a buffering gateway would hang here.
      void firstSeen.then(() => {
        res.write('data: {"n":2}\n\n');
        res.end('data: [DONE]\n\n');
      });
    });
    const socketPath = join(stateDir, 'sse.sock');
    const gateway = await startProviderGateway({ socketPath, route: route(url) });
    try {
      const body = await new Promise<string>((ok, fail) => {
        const req = request({ socketPath, path: `/${TOKEN}/v1/responses`, method: 'POST' }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
            if (text.includes('"n":1')) release();
          });
          res.on('end', () => ok(text));
        });
        req.on('error', fail);
        req.end('{}');
      });
      expect(body).toBe('data: {"n":1}\n\ndata: {"n":2}\n\ndata: [DONE]\n\n');
    } finally {
      await gateway.close();
      server.close();
    }
  });

  it('aborts the upstream stream when the agent hangs up', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((ok) => (upstreamClosed = ok));
    const { server, url } = await listenHttp((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n'); // and never ends
      res.on('close', () => upstreamClosed());
    });
    const socketPath = join(stateDir, 'abort.sock');
    const gateway = await startProviderGateway({ socketPath, route: route(url) });
    try {
      await new Promise<void>((ok) => {
        const req = request({ socketPath, path: `/${TOKEN}/stream` }, (res) => res.once('data', () => (req.destroy(), ok())));
        req.end();
      });
      await closed; // the test times out if the gateway kept the upstream request open
    } finally {
      await gateway.close();
      server.close();
    }
  });

  it('answers 502 with a message naming the provider when it cannot be reached', async () => {
    const socketPath = join(stateDir, 'down.sock');
    const gateway = await startProviderGateway({ socketPath, route: route('http://127.0.0.1:9') });
    try {
      const res = await viaSocket(socketPath, { method: 'GET', path: `/${TOKEN}/v1/models` });
      expect(res.status).toBe(502);
      expect(res.body).toContain('could not reach the provider at http://127.0.0.1:9');
    } finally {
      await gateway.close();
    }
  });
});

describe('provider network plan', () => {
  it('points the agent at the bridge with its token and the base URL path kept, and the gateway at the origin', () => {
    const plan = planProviderNetwork({ stateDir: '/s', providerBaseUrl: 'https://api.openai.com/v1', bridgeEntry: '/out/netBridge.js', nodePath: '/node', token: 'tok' });
    expect(plan).toMatchObject({ port: 43123, socketPath: '/s/provider.sock', localBaseUrl: 'http://127.0.0.1:43123/tok/v1', target: 'https://api.openai.com' });
    expect(plan.wrap({ file: 'codex', args: ['-m', 'x'] })).toEqual({
      file: '/node',
      args: ['/out/netBridge.js', '/s/provider.sock', '43123', '--', 'codex', '-m', 'x'],
    });
    const bare = planProviderNetwork({ stateDir: '/s', providerBaseUrl: 'https://api.anthropic.com', bridgeEntry: 'b', nodePath: 'n', token: 'tok' });
    expect(bare.localBaseUrl).toBe('http://127.0.0.1:43123/tok');
    expect(planProviderNetwork({ stateDir: '/s', providerBaseUrl: 'http://localhost:11434/v1/', bridgeEntry: 'b', nodePath: 'n', token: 'tok' })).toMatchObject({
      localBaseUrl: 'http://127.0.0.1:43123/tok/v1/',
      target: 'http://localhost:11434',
    });
  });

  it("gives a bubblewrap sandbox in mode 'provider' no network of its own (fails closed without the bridge)", () => {
    const opts = {
      worktreePath: '/w',
      git: { commonDir: '/g', adminDir: '/g/worktrees/w', privateGitDir: '/s/git' },
      stateDir: '/s',
      homeDir: '/nonexistent-home',
      dataDir: '/d',
    };
    expect(bwrapArgs({ ...opts, network: 'provider' })).not.toContain('--share-net');
    expect(bwrapArgs({ ...opts, network: 'off' })).not.toContain('--share-net');
    expect(bwrapArgs({ ...opts, network: 'on' })).toContain('--share-net');
  });

  it('refuses a base URL that is not http(s) and a socket path longer than a socket allows', () => {
    const opts = { stateDir: '/s', bridgeEntry: 'b', nodePath: 'n', token: 'tok' };
    expect(() => planProviderNetwork({ ...opts, providerBaseUrl: 'not a url' })).toThrow(/not a valid URL/);
    expect(() => planProviderNetwork({ ...opts, providerBaseUrl: 'ftp://x/v1' })).toThrow(/http:\/\/ or https:\/\//);
    expect(() => planProviderNetwork({ ...opts, stateDir: `/${'d'.repeat(120)}`, providerBaseUrl: 'http://x' })).toThrow(/too long/);
  });
});

describe('network bridge', () => {
  it('exits with the command exit code, and forwards SIGTERM to the command', async () => {
    const port = await freePort();
    const socketPath = join(stateDir, 'unused.sock');
    const plain = await run(process.execPath, [bridgeEntry, socketPath, String(port), '--', '/bin/sh', '-c', 'exit 7']);
    expect(plain.status).toBe(7);

    const child = spawn(process.execPath, [bridgeEntry, socketPath, String(port), '--', '/bin/sh', '-c', 'trap \'kill $!; exit 5\' TERM; echo ready; sleep 30 & wait'], {
      env: baseEnv(),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
    await new Promise<void>((ok) => child.stdout.once('data', () => ok()));
    child.kill('SIGTERM');
    expect(await exited).toBe(5);
  });

  it('does not pass ELECTRON_RUN_AS_NODE (which it needs itself under Electron) to the command', async () => {
    const port = await freePort();
    const r = await run(process.execPath, [bridgeEntry, join(stateDir, 'unused.sock'), String(port), '--', '/bin/sh', '-c', 'echo "[${ELECTRON_RUN_AS_NODE-unset}]"'], {
      ...baseEnv(),
      ELECTRON_RUN_AS_NODE: '1',
    });
    expect(r.stdout.trim()).toBe('[unset]');
  });
});

describe.skipIf(!info.available || process.platform !== 'linux')('provider network inside bubblewrap', () => {
  let fake: FakeProvider;
  let other: Server;
  let otherPort: number;
  let gateway: ProviderGateway;
  let plan: ReturnType<typeof planProviderNetwork>;

  let scene: SandboxScene;

  beforeAll(async () => {
    // A real repository and agent layout for the sandbox's git binds; the agent runs in `worktree`.
    mkdirSync(join(root, 'scene'));
    scene = await makeSandboxScene('net', join(root, 'scene'));
    fake = await startFakeProvider({ apiKey: 'fake-key' });
    other = createServer((socket) => socket.end('leaked\n'));
    await new Promise<void>((ok) => other.listen(0, '127.0.0.1', ok));
    otherPort = (other.address() as { port: number }).port;
    plan = planProviderNetwork({ stateDir, providerBaseUrl: `${fake.url}/v1`, bridgeEntry, nodePath: process.execPath, token: TOKEN });
    gateway = await startProviderGateway({ socketPath: plan.socketPath, route: route(plan.target, 'fake-key') });
  });

  afterAll(async () => {
    scene?.dispose();
    await gateway?.close();
    await new Promise<void>((ok) => (other ? other.close(() => ok()) : ok()));
    await fake?.close();
  });

  /** The agent's command, bridged, then confined with no network of its own. */
  const confined = (file: string, args: string[]) =>
    wrapCommand({ file, args }, { ...scene.options('off'), worktreePath: worktree, stateDir, homeDir: home, bridge: plan.wrap });

  it('reaches the provider through localBaseUrl, streamed, while every other address stays unreachable', async () => {
    fake.script([{ text: 'Hello through the bridge.' }]);
    // Inside: one streamed chat completion through the bridge, then direct connections that must fail.
    const script = `
      const net = require('node:net');
      const tryConnect = (port) => new Promise((ok) => net.connect(port, '127.0.0.1').on('connect', () => ok('connected')).on('error', (e) => ok(e.code)));
      (async () => {
        const res = await fetch(process.env.BASE + '/chat/completions', {
          method: 'POST',
          headers: { authorization: 'Bearer ${agentKeyFor(TOKEN)}', 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-x', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
        });
        const raw = await res.text();
        const text = raw.split('\\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6)).choices[0]?.delta?.content ?? '').join('');
        console.log(JSON.stringify({ status: res.status, text, other: await tryConnect(${otherPort}), fakeDirect: await tryConnect(${new URL(fake.url).port}) }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const cmd = confined(process.execPath, ['-e', script]);
    const r = await run(cmd.file, cmd.args, { ...baseEnv(), BASE: plan.localBaseUrl });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ status: 200, text: 'Hello through the bridge.', other: 'ECONNREFUSED', fakeDirect: 'ECONNREFUSED' });
    expect(fake.requests.at(-1)).toMatchObject({ path: '/v1/chat/completions', stream: true });
  });

  it('lets curl inside the sandbox use the bridge with any key, and refuses a URL without the token', async () => {
    const status = async (url: string) => {
      const cmd = confined('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'authorization: Bearer wrong', url]);
      return (await run(cmd.file, cmd.args)).stdout;
    };
    expect(await status(`${plan.localBaseUrl}/models`)).toBe('200');
    expect(await status(`${plan.localBaseUrl.replace(`/${TOKEN}`, '')}/models`)).toBe('403');
  });

  it('exits with the confined command exit code', async () => {
    const cmd = confined('/bin/sh', ['-c', 'exit 9']);
    expect((await run(cmd.file, cmd.args)).status).toBe(9);
  });

  it('stops the command under the bridge on Ctrl-C typed in a real PTY', async () => {
    const cmd = confined('/bin/sh', ['-c', 'echo ready; exec sleep 600']);
    const pty = spawnPty(cmd.file, cmd.args, { cols: 80, rows: 24, cwd: worktree, env: { ...baseEnv(), TERM: 'xterm-256color' } });
    try {
      const exited = new Promise<{ exitCode: number; signal?: number }>((ok) => pty.onExit(ok));
      let output = '';
      await new Promise<void>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no prompt: ${output}`)), 10_000);
        pty.onData((d) => {
          output += d;
          if (output.includes('ready')) {
            clearTimeout(timer);
            ok();
          }
        });
      });
      // Without the signal reaching it, the program waits forever and the test times out.
      pty.write('\x03');
      expect(await exited).not.toBeNull();
    } finally {
      try {
        pty.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
});

/** One HTTP request over a UNIX socket, body collected. */
function viaSocket(socketPath: string, opts: { method: string; path: string; headers?: Record<string, string>; body?: string }) {
  return new Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>((ok, fail) => {
    const req = request({ socketPath, method: opts.method, path: opts.path, headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end(opts.body);
  });
}

function freePort(): Promise<number> {
  const s = createServer();
  return new Promise((ok) => s.listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => ok(port));
  }));
}
