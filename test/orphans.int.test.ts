/**
 * What a hard stop of Flotilla leaves behind, found by the next start: a worktree and branch
 * whose creation was cut before its record was written, and an agent's process that ignored
 * SIGHUP and outlived `kill -9` of the core that started it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Core } from '../src/main/core/index';
import { createWorktree, worktreeRoot } from '../src/main/core/worktrees';
import { findSurvivors } from '../src/main/core/agents/orphans';
import type { AgentInfo } from '../src/shared/types';
import { connectClient, until } from './helpers/core-client';
import { makeRepo, removeDir, sh, tempDir } from './helpers/repo';

// A second core compiled on the fly by tsx takes seconds on a loaded 2-core machine.
vi.setConfig({ testTimeout: 120_000 });

const ROOT = resolve(__dirname, '..');
const TSX_LOADER = join(ROOT, 'node_modules/tsx/dist/loader.mjs');
const CHILD_CORE = join(ROOT, 'test/fixtures/core-child/start-agent.ts');
const CHILD_CREATE = join(ROOT, 'test/fixtures/core-child/create-agent.ts');

interface Leftovers {
  orphans: { slug: string; worktreePath: string | null; branch: string | null; registered: boolean }[];
  survivors: { agentId: string; name: string; processes: { pid: number; command: string }[] }[];
}

/** Running and not a zombie (a zombie waits only for its parent to reap it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('leftovers of a creation cut short', () => {
  let repo: string;
  let dataDir: string;
  let core: Core;

  beforeEach(async () => {
    repo = makeRepo({ 'README.md': '# orphans\n' });
    dataDir = tempDir('flotilla-data-');
    core = await Core.create({ dataDir, mode: 'web', version: 'test' });
  });

  afterEach(async () => {
    await core.dispose();
    removeDir(repo);
    removeDir(dataDir);
  });

  it('reports a worktree and branches no agent owns after a restart, and removes them only with a snapshot of their work', async () => {
    let { call, invoke } = connectClient(core);
    const r = await call<{ id: string }>('repos.open', { path: repo });
    const owned = await call<AgentInfo>('agents.create', { repoId: r.id, name: 'Kept', kind: 'command', command: 'true' });

    // The crash window of agents.create: the worktree and branch exist, the record was never written.
    const lostPath = join(worktreeRoot(dataDir, repo), 'lost-heron');
    await createWorktree({ topLevel: repo, worktreePath: lostPath, branch: 'flotilla/lost-heron', baseSha: sh(repo, 'rev-parse', 'HEAD') });
    writeFileSync(join(lostPath, 'notes.txt'), 'work nobody saved\n');
    sh(repo, 'branch', 'flotilla/half-made');
    // git itself killed inside `worktree add`: its "initializing" lock stays.
    const stuckPath = join(worktreeRoot(dataDir, repo), 'stuck-lynx');
    await createWorktree({ topLevel: repo, worktreePath: stuckPath, branch: 'flotilla/stuck-lynx', baseSha: sh(repo, 'rev-parse', 'HEAD') });
    sh(repo, 'worktree', 'lock', '--reason', 'initializing', stuckPath);

    await core.dispose();
    core = await Core.create({ dataDir, mode: 'web', version: 'test' });
    ({ call, invoke } = connectClient(core));

    const found = await call<Leftovers>('agents.leftovers', { repoId: r.id });
    expect(found.survivors).toEqual([]);
    expect(found.orphans).toEqual([
      { slug: 'half-made', worktreePath: null, branch: 'flotilla/half-made', registered: false },
      { slug: 'lost-heron', worktreePath: lostPath, branch: 'flotilla/lost-heron', registered: true },
      { slug: 'stuck-lynx', worktreePath: stuckPath, branch: 'flotilla/stuck-lynx', registered: true },
    ]);
    expect(found.orphans.map((o) => o.slug)).not.toContain(owned.slug);

    // Its untracked file is work: refused without confirm, and nothing changed.
    const refused = await invoke('agents.removeOrphan', { repoId: r.id, slug: 'lost-heron' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'needs-confirmation', message: expect.stringContaining('1 untracked file') } });
    expect(existsSync(join(lostPath, 'notes.txt'))).toBe(true);
    expect(sh(repo, 'branch', '--list', 'flotilla/lost-heron')).not.toBe('');

    const removed = await call<{ snapshotRef: string | null }>('agents.removeOrphan', { repoId: r.id, slug: 'lost-heron', confirm: true });
    expect(removed.snapshotRef).toMatch(/^refs\/flotilla\/archive\/lost-heron\//);
    expect(sh(repo, 'show', `${removed.snapshotRef}:notes.txt`)).toBe('work nobody saved');
    expect(existsSync(lostPath)).toBe(false);
    expect(sh(repo, 'branch', '--list', 'flotilla/lost-heron')).toBe('');

    // A bare branch at the base holds nothing to lose.
    expect(await call('agents.removeOrphan', { repoId: r.id, slug: 'half-made' })).toEqual({ snapshotRef: null });
    expect(await call('agents.removeOrphan', { repoId: r.id, slug: 'stuck-lynx' })).toEqual({ snapshotRef: null });
    expect(existsSync(stuckPath)).toBe(false);
    expect((await call<Leftovers>('agents.leftovers', { repoId: r.id })).orphans).toEqual([]);
    // The agent that has a record was left alone.
    expect(existsSync(owned.worktreePath)).toBe(true);
  });

  it('adopts a leftover worktree as a Shell agent that then works like any other', async () => {
    const { call } = connectClient(core);
    const r = await call<{ id: string }>('repos.open', { path: repo });
    const path = join(worktreeRoot(dataDir, repo), 'found-owl');
    await createWorktree({ topLevel: repo, worktreePath: path, branch: 'flotilla/found-owl', baseSha: sh(repo, 'rev-parse', 'HEAD') });
    writeFileSync(join(path, 'draft.txt'), 'half done\n');

    const adopted = await call<AgentInfo>('agents.adoptOrphan', { repoId: r.id, slug: 'found-owl' });
    expect(adopted).toMatchObject({ name: 'found-owl', kind: 'shell', branch: 'flotilla/found-owl', worktreePath: path, baseRef: 'main', status: 'running' });
    expect((await call<Leftovers>('agents.leftovers', { repoId: r.id })).orphans).toEqual([]);
    // Its work counts as the agent's: removal asks first, then keeps a snapshot.
    const check = await call<{ untracked: number; hasWork: boolean }>('agents.removalCheck', { agentId: adopted.id });
    expect(check).toMatchObject({ untracked: 1, hasWork: true });
    const removed = await call<{ snapshotRef: string | null }>('agents.remove', { agentId: adopted.id, confirm: true });
    expect(sh(repo, 'show', `${removed.snapshotRef}:draft.txt`)).toBe('half done');
  });

  it("never runs the leftover worktree's own git config while removing it", async () => {
    const { call } = connectClient(core);
    const r = await call<{ id: string }>('repos.open', { path: repo });
    const path = join(worktreeRoot(dataDir, repo), 'trap-door');
    await createWorktree({ topLevel: repo, worktreePath: path, branch: 'flotilla/trap-door', baseSha: sh(repo, 'rev-parse', 'HEAD') });
    writeFileSync(join(path, 'left.txt'), 'work\n');
    // Its .git file now names a git folder whose config runs a program on `git status`.
    const evil = tempDir('flotilla-evil-');
    const marker = join(evil, 'ran');
    sh(evil, 'init', '-q');
    writeFileSync(join(evil, 'hook.sh'), `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
    sh(evil, 'config', 'core.fsmonitor', join(evil, 'hook.sh'));
    writeFileSync(join(path, '.git'), `gitdir: ${join(evil, '.git')}\n`);
    try {
      const removed = await call<{ snapshotRef: string | null }>('agents.removeOrphan', { repoId: r.id, slug: 'trap-door', confirm: true });
      expect(sh(repo, 'show', `${removed.snapshotRef}:left.txt`)).toBe('work');
      expect(existsSync(path)).toBe(false);
      expect(existsSync(marker)).toBe(false);
    } finally {
      removeDir(evil);
    }
  });

  it('leaves a folder alone that git does not list as a worktree', async () => {
    const { call, invoke } = connectClient(core);
    const r = await call<{ id: string }>('repos.open', { path: repo });
    const stray = join(worktreeRoot(dataDir, repo), 'stray');
    await createWorktree({ topLevel: repo, worktreePath: stray, branch: 'flotilla/stray', baseSha: sh(repo, 'rev-parse', 'HEAD') });
    sh(repo, 'worktree', 'remove', '--force', stray);
    // The folder is back with content, unregistered (e.g. restored by hand).
    sh(repo, 'init', '-q', stray);
    writeFileSync(join(stray, 'mine.txt'), 'keep\n');

    const found = await call<Leftovers>('agents.leftovers', { repoId: r.id });
    expect(found.orphans).toEqual([{ slug: 'stray', worktreePath: stray, branch: 'flotilla/stray', registered: false }]);
    const refused = await invoke('agents.removeOrphan', { repoId: r.id, slug: 'stray', confirm: true });
    expect(refused).toMatchObject({ ok: false, error: { message: expect.stringContaining('not a worktree of this repository') } });
    expect(readFileSync(join(stray, 'mine.txt'), 'utf8')).toBe('keep\n');
  });
});

describe('kill -9 of Flotilla while it creates an agent', () => {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) removeDir(dir);
  });

  it('leaves nothing the next start does not either own or report, and the report can be cleaned up', async () => {
    let orphanSeen = false;
    // The kill lands when the worktree folder appears, before the record is written; on a very
    // slow machine it may land after, so a few attempts are allowed.
    for (let attempt = 1; attempt <= 6 && !orphanSeen; attempt++) {
      const repo = makeRepo({ 'README.md': '# cut short\n' });
      const dataDir = tempDir('flotilla-data-');
      made.push(repo, dataDir);
      const slug = `cut-${attempt}`;
      const folder = join(worktreeRoot(dataDir, repo), slug);
      const child = spawn(process.execPath, ['--import', TSX_LOADER, CHILD_CREATE, dataDir, repo, slug], { stdio: ['ignore', 'pipe', 'pipe'] });
      let said = '';
      child.stdout!.on('data', (d: Buffer) => (said += d.toString('utf8')));
      child.stderr!.on('data', (d: Buffer) => (said += d.toString('utf8')));
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      const start = Date.now();
      while (!existsSync(folder) && child.exitCode === null && !said.includes('created')) {
        if (Date.now() - start > 60_000) throw new Error(`the child core never created the worktree; it said: ${said}`);
        await new Promise((r) => setImmediate(r));
      }
      child.kill('SIGKILL');
      await exited;
      expect(said).not.toContain('failed');
      // git outlives its parent: it either finishes the worktree (its "initializing" lock goes
      // last) or, writing to the closed pipe, dies and removes the worktree but not the branch.
      const admin = join(repo, '.git', 'worktrees', slug);
      const settled = () => (existsSync(admin) ? !existsSync(join(admin, 'locked')) : !existsSync(folder));
      await until(settled, 'git to finish or undo the worktree');
      const worktreeLeft = existsSync(folder);

      const core = await Core.create({ dataDir, mode: 'web', version: 'test' });
      try {
        const { call } = connectClient(core);
        const r = await call<{ id: string }>('repos.open', { path: repo });
        const agents = await call<AgentInfo[]>('agents.list', { repoId: r.id });
        const found = await call<Leftovers>('agents.leftovers', { repoId: r.id });
        if (agents.some((a) => a.slug === slug)) {
          // Killed after the record was written: an interrupted agent, nothing left over.
          expect(found.orphans).toEqual([]);
          continue;
        }
        orphanSeen = true;
        expect(found.orphans).toEqual([
          { slug, worktreePath: worktreeLeft ? folder : null, branch: `flotilla/${slug}`, registered: worktreeLeft },
        ]);
        // A fresh checkout holds nothing to lose: removed without a snapshot.
        expect(await call('agents.removeOrphan', { repoId: r.id, slug })).toEqual({ snapshotRef: null });
        expect(existsSync(folder)).toBe(false);
        expect(sh(repo, 'branch', '--list', `flotilla/${slug}`)).toBe('');
        expect((await call<Leftovers>('agents.leftovers', { repoId: r.id })).orphans).toEqual([]);
      } finally {
        await core.dispose();
      }
    }
    expect(orphanSeen).toBe(true);
  });
});

describe.skipIf(process.platform !== 'linux')('an agent process that outlives kill -9 of Flotilla', () => {
  let repo: string;
  let dataDir: string;
  let home: string;
  let child: ChildProcess | null = null;
  let core: Core | null = null;
  const pids: number[] = [];

  beforeAll(() => {
    repo = makeRepo({ 'README.md': '# survivors\n' });
    dataDir = tempDir('flotilla-data-');
    home = tempDir('flotilla-home-');
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await core?.dispose();
    // The restarted agent ignores SIGHUP too: whatever it left in its worktree goes with the test.
    for (const found of (await findSurvivors([join(worktreeRoot(dataDir, repo), 'stubborn')])).values()) pids.push(...found.map((p) => p.pid));
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    removeDir(repo);
    removeDir(dataDir);
    removeDir(home);
  });

  it('finds it on the next start and refuses to restart a second copy until told to stop it', async () => {
    child = spawn(process.execPath, ['--import', TSX_LOADER, CHILD_CORE, dataDir, repo, "trap '' HUP; sleep 1000 & echo started-$!; wait"], {
      env: { ...process.env, HOME: home, SHELL: '/bin/bash' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const exited = new Promise<void>((r) => child!.once('exit', () => r()));
    await until(() => stdout.includes('\n') || child!.exitCode !== null, 'the first core to start the agent');
    expect(stdout, stderr).toContain('"pid"');
    const { agentId, pid } = JSON.parse(stdout.split('\n')[0]) as { agentId: string; pid: number };
    pids.push(pid);

    child.kill('SIGKILL');
    await exited;
    expect(alive(pid)).toBe(true);

    // A terminal of the user's that merely sits in the worktree is not the agent's: never reported or stopped.
    const worktree = join(worktreeRoot(dataDir, repo), 'stubborn');
    const userEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FLOTILLA_')));
    const userPid = Number(execFileSync('sh', ['-c', 'sleep 1000 >/dev/null 2>&1 & echo $!'], { cwd: worktree, env: userEnv, encoding: 'utf8' }).trim());
    pids.push(userPid);

    core = await Core.create({ dataDir, mode: 'web', version: 'test' });
    const { call, invoke } = connectClient(core);
    const r = await call<{ id: string }>('repos.open', { path: repo });
    const found = await call<Leftovers>('agents.leftovers', { repoId: r.id });
    expect(found.orphans).toEqual([]);
    expect(found.survivors).toHaveLength(1);
    expect(found.survivors[0]).toMatchObject({ agentId, name: 'Stubborn' });
    expect(found.survivors[0].processes).toContainEqual({ pid, command: 'sleep' });
    expect(found.survivors[0].processes.map((p) => p.pid)).not.toContain(userPid);
    pids.push(...found.survivors[0].processes.map((p) => p.pid));

    const refused = await invoke<AgentInfo>('agents.restart', { agentId });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'agent-running', message: expect.stringContaining(`sleep ${pid}`), details: { pids: expect.arrayContaining([pid]) } },
    });
    expect(alive(pid)).toBe(true);
    const agents = await call<AgentInfo[]>('agents.list', { repoId: r.id });
    expect(agents[0].status).toBe('interrupted');

    const restarted = await call<AgentInfo>('agents.restart', { agentId, stopSurvivors: true });
    expect(restarted.status).toBe('running');
    expect(alive(pid)).toBe(false);
    expect(alive(userPid)).toBe(true);
    // The new run is this core's own: not reported as a survivor.
    expect((await call<Leftovers>('agents.leftovers', { repoId: r.id })).survivors).toEqual([]);
  });
});
