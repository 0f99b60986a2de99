/**
 * The core's log: a file a day, bounded in days and bytes, and never a key or token — proven by
 * configuring a real key and token and driving every path that writes (the git door, the error
 * boundary, agent launches and exits, the web server's refusals).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Core } from '../src/main/core';
import { git } from '../src/main/core/git/core';
import { closeLog, log, logFileName, logsFolderOf, openLog, redact, rememberSecret } from '../src/main/core/log';
import { FileSecretStore } from '../src/main/core/providers';
import { newGatewayToken } from '../src/main/core/sandbox/provider-gateway';
import { startWebServer } from '../src/main/server/web-server';
import type { AgentInfo, ProviderInfo, Result } from '../src/shared/types';
import { tryUpgrade } from './helpers/http';
import { makeRepo, removeDir, tempDir, writeFile } from './helpers/repo';

const cleanups: string[] = [];
afterEach(() => {
  closeLog();
  for (const dir of cleanups.splice(0)) removeDir(dir);
});

function readLogs(dataDir: string): string {
  const dir = logsFolderOf(dataDir);
  if (!existsSync(dir)) return '';
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('');
}

async function until(check: () => boolean, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('log files', () => {
  it('writes one file a day and keeps only the newest days', () => {
    const dataDir = tempDir('flotilla-log-');
    cleanups.push(dataDir);
    let now = new Date('2026-11-01T12:00:00Z');
    openLog(dataDir, { keepDays: 3, now: () => now });
    for (let day = 0; day < 6; day++) {
      now = new Date(Date.UTC(2026, 10, 1 + day, 12));
      log('info', 'tick', { day });
    }
    const files = readdirSync(logsFolderOf(dataDir)).sort();
    expect(files).toEqual(['flotilla-2026-11-04.log', 'flotilla-2026-11-05.log', 'flotilla-2026-11-06.log']);
    expect(readFileSync(join(logsFolderOf(dataDir), logFileName(now)), 'utf8')).toMatch(/info tick \{"day":5\}/);
  });

  it("stops a day's file at its size limit and says so once", () => {
    const dataDir = tempDir('flotilla-log-');
    cleanups.push(dataDir);
    openLog(dataDir, { maxBytesPerDay: 2_000 });
    for (let i = 0; i < 200; i++) log('info', 'line', { i, pad: 'x'.repeat(40) });
    const file = join(logsFolderOf(dataDir), logFileName(new Date()));
    const text = readFileSync(file, 'utf8');
    expect(statSync(file).size).toBeLessThan(2_000 + 200);
    expect(text.match(/reached its limit/g)).toHaveLength(1);
  });

  it('writes the same line once a minute, not once a poll', () => {
    const dataDir = tempDir('flotilla-log-');
    cleanups.push(dataDir);
    openLog(dataDir);
    for (let i = 0; i < 20; i++) log('warn', 'git failed', { args: ['status'] });
    expect(readLogs(dataDir).match(/git failed/g)).toHaveLength(1);
  });
});

describe('redaction', () => {
  it('replaces registered secrets and anything shaped like a key, and keeps commit ids', () => {
    rememberSecret('plainvalue-registered-1');
    const sha = 'a'.repeat(40);
    const text = redact(
      `x plainvalue-registered-1 sk-ant-api03-abcdefghijklmnop AIzaSyA1234567890abcdefghijklmno OPENAI_API_KEY=whatever1 ` +
        `Authorization: Bearer abc.def.ghijkl https://user:pw123456@example.com/x ${'f'.repeat(64)} commit ${sha}`,
    );
    for (const secret of ['plainvalue-registered-1', 'sk-ant', 'AIzaSy', 'whatever1', 'abc.def.ghijkl', 'pw123456', 'f'.repeat(64)]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain(sha);
  });
});

describe('what the log records, and never a key or token', () => {
  it('logs a failing git call with its args and stderr, the boundary error with its stack, agents and refusals, without the secrets', async () => {
    const repo = makeRepo();
    const dataDir = tempDir('flotilla-data-');
    const root = tempDir('flotilla-web-');
    cleanups.push(repo, dataDir, root);
    // Shaped like nothing: only the registry can catch these.
    const key = `plainkey${randomBytes(6).toString('hex')}`;
    const webToken = `webtoken-${randomBytes(6).toString('hex')}`;
    // A key store that fails the way an OS keychain can: a plain Error quoting what it was given.
    class RefusingStore extends FileSecretStore {
      override set(providerId: string, value: string, opts: { allowPlaintext?: boolean }): void {
        if (value.startsWith('refuse:')) throw new Error(`the keychain refused ${value.slice(7)}`);
        super.set(providerId, value, opts);
      }
    }
    const core = await Core.create({ dataDir, mode: 'web', version: 'test', secretStore: new RefusingStore(dataDir) });
    writeFile(root, 'renderer/index.html', '<!doctype html>');
    const server = await startWebServer({ core, host: '127.0.0.1', port: 0, token: webToken, rendererDir: join(root, 'renderer') });
    try {
      const conn = core.connect({ event: () => undefined, terminalData: () => undefined });
      const call = async <T,>(method: string, params: unknown): Promise<Result<T>> => (await conn.invoke(method, params)) as Result<T>;
      const providers = await call<ProviderInfo[]>('providers.list', {});
      if (!providers.ok) throw new Error(providers.error.message);
      const saved = await call('providers.setKey', { id: providers.value[0]!.id, key, allowPlaintext: true });
      expect(saved.ok).toBe(true);
      const gatewayToken = newGatewayToken();

      // The git door: a failing call with the secrets in its arguments (and so in git's stderr).
      for (const secret of [key, webToken, gatewayToken]) {
        await expect(git(['rev-parse', '--verify', `${secret}^{commit}`], { cwd: repo })).rejects.toMatchObject({ kind: 'bad-revision' });
      }
      // The boundary: an unexpected error whose message quotes the key; the user gets one plain line.
      const refused = await call('providers.setKey', { id: providers.value[0]!.id, key: `refuse:${key}`, allowPlaintext: true });
      expect(refused.ok).toBe(false);
      if (!refused.ok) {
        expect(refused.error.code).toBe('internal');
        expect(refused.error.message).not.toMatch(/\n|\.ts:\d+/);
      }
      // Agents: one that starts and exits.
      const opened = await call<{ id: string }>('repos.open', { path: repo });
      if (!opened.ok) throw new Error(opened.error.message);
      const agent = await call<AgentInfo>('agents.create', { repoId: opened.value.id, name: 'Echo', kind: 'command', command: `echo ${key}` });
      if (!agent.ok) throw new Error(agent.error.message);
      // The web server: a foreign host, a wrong token, the real token on a refused request.
      const port = server.port;
      expect(await tryUpgrade(`ws://127.0.0.1:${port}/ws?token=${webToken}`, { Host: 'evil.example', Origin: 'http://evil.example' })).toBe(403);
      expect(await tryUpgrade(`ws://127.0.0.1:${port}/ws`, { Origin: `http://127.0.0.1:${port}`, 'Sec-WebSocket-Protocol': `flotilla, flotilla-token.${key}` })).toBe(401);

      await until(() => /agent (exited|stopped)/.test(readLogs(dataDir)));
      const text = readLogs(dataDir);
      expect(text).toMatch(/warn git failed .*"args":\["rev-parse","--verify",.*"stderr":"fatal: Needed a single revision"/);
      expect(text).toMatch(/error unexpected error .*"method":"providers.setKey".*"stack":"Error: the keychain refused \[redacted\]\\n    at /);
      expect(text).toMatch(/info agent launched .*"name":"Echo"/);
      expect(text).toMatch(/info agent exited .*"exitCode":0/);
      expect(text).toMatch(/warn web server refused .*"status":403/);
      expect(text).toMatch(/warn web server refused .*"status":401/);
      for (const secret of [key, webToken, gatewayToken]) expect(text).not.toContain(secret);
    } finally {
      await server.close();
      await core.dispose();
    }
  });
});
