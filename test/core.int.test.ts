import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core } from '../src/main/core/index';
import type { AgentInfo, Result } from '../src/shared/types';
import { connectClient, until, useQuietHome } from './helpers/core-client';
import { makeRepo, removeDir, sh, tempDir } from './helpers/repo';

describe('core: agents in worktrees and terminals', () => {
  let repo: string;
  let dataDir: string;
  let core: Core;
  // Agents start a login shell: give them a quiet HOME so the developer's profile plays no part.
  useQuietHome();

  beforeEach(async () => {
    repo = makeRepo({ 'README.md': '# core test\n' });
    dataDir = tempDir('flotilla-data-');
    core = await Core.create({ dataDir, mode: 'web', version: 'test' });
  });

  afterEach(async () => {
    await core.dispose();
    removeDir(repo);
    removeDir(dataDir);
  });

  it('answers an unknown method or bad params with invalid-params, not a throw', async () => {
    const { conn } = connectClient(core);
    expect(await conn.invoke('nope.nothing', {})).toMatchObject({ ok: false, error: { code: 'invalid-params' } });
    expect(await conn.invoke('repos.open', { path: 42 })).toMatchObject({ ok: false, error: { code: 'invalid-params' } });
  });

  it('creates many agents at once, each on its own branch and worktree outside the repository', async () => {
    const { call } = connectClient(core);
    const r = await call<{ id: string }>('repos.open', { path: repo });
    // Different names that all make the slug "same-name": the branches must still differ.
    const names = ['Same Name', 'Same-Name', 'Same_Name', 'Same Name!', 'Same.Name', 'Same/Name', 'Same Name?', 'Same:Name'];
    const agents = await Promise.all(
      names.map((name) => call<AgentInfo>('agents.create', { repoId: r.id, name, kind: 'command', command: 'true' })),
    );
    const branches = new Set(agents.map((a) => a.branch));
    expect(branches.size).toBe(8);
    expect(branches.has('flotilla/same-name')).toBe(true);
    for (const a of agents) {
      expect(a.worktreePath.startsWith(dataDir)).toBe(true);
      expect(existsSync(a.worktreePath)).toBe(true);
    }
    const listed = sh(repo, 'worktree', 'list', '--porcelain');
    for (const a of agents) expect(listed).toContain(`worktree ${a.worktreePath}`);
  });

  it('refuses a second agent with the same name in a repository, even when both are created at once, and suggests a free one', async () => {
    const { conn, call } = connectClient(core);
    const r = await call<{ id: string }>('repos.open', { path: repo });
    const results = await Promise.all(
      ['Fix login', 'fix  LOGIN', 'Fix login'].map((name) => conn.invoke('agents.create', { repoId: r.id, name, kind: 'command', command: 'true' })),
    );
    const made = results.filter((x) => (x as Result<AgentInfo>).ok);
    expect(made).toHaveLength(1);
    for (const refused of results.filter((x) => !(x as Result<AgentInfo>).ok)) {
      // The suggestion keeps the spelling the user typed.
      expect(refused).toMatchObject({
        ok: false,
        error: {
          code: 'invalid-params',
          message: expect.stringMatching(/already exists in this repository\. Choose another name, such as “fix\s+login 2”/i),
          details: { suggestion: expect.stringMatching(/^fix\s+login 2$/i) },
        },
      });
    }
    // The suggestion is free.
    await call<AgentInfo>('agents.create', { repoId: r.id, name: 'Fix login 2', kind: 'command', command: 'true' });
  });

  it('runs a Command agent in its worktree with the task in $FLOTILLA_TASK and a scrubbed environment', async () => {
    process.env.FLOTILLA_TEST_SECRET = 'do-not-leak';
    try {
      const { call, pane } = connectClient(core);
      const r = await call<{ id: string }>('repos.open', { path: repo });
      const a = await call<AgentInfo>('agents.create', {
        repoId: r.id,
        name: 'Echoer',
        kind: 'command',
        command: 'printf "task=%s cwd=%s secret=%s\\n" "$FLOTILLA_TASK" "$PWD" "${FLOTILLA_TEST_SECRET:-none}"; sleep 0.3',
        task: 'write the docs',
      });
      await call('terminal.attach', { agentId: a.id });
      await until(() => pane(a.id).includes('secret='), 'the printed environment');
      expect(pane(a.id)).toContain('task=write the docs');
      expect(pane(a.id)).toContain(`cwd=${a.worktreePath}`);
      expect(pane(a.id)).toContain('secret=none');
      await until(() => core !== undefined && pane(a.id).length > 0, 'output');
    } finally {
      delete process.env.FLOTILLA_TEST_SECRET;
    }
  });

  it('reports exit codes and restarts an exited agent', async () => {
    const { call, events } = connectClient(core);
    const r = await call<{ id: string }>('repos.open', { path: repo });
    const a = await call<AgentInfo>('agents.create', { repoId: r.id, name: 'Failer', kind: 'command', command: 'exit 3' });
    await until(() => events.some((e) => e.name === 'agents.changed' && (e.payload as AgentInfo).id === a.id && (e.payload as AgentInfo).status === 'exited'), 'the exit event');
    const exited = events.filter((e) => e.name === 'agents.changed').map((e) => e.payload as AgentInfo).filter((p) => p.id === a.id && p.status === 'exited');
    expect(exited[0].exitCode).toBe(3);
    const restarted = await call<AgentInfo>('agents.restart', { agentId: a.id });
    expect(restarted.status).toBe('running');
  });

  it('refuses to remove an agent with work unless confirmed, then keeps a snapshot', async () => {
    const { call } = connectClient(core);
    const r = await call<{ id: string }>('repos.open', { path: repo });
    const a = await call<AgentInfo>('agents.create', { repoId: r.id, name: 'Worker', kind: 'command', command: 'echo work > result.txt; sleep 30' });
    await until(() => existsSync(`${a.worktreePath}/result.txt`), 'result.txt');
    await expect(call('agents.remove', { agentId: a.id })).rejects.toMatchObject({ code: 'needs-confirmation' });
    expect(existsSync(a.worktreePath)).toBe(true);
    const removed = await call<{ snapshotRef: string }>('agents.remove', { agentId: a.id, confirm: true });
    expect(removed.snapshotRef).toMatch(/^refs\/flotilla\/archive\/worker\//);
    expect(sh(repo, 'show', `${removed.snapshotRef}:result.txt`)).toBe('work');
    expect(existsSync(a.worktreePath)).toBe(false);
  });

  it('marks running agents interrupted after a restart of the core, keeping their output', async () => {
    const { call, pane } = connectClient(core);
    const r = await call<{ id: string }>('repos.open', { path: repo });
    const a = await call<AgentInfo>('agents.create', { repoId: r.id, name: 'Sleeper', kind: 'command', command: 'echo before-restart; sleep 60' });
    await call('terminal.attach', { agentId: a.id });
    await until(() => pane(a.id).includes('before-restart'), 'the output before the restart');
    await core.dispose();

    core = await Core.create({ dataDir, mode: 'web', version: 'test' });
    const second = connectClient(core);
    await second.call('repos.open', { path: repo });
    const [again] = await second.call<AgentInfo[]>('agents.list', { repoId: r.id });
    expect(again.status).toBe('interrupted');
    const { replayedBytes } = await second.call<{ replayedBytes: number }>('terminal.attach', { agentId: a.id });
    expect(replayedBytes).toBeGreaterThan(0);
    expect(second.pane(a.id)).toContain('before-restart');
  });
});
