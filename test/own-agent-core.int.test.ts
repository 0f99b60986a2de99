/**
 * Flotilla's agent as the core creates it: a provider without a key is refused before anything
 * exists, and the agent is confined by default wherever a sandbox exists, whatever its mode.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Core } from '../src/main/core/index';
import { detectSandbox } from '../src/main/core/sandbox';
import type { AgentInfo, Result } from '../src/shared/types';
import { startFakeProvider, type FakeProvider } from './fake-provider';
import { makeRepo, removeDir, tempDir } from './helpers/repo';

// Real agent processes on a loaded machine: generous deadlines, no speed asserted.
vi.setConfig({ testTimeout: 120_000 });

const OWN_AGENT = resolve(__dirname, '..', 'out', 'main', 'agent.js');
const KEY_VARIABLES = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY'];

let repo: string;
let dataDir: string;
let core: Core;
let call: <T>(method: string, params: unknown) => Promise<Result<T>>;
let notify: (method: string, params: unknown) => void;
const output = new Map<string, string>();
const activity = new Map<string, string | null>();
const saved: Record<string, string | undefined> = {};

beforeEach(async () => {
  for (const k of KEY_VARIABLES) {
    saved[k] = process.env[k];
    delete process.env[k];
  }
  repo = makeRepo({ 'notes.txt': 'old line\n' });
  dataDir = tempDir('flotilla-data-');
  core = await Core.create({ dataDir, mode: 'web', version: 'test', ownAgentEntry: OWN_AGENT });
  output.clear();
  activity.clear();
  const conn = core.connect({
    event: (name, payload) => {
      if (name === 'agents.changed') activity.set((payload as AgentInfo).id, (payload as AgentInfo).activity);
    },
    terminalData: (agentId, data) => {
      output.set(agentId, (output.get(agentId) ?? '') + Buffer.from(data).toString('utf8'));
      conn.notify('terminal.ack', { agentId, bytes: data.length });
    },
  });
  call = async <T,>(method: string, params: unknown) => (await conn.invoke(method, params)) as Result<T>;
  notify = (method, params) => conn.notify(method, params);
});

afterEach(async () => {
  await core.dispose();
  removeDir(repo);
  removeDir(dataDir);
  for (const k of KEY_VARIABLES) if (saved[k] === undefined) delete process.env[k];
  else process.env[k] = saved[k];
});

async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });

describe("creating Flotilla's agent", () => {
  it('refuses a provider without a key before creating a branch, a worktree or an agent, however often the user clicks', async () => {
    const r = await call<{ id: string }>('repos.open', { path: repo });
    if (!r.ok) throw new Error(r.error.message);
    const branchesBefore = git('branch', '--list');
    for (let i = 0; i < 3; i++) {
      const created = await call<AgentInfo>('agents.create', { repoId: r.value.id, name: `Own ${i}`, kind: 'flotilla', providerId: 'anthropic', model: 'claude-sonnet-4-5', task: 'x' });
      expect(created.ok).toBe(false);
      if (!created.ok) {
        expect(created.error.code).toBe('invalid-params');
        expect(created.error.message).toMatch(/Anthropic has no API key\. Add one in Settings → Providers/);
      }
    }
    expect(git('branch', '--list')).toBe(branchesBefore);
    expect(git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    const listed = await call<AgentInfo[]>('agents.list', { repoId: r.value.id });
    expect(listed.ok && listed.value).toEqual([]);
    const worktrees = join(dataDir, 'worktrees');
    expect(existsSync(worktrees) ? readdirSync(worktrees, { recursive: true }) : []).toEqual([]);
  });

  it('is confined by default where a sandbox exists, in ask mode too', async () => {
    const sandbox = await detectSandbox();
    if (!existsSync(OWN_AGENT)) throw new Error('out/main/agent.js is missing: run `npm run build` first.');
    const fake: FakeProvider = await startFakeProvider();
    try {
      const r = await call<{ id: string }>('repos.open', { path: repo });
      if (!r.ok) throw new Error(r.error.message);
      await call('providers.save', { id: 'fake', kind: 'openai-compatible', name: 'Fake', baseUrl: `${fake.url}/v1`, models: ['gpt-4o-mini'] });
      const created = await call<AgentInfo>('agents.create', { repoId: r.value.id, name: 'Own', kind: 'flotilla', providerId: 'fake', permissionMode: 'ask' });
      if (!created.ok) throw new Error(created.error.message);
      expect(created.value.launch?.permissionMode).toBe('ask');
      expect(created.value.launch?.confined).toBe(sandbox.available);
      await call('agents.stop', { agentId: created.value.id });
    } finally {
      await fake.close();
    }
  });

  it('resumes its conversation after a restart instead of sending the task again', async () => {
    if (!existsSync(OWN_AGENT)) throw new Error('out/main/agent.js is missing: run `npm run build` first.');
    const fake: FakeProvider = await startFakeProvider();
    try {
      const r = await call<{ id: string }>('repos.open', { path: repo });
      if (!r.ok) throw new Error(r.error.message);
      await call('providers.save', { id: 'fake', kind: 'openai-compatible', name: 'Fake', baseUrl: `${fake.url}/v1`, models: ['gpt-4o-mini'] });
      await call('providers.setKey', { id: 'fake', key: 'test-key' });
      fake.script([{ text: 'I read notes.txt; it holds one old line.' }, { text: 'Carrying on from there.' }]);
      const task = 'Tell me what notes.txt holds';
      const created = await call<AgentInfo>('agents.create', { repoId: r.value.id, name: 'Own', kind: 'flotilla', providerId: 'fake', permissionMode: 'full-auto', task });
      if (!created.ok) throw new Error(created.error.message);
      const id = created.value.id;
      await call('terminal.attach', { agentId: id });
      await until(() => activity.get(id) === 'waiting', `the first answer: ${output.get(id)}`);
      expect(fake.requests).toHaveLength(1);

      const restarted = await call<AgentInfo>('agents.restart', { agentId: id });
      if (!restarted.ok) throw new Error(restarted.error.message);
      await until(() => (output.get(id) ?? '').includes('Resumed the conversation'), `the resume: ${output.get(id)}`);
      await until(() => activity.get(id) === 'waiting', 'the prompt after the restart');
      expect(fake.requests).toHaveLength(1);
      notify('terminal.input', { agentId: id, data: 'go on\r' });
      await until(() => fake.requests.length === 2, 'the follow-up request');
      const body = JSON.stringify(fake.requests[1].body);
      expect(body).toContain('I read notes.txt; it holds one old line.');
      expect(body).toContain('go on');
      const userTurns = (fake.requests[1].body as { messages: Array<{ role: string; content: unknown }> }).messages.filter((m) => m.role === 'user');
      expect(userTurns.filter((m) => JSON.stringify(m.content).includes(task))).toHaveLength(1);
      await call('agents.stop', { agentId: id });
    } finally {
      await fake.close();
    }
  });

  it('asks in the pane before writing in ask mode, shows "waiting" while it asks, and writes nothing on "n"', async () => {
    if (!existsSync(OWN_AGENT)) throw new Error('out/main/agent.js is missing: run `npm run build` first.');
    const fake: FakeProvider = await startFakeProvider();
    try {
      const r = await call<{ id: string }>('repos.open', { path: repo });
      if (!r.ok) throw new Error(r.error.message);
      await call('providers.save', { id: 'fake', kind: 'openai-compatible', name: 'Fake', baseUrl: `${fake.url}/v1`, models: ['gpt-4o-mini'] });
      await call('providers.setKey', { id: 'fake', key: 'test-key' });
      fake.script([{ toolCalls: [{ name: 'write_file', args: { path: 'notes.txt', content: 'overwritten' } }] }, { text: 'I will leave it.' }]);
      const created = await call<AgentInfo>('agents.create', { repoId: r.value.id, name: 'Own', kind: 'flotilla', providerId: 'fake', permissionMode: 'ask', task: 'Overwrite notes' });
      if (!created.ok) throw new Error(created.error.message);
      const id = created.value.id;
      await call('terminal.attach', { agentId: id });
      await until(() => (output.get(id) ?? '').includes('Write this file?'), `the question: ${output.get(id)}`);
      await until(() => activity.get(id) === 'waiting', 'waiting for the answer');
      notify('terminal.input', { agentId: id, data: 'n\r' });
      await until(() => (output.get(id) ?? '').includes('I will leave it.'), 'the reply after the refusal');
      expect(readFileSync(join(created.value.worktreePath, 'notes.txt'), 'utf8')).toBe('old line\n');
      await call('agents.stop', { agentId: id });
    } finally {
      await fake.close();
    }
  });
});
