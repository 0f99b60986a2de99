/**
 * `flotilla serve` with keys in its environment: the server process (the parent of every agent)
 * does not carry them in /proc/<pid>/environ, yet uses them; the launcher that received them waits
 * for the server and passes signals on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProviderInfo, Result } from '../src/shared/types';
import { removeDir, tempDir } from './helpers/repo';

const CLI = resolve(__dirname, '..', 'out', 'main', 'cli.js');
const OPENAI_KEY = 'sk-handover-openai-3a9c1e';
const CUSTOM_KEY = 'handover-custom-77b2d4';

function environOf(pid: number): string {
  return readFileSync(`/proc/${pid}/environ`, 'utf8');
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${d}/status`, 'utf8'))?.[1] === String(pid)) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

function callOver(url: URL, method: string): Promise<Result<unknown>> {
  return new Promise((ok, fail) => {
    // The ready line carries the token in the fragment (#token=…), never sent to a server.
    const token = new URLSearchParams(url.hash.slice(1)).get('token');
    const ws = new WebSocket(`ws://${url.host}/ws?token=${token}`, { headers: { origin: url.origin } });
    ws.on('open', () => ws.send(JSON.stringify({ t: 'call', id: 1, method, params: {} })));
    ws.on('message', (raw, binary) => {
      if (binary) return;
      const m = JSON.parse(String(raw)) as { t: string; id?: number; result?: Result<unknown> };
      if (m.t === 'result' && m.id === 1) {
        ws.close();
        ok(m.result!);
      }
    });
    ws.on('error', fail);
  });
}

describe.skipIf(process.platform !== 'linux')('flotilla serve with keys in its environment', () => {
  const dataDir = tempDir('flotilla-handover-');
  let launcher: ChildProcess | null = null;

  afterAll(() => {
    if (launcher && launcher.exitCode === null) launcher.kill('SIGKILL');
    removeDir(dataDir);
  });

  it("runs the server without them in its environment, uses them, and stops when the launcher is told to", async () => {
    expect(existsSync(CLI)).toBe(true);
    launcher = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data', dataDir], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, OPENAI_API_KEY: OPENAI_KEY, FLOTILLA_KEY_MINE: CUSTOM_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    launcher.stderr!.on('data', (d) => (stderr += d));
    const ready = await new Promise<string>((ok, fail) => {
      let out = '';
      launcher!.stdout!.on('data', (d) => {
        out += d;
        const line = /Flotilla ready at (\S+)/.exec(out);
        if (line) ok(line[1]!);
      });
      launcher!.once('exit', (code) => fail(new Error(`exited ${code}: ${stderr}`)));
    });
    const url = new URL(ready);
    const [server] = childrenOf(launcher.pid!);
    expect(server).toBeDefined();
    // The server, parent of every agent, carries neither key; the launcher still does (documented).
    expect(environOf(server!)).not.toContain(OPENAI_KEY);
    expect(environOf(server!)).not.toContain(CUSTOM_KEY);
    expect(environOf(launcher.pid!)).toContain(OPENAI_KEY);

    const listed = await callOver(url, 'providers.list');
    expect(listed.ok).toBe(true);
    const openai = (listed as { value: ProviderInfo[] }).value.find((p) => p.id === 'openai');
    expect(openai).toMatchObject({ hasKey: true, keySource: 'env' });

    const exited = new Promise<number | null>((ok) => launcher!.once('exit', (code) => ok(code)));
    launcher.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(`/proc/${server}`) && !readFileSync(`/proc/${server}/status`, 'utf8').includes('State:\tZ')).toBe(false);
  });
});
