import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Core } from '../src/main/core/index';
import type { AgentInfo, Result } from '../src/shared/types';
import { startFakeProvider } from './fake-provider';
import { makeRepo, removeDir, tempDir } from './helpers/repo';

const OWN_AGENT = resolve(__dirname, '..', 'out', 'main', 'agent.js');
const BRIDGE = resolve(__dirname, '..', 'out', 'main', 'netBridge.js');
const until = async (check: () => boolean, what: string) => {
  const start = Date.now();
  while (!check()) { if (Date.now() - start > 30_000) throw new Error(`timed out waiting for ${what}`); await new Promise((r) => setTimeout(r, 50)); }
};

it("runs Flotilla's agent and a CLI confined with network 'provider'", async () => {
  expect(existsSync(BRIDGE)).toBe(true);
  const fake = await startFakeProvider();
  const other = createServer((s) => s.end('leak\n'));
  await new Promise<void>((ok) => other.listen(0, '127.0.0.1', ok));
  const otherPort = (other.address() as { port: number }).port;
  const home = tempDir('flotilla-home-');
  writeFileSync(join(home, '.bashrc'), "PS1='$ '\n");
  process.env.HOME = home;
  const repo = makeRepo({ 'notes.txt': 'old line\n' });
  const dataDir = tempDir('flotilla-data-');
  const core = await Core.create({ dataDir, mode: 'web', version: 'test', ownAgentEntry: OWN_AGENT, netBridgeEntry: BRIDGE });
  const agents = new Map<string, AgentInfo>();
  const output = new Map<string, string>();
  let conn: ReturnType<Core['connect']>;
  conn = core.connect({
    event: (name, payload) => { if (name === 'agents.changed') agents.set((payload as AgentInfo).id, payload as AgentInfo); },
    terminalData: (id, data) => { output.set(id, (output.get(id) ?? '') + Buffer.from(data).toString('utf8')); conn.notify('terminal.ack', { agentId: id, bytes: data.length }); },
  });
  const call = async <T,>(m: string, p: unknown): Promise<T> => { const r = (await conn.invoke(m, p)) as Result<T>; if (!r.ok) throw new Error(r.error.message); return r.value; };
  try {
    const r = await call<{ id: string }>('repos.open', { path: repo });
    await call('providers.save', { id: 'fake', kind: 'openai-compatible', name: 'Fake', baseUrl: `${fake.url}/v1`, models: ['gpt-4o-mini'] });
    await call('providers.setKey', { id: 'fake', key: 'test-key' });
    fake.script([
      { text: 'Editing.', toolCalls: [{ name: 'edit_file', args: { path: 'notes.txt', old_text: 'old line', new_text: 'new line' } }] },
      { toolCalls: [{ name: 'finish', args: { summary: 'Replaced the line.' } }] },
    ]);
    const a = await call<AgentInfo>('agents.create', { repoId: r.id, name: 'Own', kind: 'flotilla', providerId: 'fake', model: 'gpt-4o-mini', task: 'Replace', confined: true, network: 'provider' });
    await call('terminal.attach', { agentId: a.id });
    await until(() => readFileSync(join(a.worktreePath, 'notes.txt'), 'utf8') === 'new line\n', `the edit: ${output.get(a.id)}`);

    await call('catalog.saveCustom', {
      id: 'prober', name: 'Prober', providerKind: 'openai-compatible',
      command: `echo "base=$OPENAI_BASE_URL"; curl -sS -o /dev/null -w "models=%{http_code}\\n" -H "authorization: Bearer $OPENAI_API_KEY" "$OPENAI_BASE_URL/models"; curl -sS -m 2 telnet://127.0.0.1:${otherPort} </dev/null || echo direct-refused; sleep 30`,
    });
    const c = await call<AgentInfo>('agents.create', { repoId: r.id, name: 'Cli', kind: 'cli', presetId: 'prober', providerId: 'fake', confined: true, network: 'provider' });
    await call('terminal.attach', { agentId: c.id });
    await until(() => (output.get(c.id) ?? '').includes('direct-refused') || (output.get(c.id) ?? '').includes('leak'), `the probe: ${output.get(c.id)}`);
    expect(output.get(c.id)).toContain('models=200');
    expect(output.get(c.id)).not.toContain('leak');
    await call('agents.stop', { agentId: c.id });
    await until(() => !existsSync(join(dataDir, 'agents', c.id, 'provider.sock')), 'the gateway to close');
  } finally {
    await core.dispose();
    await fake.close();
    other.close();
    removeDir(repo); removeDir(dataDir); removeDir(home);
  }
});
