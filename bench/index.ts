/**
 * `npm run bench`: Flotilla's hot paths, each against a baseline measured in the same run.
 *
 * 1. Terminal throughput: bytes from a PTY through the core, the web transport (WebSocket,
 *    binary frames, ack-based flow control) to a Node client, against a raw node-pty read.
 *    The same stream into a pane in Chromium, against a bare xterm.js page, and echo and
 *    Ctrl-C under floods, are in bench/browser.ts (they need `npm run build`).
 * 2. Ctrl-C to silence under `yes`: through Flotilla against a raw node-pty.
 * 3. Agent creation (branch + worktree + record + PTY) against plain `git worktree add`,
 *    on a repository of 20,000 files.
 *
 * 4. An idle fleet's CPU, a 1,000-file change list and the event loop while git runs
 *    (bench/idle-fleet.ts; BENCH_IDLE=0 skips them).
 *
 * Ratios are Flotilla / baseline (lower is better; 1.0 means no overhead).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as pty from 'node-pty';
import WebSocket from 'ws';
import { Core } from '../src/main/core/index';
import { benchIdleFleet } from './idle-fleet';
import { startWebServer } from '../src/main/server/web-server';
import { decodeTerminalFrame } from '../src/shared/contract';
import { browserBench, changesPanelBench, type BrowserFigure } from './browser';

const THROUGHPUT_BYTES = Number(process.env.BENCH_BYTES ?? 32 * 1024 * 1024);
const REPO_FILES = Number(process.env.BENCH_FILES ?? 20_000);
const ROUNDS = 3;
const TOKEN = 'bench-token';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@localhost',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@localhost',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function fmt(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}

/** A web-mode client speaking the real protocol: calls, acks, binary frames. */
class BenchClient {
  private nextId = 1;
  private readonly pending = new Map<number, (r: { ok: boolean; value?: unknown; error?: { message: string } }) => void>();
  onData: (agentId: string, data: Uint8Array) => void = () => undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw, isBinary) => {
      if (isBinary) {
        const buf = raw as Buffer;
        const frame = decodeTerminalFrame(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
        this.onData(frame.agentId, frame.data);
        return;
      }
      const msg = JSON.parse(String(raw));
      if (msg.t === 'result') this.pending.get(msg.id)?.(msg.result);
    });
  }

  static connect(origin: string): Promise<BenchClient> {
    const ws = new WebSocket(`${origin.replace('http', 'ws')}/ws?token=${TOKEN}`, { headers: { Origin: origin } });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new BenchClient(ws)));
      ws.once('error', reject);
    });
  }

  async call<T>(method: string, params: unknown): Promise<T> {
    const id = this.nextId++;
    const result = await new Promise<{ ok: boolean; value?: unknown; error?: { message: string } }>((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ t: 'call', id, method, params }));
    });
    this.pending.delete(id);
    if (!result.ok) throw new Error(`${method}: ${result.error?.message}`);
    return result.value as T;
  }

  notify(name: string, params: unknown): void {
    this.ws.send(JSON.stringify({ t: 'notify', name, params }));
  }

  close(): void {
    this.ws.close();
  }
}

function rawPtyRead(file: string): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve) => {
    const start = performance.now();
    let bytes = 0;
    const p = pty.spawn('/bin/cat', [file], { cols: 120, rows: 40, encoding: null as unknown as string });
    p.onData((d: unknown) => {
      bytes += (d as Buffer).length;
    });
    p.onExit(() => setTimeout(() => resolve({ ms: performance.now() - start, bytes }), 0));
  });
}

function rawPtyInterrupt(): Promise<number> {
  return new Promise((resolve) => {
    const p = pty.spawn('/bin/bash', ['--noprofile', '--norc', '-c', 'yes'], { cols: 120, rows: 40, encoding: null as unknown as string });
    let last = performance.now();
    let sentAt = 0;
    p.onData(() => {
      last = performance.now();
    });
    setTimeout(() => {
      sentAt = performance.now();
      p.write('\x03');
    }, 500);
    p.onExit(() => setTimeout(() => resolve(Math.max(0, last - sentAt)), 50));
  });
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'flotilla-bench-'));
  const dataDir = join(scratch, 'data');
  const home = join(scratch, 'home');
  mkdirSync(home, { recursive: true });
  process.env.HOME = home;
  process.env.SHELL = '/bin/bash';
  writeFileSync(join(home, '.bashrc'), "PS1='$ '\n");

  console.log(`Flotilla bench (node ${process.version}, ${REPO_FILES} files, ${(THROUGHPUT_BYTES / 1048576).toFixed(0)} MiB stream, median of ${ROUNDS})`);

  // A repository of REPO_FILES files for the worktree benchmark; also hosts the agents below.
  const repo = join(scratch, 'repo');
  mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  for (let i = 0; i < REPO_FILES; i++) {
    const dir = join(repo, `pkg${i % 100}`, `mod${Math.floor(i / 100) % 20}`);
    if (i < 2000) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `file${i}.ts`), `export const value${i} = ${i};\n`);
  }
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'bench repo');
  const payload = join(scratch, 'payload.txt');
  const line = 'The quick brown fox jumps over the lazy dog 0123456789 ~!@#$%^&*()\n';
  writeFileSync(payload, line.repeat(Math.ceil(THROUGHPUT_BYTES / line.length)).slice(0, THROUGHPUT_BYTES));

  const core = await Core.create({ dataDir, mode: 'web', version: 'bench' });
  const server = await startWebServer({ core, host: '127.0.0.1', port: 0, token: TOKEN, rendererDir: join(scratch, 'no-renderer') });
  const origin = new URL(server.url).origin;
  const client = await BenchClient.connect(origin);
  const repoInfo = await client.call<{ id: string }>('repos.open', { path: repo });

  // 3. Worktree creation.
  const baseline3: number[] = [];
  const flotilla3: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let t = performance.now();
    git(repo, 'worktree', 'add', '-q', '-b', `plain-${round}`, join(scratch, `plain-${round}`), 'main');
    baseline3.push(performance.now() - t);
    t = performance.now();
    const agent = await client.call<{ id: string }>('agents.create', { repoId: repoInfo.id, name: `wt ${round}`, kind: 'command', command: 'true' });
    flotilla3.push(performance.now() - t);
    void agent;
  }

  // 1. Throughput over the real transport, acking like xterm's write callback does.
  const baseline1: number[] = [];
  const flotilla1: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const raw = await rawPtyRead(payload);
    baseline1.push(raw.ms);
    const agent = await client.call<{ id: string }>('agents.create', {
      repoId: repoInfo.id,
      name: `stream ${round}`,
      kind: 'command',
      command: `read go; cat '${payload}'; sleep 0.2`,
    });
    let received = 0;
    let lastAt = 0;
    client.onData = (agentId, data) => {
      if (agentId !== agent.id) return;
      received += data.length;
      lastAt = performance.now();
      client.notify('terminal.ack', { agentId, bytes: data.length });
    };
    await client.call('terminal.attach', { agentId: agent.id });
    await new Promise((r) => setTimeout(r, 300));
    const before = received;
    const t = performance.now();
    client.notify('terminal.input', { agentId: agent.id, data: 'go\r' });
    const target = before + raw.bytes * 0.98;
    while (received < target) await new Promise((r) => setTimeout(r, 5));
    flotilla1.push(lastAt - t);
    await client.call('terminal.detach', { agentId: agent.id });
  }

  // 2. Ctrl-C to silence under `yes`.
  const baseline2: number[] = [];
  const flotilla2: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    baseline2.push(await rawPtyInterrupt());
    const agent = await client.call<{ id: string }>('agents.create', { repoId: repoInfo.id, name: `yes ${round}`, kind: 'command', command: 'yes' });
    let lastAt = performance.now();
    client.onData = (agentId, data) => {
      if (agentId !== agent.id) return;
      lastAt = performance.now();
      client.notify('terminal.ack', { agentId, bytes: data.length });
    };
    await client.call('terminal.attach', { agentId: agent.id });
    await new Promise((r) => setTimeout(r, 500));
    const sentAt = performance.now();
    client.notify('terminal.input', { agentId: agent.id, data: '\x03' });
    // Silence: no byte for 500 ms.
    while (performance.now() - lastAt < 500) await new Promise((r) => setTimeout(r, 10));
    flotilla2.push(Math.max(0, lastAt - sentAt));
    await client.call('terminal.detach', { agentId: agent.id });
  }

  client.close();
  await server.close();
  await core.dispose();

  const rows: [string, number, number, string][] = [
    [`PTY → Node client, ${(THROUGHPUT_BYTES / 1048576).toFixed(0)} MiB`, median(flotilla1), median(baseline1), 'raw node-pty read'],
    ['Ctrl-C to silence under `yes`', median(flotilla2), median(baseline2), 'raw node-pty'],
    [`Agent creation, ${REPO_FILES} files`, median(flotilla3), median(baseline3), 'git worktree add'],
  ];
  console.log('');
  console.log('benchmark                                 flotilla    baseline    ratio   baseline is');
  for (const [name, ours, base, what] of rows) {
    const ratio = base > 0 ? ours / base : Number.NaN;
    console.log(`${name.padEnd(40)}  ${fmt(ours).padStart(9)}   ${fmt(base).padStart(9)}   ${ratio.toFixed(2).padStart(5)}x  ${what}`);
  }
  const mibps = (THROUGHPUT_BYTES / 1048576) / (median(flotilla1) / 1000);
  const rawMibps = (THROUGHPUT_BYTES / 1048576) / (median(baseline1) / 1000);
  console.log(`\nthroughput: flotilla ${mibps.toFixed(0)} MiB/s, raw ${rawMibps.toFixed(0)} MiB/s (server delivery ${(rawMibps > 0 ? mibps / rawMibps : 0).toFixed(2)} of a raw read); Ctrl-C silence ${fmt(median(flotilla2))} (goal < 500 ms)`);

  if (process.env.BENCH_BROWSER === '0') {
    console.log('\nbrowser benchmarks skipped (BENCH_BROWSER=0)');
  } else if (!existsSync(join(import.meta.dirname, '..', 'out', 'main', 'cli.js'))) {
    console.log('\nbrowser benchmarks skipped: run `npm run build` first');
  } else {
    printBrowserFigures(await browserBench(payload, repo));
    printBrowserFigures(await changesPanelBench(repo));
  }
  rmSync(scratch, { recursive: true, force: true });
  if (process.env.BENCH_IDLE !== '0') {
    console.log('');
    await benchIdleFleet(REPO_FILES);
  }
}

function printBrowserFigures(figures: BrowserFigure[]): void {
  console.log('\nin Chromium                               flotilla    baseline    ratio   baseline is');
  for (const f of figures) {
    const show = (v: number) => (f.unit === 'ms' ? fmt(v) : `${v.toFixed(1)} MiB/s`);
    const ratio = f.base > 0 ? f.ours / f.base : Number.NaN;
    console.log(`${f.name.padEnd(40)}  ${show(f.ours).padStart(11)} ${show(f.base).padStart(11)}   ${ratio.toFixed(2).padStart(5)}x  ${f.baseline}`);
  }
  console.log('(throughput ratio: higher is better, goal ≥ 0.9; latency ratios: lower is better)');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
