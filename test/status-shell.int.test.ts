import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core } from '../src/main/core/index';
import type { Activity, AgentInfo } from '../src/shared/types';
import { attentionItems } from '../src/renderer/features/attention/attention';
import { connectClient, until, useQuietHome } from './helpers/core-client';
import { makeRepo, removeDir, tempDir } from './helpers/repo';

describe('status of idle shells, through the real core and PTYs', () => {
  let repo: string;
  let dataDir: string;
  let core: Core;
  /** Every activity each agent went through, in order. */
  const history = new Map<string, Activity[]>();
  const latest = new Map<string, AgentInfo>();
  let client: ReturnType<typeof connectClient>;
  const call = <T>(method: string, params: unknown) => client.call<T>(method, params);

  useQuietHome();

  beforeEach(async () => {
    repo = makeRepo({ 'README.md': '# status\n' });
    dataDir = tempDir('flotilla-data-');
    core = await Core.create({ dataDir, mode: 'web', version: 'test' });
    history.clear();
    latest.clear();
    client = connectClient(core, (name, payload) => {
      if (name !== 'agents.changed') return;
      const agent = payload as AgentInfo;
      latest.set(agent.id, agent);
      const seen = history.get(agent.id) ?? [];
      if (agent.activity && seen[seen.length - 1] !== agent.activity) seen.push(agent.activity);
      history.set(agent.id, seen);
    });
  });
  afterEach(async () => {
    await core.dispose();
    removeDir(repo);
    removeDir(dataDir);
  });

  async function idleShell(name: string): Promise<AgentInfo> {
    const r = await call<{ id: string }>('repos.open', { path: repo });
    const a = await call<AgentInfo>('agents.create', { repoId: r.id, name, kind: 'shell' });
    await call('terminal.attach', { agentId: a.id });
    await until(() => client.pane(a.id).includes('$ '), `${name}'s prompt`);
    await until(() => latest.get(a.id)?.activity === 'idle', `${name} to go idle`);
    return a;
  }

  it('keeps an idle shell idle however often its terminal is resized', async () => {
    const a = await idleShell('Resized');
    const before = history.get(a.id)!.length;
    for (const [cols, rows] of [
      [60, 20],
      [140, 40],
      [90, 25],
      [70, 30],
    ]) {
      const printed = client.pane(a.id).length;
      await call('terminal.resize', { agentId: a.id, cols, rows });
      // bash repaints its prompt for the new size: that output is what used to read as work.
      await until(() => client.pane(a.id).length > printed, 'the redraw after a resize');
    }
    // Long enough for a "working" flip to have happened and to have been reported.
    const settled = Date.now() + 3_000;
    await until(() => Date.now() > settled, 'the quiet period');
    expect(history.get(a.id)!.slice(before)).toEqual([]);
    expect(latest.get(a.id)?.activity).toBe('idle');

    // Real work after the resize still counts.
    client.conn.notify('terminal.input', { agentId: a.id, data: 'echo typed-$((6*7))\r' });
    await until(() => history.get(a.id)!.includes('working') && history.get(a.id)!.length > before, 'the shell to work');
    await until(() => latest.get(a.id)?.activity === 'idle', 'the shell to go idle again');
  });

  it('never puts an idle shell on the attention list', async () => {
    const a = await idleShell('Quiet one');
    const b = await idleShell('Quiet two');
    const agents = { [a.id]: latest.get(a.id)!, [b.id]: latest.get(b.id)! };
    expect(attentionItems([a.id, b.id], agents, {})).toEqual([]);
    // A shell that exits with an error does need the user.
    client.conn.notify('terminal.input', { agentId: b.id, data: 'exit 4\r' });
    await until(() => latest.get(b.id)?.activity === 'failed', 'the shell to fail');
    const after = { [a.id]: latest.get(a.id)!, [b.id]: latest.get(b.id)! };
    expect(attentionItems([a.id, b.id], after, {})).toEqual([{ agentId: b.id, reason: 'failed' }]);
  });
});
