import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Core } from '../src/main/core/index';
import { detectSandbox } from '../src/main/core/sandbox';
import type { AgentInfo, Result } from '../src/shared/types';
import { startFakeProvider, type FakeProvider } from './fake-provider';
import { makeRepo, removeDir, tempDir } from './helpers/repo';

const OWN_AGENT = resolve(__dirname, '..', 'out', 'main', 'agent.js');

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('agents of every kind, launched by the core', () => {
  let fake: FakeProvider;
  let repo: string;
  let dataDir: string;
  let home: string;
  let core: Core;
  const saved = { ...process.env };
  const agents = new Map<string, AgentInfo>();
  const output = new Map<string, string>();
  let call: <T>(method: string, params: unknown) => Promise<T>;

  beforeAll(async () => {
    if (!existsSync(OWN_AGENT)) throw new Error('out/main/agent.js is missing: run `npm run build` first (npm test does).');
    fake = await startFakeProvider();
    home = tempDir('flotilla-home-');
    writeFileSync(join(home, '.bashrc'), "PS1='$ '\n");
    process.env.HOME = home;
    process.env.SHELL = '/bin/bash';
  });
  afterAll(async () => {
    await fake?.close();
    process.env = saved;
    removeDir(home);
  });

  beforeEach(async () => {
    repo = makeRepo({ 'notes.txt': 'old line\n' });
    dataDir = tempDir('flotilla-data-');
    core = await Core.create({ dataDir, mode: 'web', version: 'test', ownAgentEntry: OWN_AGENT });
    agents.clear();
    output.clear();
    let conn: ReturnType<Core['connect']>;
    conn = core.connect({
      event: (name, payload) => {
        if (name === 'agents.changed') agents.set((payload as AgentInfo).id, payload as AgentInfo);
      },
      terminalData: (agentId, data) => {
        output.set(agentId, (output.get(agentId) ?? '') + Buffer.from(data).toString('utf8'));
        conn.notify('terminal.ack', { agentId, bytes: data.length });
      },
    });
    call = async <T,>(method: string, params: unknown): Promise<T> => {
      const r = (await conn.invoke(method, params)) as Result<T>;
      if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
      return r.value;
    };
  });
  afterEach(async () => {
    await core.dispose();
    removeDir(repo);
    removeDir(dataDir);
  });

  it("runs Flotilla's agent on an OpenAI-compatible endpoint: edits, reports usage and cost, then waits", async () => {
    const r = await call<{ id: string }>('repos.open', { path: repo });
    await call('providers.save', { id: 'fake', kind: 'openai-compatible', name: 'Fake', baseUrl: `${fake.url}/v1`, models: ['gpt-4o-mini'] });
    await call('providers.setKey', { id: 'fake', key: 'test-key' });
    fake.script([
      { text: 'Editing.', toolCalls: [{ name: 'edit_file', args: { path: 'notes.txt', old_text: 'old line', new_text: 'new line' } }], usage: { inputTokens: 1000, outputTokens: 200 } },
      { toolCalls: [{ name: 'finish', args: { summary: 'Replaced the line.' } }], usage: { inputTokens: 1200, outputTokens: 50 } },
    ]);
    const a = await call<AgentInfo>('agents.create', {
      repoId: r.id,
      name: 'Own',
      kind: 'flotilla',
      providerId: 'fake',
      model: 'gpt-4o-mini',
      task: 'Replace the old line',
      confined: false,
    });
    await call('terminal.attach', { agentId: a.id });
    await until(() => readFileSync(join(a.worktreePath, 'notes.txt'), 'utf8') === 'new line\n', 'the edit');
    await until(() => (agents.get(a.id)?.usage?.inputTokens ?? 0) === 2200, 'usage of both turns');
    const usage = agents.get(a.id)!.usage!;
    expect(usage.outputTokens).toBe(250);
    expect(usage.costUsd).not.toBeNull();
    // Finished (idle) or answered without a tool (waiting): either way it is no longer working.
    await until(() => ['idle', 'waiting'].includes(agents.get(a.id)?.activity ?? ''), 'the agent to stop working');
    // Status and terminal bytes travel separately: the pane may show the text after the status changed.
    await until(() => (output.get(a.id) ?? '').includes('Editing.'), 'the model\'s text in the pane');
    // The key went to the provider, never into the terminal.
    expect(fake.requests[0].headers.authorization).toBe('Bearer test-key');
    expect(output.get(a.id)).not.toContain('test-key');
    const summary = await call<{ byProvider: { provider: string }[] }>('usage.summary', { repoId: r.id });
    expect(summary.byProvider.map((p) => p.provider)).toContain('fake');
  });

  it("gives a CLI only a token for its own provider (the gateway holds the key), and takes status from its report file", async () => {
    process.env.OPENAI_API_KEY = 'sk-openai-should-not-leak';
    process.env.GEMINI_API_KEY = 'gemini-should-not-leak';
    process.env.ANTHROPIC_API_KEY = 'anthropic-for-this-agent';
    try {
      const r = await call<{ id: string }>('repos.open', { path: repo });
      await call('catalog.saveCustom', {
        id: 'env-dump',
        name: 'Env dump',
        command: 'env | grep -E "API_KEY" | sort; echo env-listed; printf \'{"type":"status","activity":"waiting"}\\n\' >> "$FLOTILLA_REPORT"; sleep 30',
        providerKind: 'anthropic',
      });
      const a = await call<AgentInfo>('agents.create', { repoId: r.id, name: 'Cli', kind: 'cli', presetId: 'env-dump', providerId: 'anthropic', confined: false });
      await call('terminal.attach', { agentId: a.id });
      await until(() => agents.get(a.id)?.activity === 'waiting', 'the reported waiting status');
      // The report file and the terminal are separate paths: wait for the pane to show the whole list too.
      await until(() => /env-listed\r?\n/.test(output.get(a.id) ?? ''), 'the listed environment in the pane');
      const text = output.get(a.id) ?? '';
      expect(text).toMatch(/ANTHROPIC_API_KEY=flotilla-local-[0-9a-f]{64}/);
      expect(text).not.toContain('anthropic-for-this-agent');
      expect(text).not.toContain('should-not-leak');
    } finally {
      delete process.env.OPENAI_API_KEY;
      delete process.env.GEMINI_API_KEY;
      delete process.env.ANTHROPIC_API_KEY;
    }
  });

  it('counts the usage a CLI reports once per run, also across a restart', async () => {
    const r = await call<{ id: string }>('repos.open', { path: repo });
    await call('catalog.saveCustom', {
      id: 'reporter',
      name: 'Reporter',
      command: `printf '{"type":"usage","provider":"openai","model":"gpt-4o-mini","inputTokens":100,"outputTokens":10}\\n' >> "$FLOTILLA_REPORT"; echo reported; sleep 30`,
      providerKind: null,
    });
    const a = await call<AgentInfo>('agents.create', { repoId: r.id, name: 'Reporter', kind: 'cli', presetId: 'reporter', confined: false });
    await until(() => agents.get(a.id)?.usage?.inputTokens === 100, 'the first report');
    await call('agents.restart', { agentId: a.id });
    await until(() => agents.get(a.id)?.usage?.inputTokens === 200, 'the second run to report');
    await new Promise((r) => setTimeout(r, 1500));
    expect(agents.get(a.id)?.usage).toMatchObject({ inputTokens: 200, outputTokens: 20 });
  });

  it('refuses a CLI that is not installed, with how to install it', async () => {
    const r = await call<{ id: string }>('repos.open', { path: repo });
    process.env.PATH = '/usr/bin:/bin';
    try {
      const catalog = await call<{ id: string; installed: boolean }[]>('catalog.list', {});
      const missing = catalog.find((e) => !e.installed && e.id === 'aider');
      expect(missing).toBeDefined();
      await expect(call('agents.create', { repoId: r.id, kind: 'cli', presetId: 'aider' })).rejects.toMatchObject({ code: 'not-found', message: expect.stringMatching(/not installed/) });
    } finally {
      process.env.PATH = saved.PATH;
    }
  });

  it('confines a CLI to its worktree when asked', async () => {
    const sandbox = await detectSandbox();
    expect(sandbox.available, sandbox.note).toBe(true);
    const r = await call<{ id: string }>('repos.open', { path: repo });
    const outside = join(repo, 'escaped.txt');
    await call('catalog.saveCustom', {
      id: 'escaper',
      name: 'Escaper',
      command: `echo inside > inside.txt; echo out > '${outside}' 2>/dev/null; echo tried-$((6*7)); sleep 30`,
      providerKind: null,
    });
    const a = await call<AgentInfo>('agents.create', { repoId: r.id, name: 'Boxed', kind: 'cli', presetId: 'escaper', permissionMode: 'ask', confined: true });
    expect(a.launch?.confined).toBe(true);
    await call('terminal.attach', { agentId: a.id });
    await until(() => (output.get(a.id) ?? '').includes('tried-42'), `the refused write; the pane shows: ${JSON.stringify(output.get(a.id))}, agent: ${JSON.stringify(agents.get(a.id))}`);
    // Inside the worktree the write lands; outside it goes nowhere the user can see.
    expect(existsSync(join(a.worktreePath, 'inside.txt'))).toBe(true);
    expect(existsSync(outside)).toBe(false);
  });

  it('confines a Shell or Command agent when asked, offline by default, instead of ignoring the flag', async () => {
    const r = await call<{ id: string }>('repos.open', { path: repo });
    const outside = join(repo, '.git', 'confined-escape.txt');
    const a = await call<AgentInfo>('agents.create', {
      repoId: r.id,
      name: 'Boxed command',
      kind: 'command',
      command: `echo out > '${outside}' 2>/dev/null; ls -A "$HOME" | wc -l | sed 's/^/home-entries-/'; echo done-$((6*7)); sleep 30`,
      confined: true,
    });
    expect(a.launch).toMatchObject({ confined: true, network: 'off' });
    await call('terminal.attach', { agentId: a.id });
    await until(() => (output.get(a.id) ?? '').includes('done-42'), `the confined command; the pane shows: ${JSON.stringify(output.get(a.id))}`);
    expect(existsSync(outside)).toBe(false);
    // The sandbox's home is empty but for the .gitconfig Flotilla puts there.
    expect(output.get(a.id)).toContain('home-entries-1');
  });
});
