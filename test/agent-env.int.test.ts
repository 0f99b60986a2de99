/**
 * What an agent's environment holds beyond the scrubbed allow-list: the variables the user chose
 * to pass, and never Flotilla's own ELECTRON_RUN_AS_NODE or the node_modules/.bin folders npm put
 * on Flotilla's PATH, neither for the agent nor for the commands Flotilla's agent runs.
 */
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentPath, buildAgentEnv, checkPassEnvNames } from '../src/main/core/agents/agent-env';
import { Core } from '../src/main/core/index';
import type { AgentInfo } from '../src/shared/types';
import { startFakeProvider, type FakeProvider } from './fake-provider';
import { connectClient, quietHome, until, type CoreClient } from './helpers/core-client';
import { makeRepo, removeDir, tempDir } from './helpers/repo';

const ROOT = resolve(__dirname, '..');
const OWN_AGENT = join(ROOT, 'out', 'main', 'agent.js');
const FLOTILLA_BIN = join(ROOT, 'node_modules', '.bin');
const input = { agentName: 'a', branch: 'b', baseRef: 'main', worktreePath: '/w', task: null };

describe('the agent environment (pure)', () => {
  it("drops the node_modules/.bin folders npm adds for Flotilla's own folder and its parents, and npm's node-gyp-bin, keeping the user's", () => {
    const path = [
      FLOTILLA_BIN,
      join(dirname(ROOT), 'node_modules', '.bin'),
      '/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin',
      '/home/u/project/node_modules/.bin',
      '/usr/bin',
    ].join(':');
    expect(agentPath(path, { npm_package_json: join(ROOT, 'package.json') })).toBe('/home/u/project/node_modules/.bin:/usr/bin');
    // Not started by npm: nothing to undo.
    expect(agentPath(path, {})).toBe(path);
  });

  it('passes the names the user chose, never ELECTRON_RUN_AS_NODE or a FLOTILLA_ variable', () => {
    const source = { PATH: '/usr/bin', SSH_AUTH_SOCK: '/run/ssh.sock', GH_TOKEN: 'gh', ELECTRON_RUN_AS_NODE: '1', FLOTILLA_KEY_X: 'k' };
    expect(buildAgentEnv(input, source)).not.toHaveProperty('SSH_AUTH_SOCK');
    const env = buildAgentEnv({ ...input, passEnv: ['SSH_AUTH_SOCK', 'ELECTRON_RUN_AS_NODE', 'FLOTILLA_KEY_X'] }, source);
    expect(env.SSH_AUTH_SOCK).toBe('/run/ssh.sock');
    expect(env).not.toHaveProperty('GH_TOKEN');
    expect(env).not.toHaveProperty('ELECTRON_RUN_AS_NODE');
    expect(env).not.toHaveProperty('FLOTILLA_KEY_X');
    expect(checkPassEnvNames([' SSH_AUTH_SOCK ', 'SSH_AUTH_SOCK', '', 'https_proxy'])).toEqual(['SSH_AUTH_SOCK', 'https_proxy']);
    expect(() => checkPassEnvNames(['A-B'])).toThrow(/not a variable name/);
    expect(() => checkPassEnvNames(['ELECTRON_RUN_AS_NODE'])).toThrow(/Flotilla's own/);
  });
});

describe("agents' environment, launched by the core", () => {
  let fake: FakeProvider;
  let core: Core;
  let repoId: string;
  const dirs: string[] = [];
  const saved = { ...process.env };
  let client: CoreClient;
  const call = <T,>(method: string, params: unknown) => client.call<T>(method, params);
  const pane = (id: string) => client.pane(id);
  const PROBE = 'echo "probe sock=[${SSH_AUTH_SOCK-unset}] electron=[${ELECTRON_RUN_AS_NODE-unset}] path=[$PATH] end"';
  const PROBE_LINE = /probe sock=\[([^\]]*)\] electron=\[([^\]]*)\] path=\[([^\]]*)\] end/;
  const probeOf = async (id: string) => {
    await until(() => PROBE_LINE.test(pane(id)), () => `the probe:\n${pane(id).slice(-2000)}`);
    const m = PROBE_LINE.exec(pane(id))!;
    return { sock: m[1], electron: m[2], path: m[3]!.split(':') };
  };

  beforeAll(async () => {
    fake = await startFakeProvider();
    const home = quietHome('flotilla-env-home-');
    const repo = makeRepo({ 'README.md': '# demo\n' });
    const dataDir = tempDir('flotilla-env-data-');
    dirs.push(home, repo, dataDir);
    // Flotilla as `npm run serve` (or Electron) leaves it: npm's PATH, Electron's switch.
    process.env.npm_package_json = join(ROOT, 'package.json');
    process.env.PATH = `${FLOTILLA_BIN}:${saved.PATH ?? '/usr/bin:/bin'}`;
    process.env.ELECTRON_RUN_AS_NODE = '1';
    process.env.SSH_AUTH_SOCK = '/run/user/test/ssh-agent.sock';
    core = await Core.create({ dataDir, mode: 'web', version: 'test', ownAgentEntry: OWN_AGENT });
    client = connectClient(core);
    repoId = (await call<{ id: string }>('repos.open', { path: repo })).id;
    await call('providers.save', { id: 'fake', kind: 'openai-compatible', name: 'Fake', baseUrl: `${fake.url}/v1`, models: ['gpt-4o-mini'] });
    await call('providers.setKey', { id: 'fake', key: 'test-key' });
  });

  afterAll(async () => {
    await core?.dispose();
    await fake?.close();
    process.env = saved;
    for (const d of dirs) removeDir(d);
  });

  it('a Command agent gets SSH_AUTH_SOCK only once the setting names it, and never the Electron switch or npm\'s PATH', async () => {
    const before = await call<AgentInfo>('agents.create', { repoId, name: 'Before', kind: 'command', command: PROBE });
    await call('terminal.attach', { agentId: before.id });
    const p1 = await probeOf(before.id);
    expect(p1.sock).toBe('unset');
    expect(p1.electron).toBe('unset');
    expect(p1.path).not.toContain(FLOTILLA_BIN);

    expect(await call('settings.setAgentEnv', { names: ['SSH_AUTH_SOCK'] })).toEqual(['SSH_AUTH_SOCK']);
    const after = await call<AgentInfo>('agents.create', { repoId, name: 'After', kind: 'command', command: PROBE });
    await call('terminal.attach', { agentId: after.id });
    expect((await probeOf(after.id)).sock).toBe('/run/user/test/ssh-agent.sock');
  });

  it("commands run by Flotilla's agent (which itself runs as Node through that switch) do not inherit it", async () => {
    fake.script([
      { toolCalls: [{ name: 'run_command', args: { command: PROBE } }] },
      { toolCalls: [{ name: 'finish', args: { summary: 'Probed.' } }] },
    ]);
    const a = await call<AgentInfo>('agents.create', {
      repoId,
      name: 'Own',
      kind: 'flotilla',
      providerId: 'fake',
      model: 'gpt-4o-mini',
      task: 'Probe',
      permissionMode: 'full-auto',
      confined: false,
    });
    await call('terminal.attach', { agentId: a.id });
    const probe = await probeOf(a.id);
    expect(probe.electron).toBe('unset');
    expect(probe.path).not.toContain(FLOTILLA_BIN);
  });
});
