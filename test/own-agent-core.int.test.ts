/**
 * Flotilla's agent as the core creates it: a provider without a key is refused before anything
 * exists, and the agent is confined by default wherever a sandbox exists, whatever its mode.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core } from '../src/main/core/index';
import { detectSandbox } from '../src/main/core/sandbox';
import type { AgentInfo, Result } from '../src/shared/types';
import { startFakeProvider, type FakeProvider } from './fake-provider';
import { makeRepo, removeDir, tempDir } from './helpers/repo';

const OWN_AGENT = resolve(__dirname, '..', 'out', 'main', 'agent.js');
const KEY_VARIABLES = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY'];

let repo: string;
let dataDir: string;
let core: Core;
let call: <T>(method: string, params: unknown) => Promise<Result<T>>;
const saved: Record<string, string | undefined> = {};

beforeEach(async () => {
  for (const k of KEY_VARIABLES) {
    saved[k] = process.env[k];
    delete process.env[k];
  }
  repo = makeRepo({ 'notes.txt': 'old line\n' });
  dataDir = tempDir('flotilla-data-');
  core = await Core.create({ dataDir, mode: 'web', version: 'test', ownAgentEntry: OWN_AGENT });
  const conn = core.connect({ event: () => undefined, terminalData: (agentId, data) => conn.notify('terminal.ack', { agentId, bytes: data.length }) });
  call = async <T,>(method: string, params: unknown) => (await conn.invoke(method, params)) as Result<T>;
});

afterEach(async () => {
  await core.dispose();
  removeDir(repo);
  removeDir(dataDir);
  for (const k of KEY_VARIABLES) if (saved[k] === undefined) delete process.env[k];
  else process.env[k] = saved[k];
});

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
});
