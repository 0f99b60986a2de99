/**
 * An idle fleet and a large change list, each against a baseline measured in the same run:
 *
 * - Idle CPU: a core with N idle shell agents on a repository of many files, CPU time (its own
 *   and its git children's) over a quiet window, against the same core with no agent.
 * - Changes list: `changes.list` for an agent with 1,000 changed files, against plain
 *   `git status --porcelain` in the same worktree.
 * - Event-loop stall while git runs: p99 delay of the event loop during 100 calls through
 *   Flotilla's git door (processes started from a worker thread), against 100 plain
 *   `child_process.spawn('git')` calls from the main thread, with the same heap.
 *
 * Run alone with `tsx bench/idle-fleet.ts`; `npm run bench` runs it too.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { git as flotillaGit } from '../src/main/core/git/core';
import { Core, type ClientConnection } from '../src/main/core/index';
import type { AgentInfo, Result } from '../src/shared/types';

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'b@localhost', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'b@localhost' };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim();
}

function makeRepo(files: number): string {
  const repo = mkdtempSync(join(tmpdir(), 'flotilla-bench-idle-'));
  git(repo, 'init', '-q', '-b', 'main');
  for (let i = 0; i < files; i++) {
    const dir = join(repo, `d${i % 100}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i}.txt`), `file ${i}\n`);
  }
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'files');
  return repo;
}

/** CPU seconds used so far by this process and its reaped children (git processes). */
function cpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  return ticks / 100;
}

async function connect(dataDir: string): Promise<{ core: Core; call: <T>(m: string, p: unknown) => Promise<T>; conn: ClientConnection }> {
  const core = await Core.create({ dataDir, mode: 'web', version: 'bench' });
  const conn = core.connect({ event: () => undefined, terminalData: (agentId, data) => conn.notify('terminal.ack', { agentId, bytes: data.length }) });
  const call = async <T>(method: string, params: unknown): Promise<T> => {
    const r = (await conn.invoke(method, params)) as Result<T>;
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };
  return { core, call, conn };
}

/** CPU share of one core over `windowMs`, with `agents` idle shell agents. */
async function idleCpu(repo: string, agents: number, windowMs: number): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-bench-data-'));
  const { core, call } = await connect(dataDir);
  try {
    const { id: repoId } = await call<{ id: string }>('repos.open', { path: repo });
    for (let i = 0; i < agents; i++) {
      const a = await call<AgentInfo>('agents.create', { repoId, name: `Idle ${i}`, kind: 'shell' });
      await call('terminal.attach', { agentId: a.id });
    }
    // Let start-up work (first measurements, shell start) finish before the quiet window.
    await new Promise((r) => setTimeout(r, 5_000));
    const before = cpuSeconds();
    await new Promise((r) => setTimeout(r, windowMs));
    return (cpuSeconds() - before) / (windowMs / 1000);
  } finally {
    await core.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Median ms of `changes.list` with 1,000 changed files, against `git status --porcelain`. */
async function changesList(repo: string): Promise<{ flotilla: number; baseline: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-bench-data-'));
  const { core, call } = await connect(dataDir);
  try {
    const { id: repoId } = await call<{ id: string }>('repos.open', { path: repo });
    const a = await call<AgentInfo>('agents.create', { repoId, name: 'Busy', kind: 'shell' });
    for (let i = 0; i < 1_000; i++) writeFileSync(join(a.worktreePath, `d${i % 100}`, `f${i}.txt`), `changed ${i}\n`);
    const flotilla: number[] = [];
    const baseline: number[] = [];
    for (let round = 0; round < 5; round++) {
      let t = performance.now();
      await call('changes.list', { agentId: a.id });
      flotilla.push(performance.now() - t);
      t = performance.now();
      git(a.worktreePath, 'status', '--porcelain');
      baseline.push(performance.now() - t);
    }
    const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)]!;
    return { flotilla: median(flotilla), baseline: median(baseline) };
  } finally {
    await core.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** p99 event-loop delay (ms) while `run` is called 100 times in a row. */
async function loopDelayP99(run: () => Promise<unknown>): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  for (let i = 0; i < 100; i++) await run();
  h.disable();
  return h.percentile(99) / 1e6;
}

/** The event loop's p99 delay while git runs: through Flotilla's door vs spawned in the main thread. */
async function spawnStall(repo: string): Promise<{ flotilla: number; baseline: number }> {
  // A heap the size of a busy server's, which is what makes a fork from the main thread slow.
  const ballast = Array.from({ length: 1_000_000 }, (_, i) => ({ i, s: `x${i}` }));
  const plain = () => new Promise((resolve) => spawn('git', ['--version'], { cwd: repo, stdio: 'ignore' }).on('close', resolve));
  const ours = () => flotillaGit(['--version'], { cwd: repo });
  await ours();
  const baseline = await loopDelayP99(plain);
  const flotilla = await loopDelayP99(ours);
  ballast.length = 0;
  return { flotilla, baseline };
}

/** Runs the measurements and prints them. */
export async function benchIdleFleet(files = Number(process.env.BENCH_FILES ?? 20_000)): Promise<void> {
  const repo = makeRepo(files);
  try {
    const windowMs = Number(process.env.BENCH_IDLE_WINDOW_MS ?? 20_000);
    const none = await idleCpu(repo, 0, windowMs);
    const ten = await idleCpu(repo, 10, windowMs);
    const sixteen = await idleCpu(repo, 16, windowMs);
    console.log(`idle fleet (${files} files, ${windowMs / 1000} s window), CPU of one core:`);
    console.log(`  no agent (baseline)  ${(none * 100).toFixed(1)} %`);
    console.log(`  10 idle agents       ${(ten * 100).toFixed(1)} %   (+${((ten - none) * 100).toFixed(1)} points)`);
    console.log(`  16 idle agents       ${(sixteen * 100).toFixed(1)} %   (+${((sixteen - none) * 100).toFixed(1)} points)`);
    const stall = await spawnStall(repo);
    console.log(`event-loop p99 delay while git runs (100 calls): ${stall.flotilla.toFixed(1)} ms through Flotilla (worker thread), ${stall.baseline.toFixed(1)} ms spawning in the main thread; ratio ${(stall.flotilla / stall.baseline).toFixed(2)}`);
    const list = await changesList(repo);
    console.log(`changes.list, 1,000 changed files: ${list.flotilla.toFixed(0)} ms; git status --porcelain: ${list.baseline.toFixed(0)} ms; ratio ${(list.flotilla / list.baseline).toFixed(2)}`);
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('idle-fleet.ts')) {
  await benchIdleFleet();
}
