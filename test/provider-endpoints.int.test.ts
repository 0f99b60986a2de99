/**
 * Endpoints beyond OpenAI's protocol: a user-added Anthropic- or Gemini-compatible server, a
 * built-in provider moved to another base URL, and "the CLI's own (environment)" key, each reached
 * by a real agent through the provider gateway, against the fake provider.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core } from '../src/main/core/index';
import type { AgentInfo } from '../src/shared/types';
import { startFakeProvider, type FakeProvider } from './fake-provider';
import { connectClient, quietHome, until, type CoreClient } from './helpers/core-client';
import { makeRepo, removeDir, tempDir } from './helpers/repo';

const OWN_AGENT = resolve(__dirname, '..', 'out', 'main', 'agent.js');
const KEY = 'sk-endpoint-test-5e4d3c2b1a';

/** The request carried the real key in the header its client uses, and no agent token anywhere. */
function realKeyOnly(headers: Record<string, string>): boolean {
  const credential = headers['x-api-key'] ?? headers['x-goog-api-key'] ?? headers.authorization?.replace(/^Bearer /, '');
  return credential === KEY && !JSON.stringify(headers).includes('flotilla-local-');
}

describe('provider endpoints by base URL', () => {
  let fake: FakeProvider;
  let core: Core;
  let repoId: string;
  const dirs: string[] = [];
  const saved = { ...process.env };
  let client: CoreClient;
  const call = <T,>(method: string, params: unknown) => client.call<T>(method, params);
  const pane = (id: string) => client.pane(id);

  beforeAll(async () => {
    fake = await startFakeProvider({ apiKey: KEY });
    const home = quietHome('flotilla-endpoints-home-');
    const repo = makeRepo({ 'README.md': '# demo\n' });
    const dataDir = tempDir('flotilla-endpoints-data-');
    dirs.push(home, repo, dataDir);
    core = await Core.create({ dataDir, mode: 'web', version: 'test', ownAgentEntry: OWN_AGENT });
    client = connectClient(core);
    repoId = (await call<{ id: string }>('repos.open', { path: repo })).id;
  });

  afterAll(async () => {
    await core?.dispose();
    await fake?.close();
    process.env = saved;
    for (const d of dirs) removeDir(d);
  });

  /** Runs Flotilla's agent on `providerId` to one finished turn; returns the requests it made. */
  async function runOwnAgent(name: string, providerId: string, model: string) {
    fake.script([{ text: `Hello from ${name}.`, toolCalls: [{ name: 'finish', args: { summary: `${name} done.` } }] }]);
    const first = fake.requests.length;
    const a = await call<AgentInfo>('agents.create', { repoId, name, kind: 'flotilla', providerId, model, task: 'Say hello', permissionMode: 'full-auto' });
    await call('terminal.attach', { agentId: a.id });
    await until(() => pane(a.id).includes(`${name} done.`), () => `the agent to finish:\n${pane(a.id).slice(-2000)}`);
    await call('agents.stop', { agentId: a.id });
    return fake.requests.slice(first);
  }

  it('reaches an Anthropic-compatible endpoint added by base URL, with its key put on by the gateway', async () => {
    await call('providers.save', { id: 'claude-proxy', kind: 'anthropic', name: 'Claude proxy', baseUrl: fake.url, models: ['claude-x'] });
    await call('providers.setKey', { id: 'claude-proxy', key: KEY });
    const requests = await runOwnAgent('Anthro', 'claude-proxy', 'claude-x');
    expect(requests.map((q) => q.protocol)).toEqual(['anthropic']);
    expect(realKeyOnly(requests[0]!.headers)).toBe(true);
  });

  it('reaches a Gemini-compatible endpoint added by base URL', async () => {
    await call('providers.save', { id: 'gemini-proxy', kind: 'google', name: 'Gemini proxy', baseUrl: fake.url, models: ['gemini-x'] });
    await call('providers.setKey', { id: 'gemini-proxy', key: KEY });
    const requests = await runOwnAgent('Gem', 'gemini-proxy', 'gemini-x');
    expect(requests.map((q) => q.protocol)).toEqual(['gemini']);
    expect(realKeyOnly(requests[0]!.headers)).toBe(true);
  });

  it("moves a built-in provider to another base URL, with the vendor's key from the environment", async () => {
    process.env.ANTHROPIC_API_KEY = KEY;
    try {
      await call('providers.save', { id: 'anthropic', kind: 'anthropic', name: 'Anthropic', baseUrl: fake.url, models: ['claude-sonnet-4-5'] });
      const requests = await runOwnAgent('Builtin', 'anthropic', 'claude-sonnet-4-5');
      expect(realKeyOnly(requests[0]!.headers)).toBe(true);
    } finally {
      delete process.env.ANTHROPIC_API_KEY;
    }
  });

  it("passes the environment's vendor key to a CLI left on its own provider, as a token for the gateway", async () => {
    process.env.ANTHROPIC_API_KEY = KEY;
    process.env.ANTHROPIC_BASE_URL = fake.url;
    try {
      await call('catalog.saveCustom', {
        id: 'own-env',
        name: 'Own env',
        providerKind: 'anthropic',
        command:
          'echo "key=[$ANTHROPIC_API_KEY]"; ' +
          `curl -sS -o /dev/null -w "status=%{http_code}\\n" -H "x-api-key: $ANTHROPIC_API_KEY" -H "anthropic-version: 2023-06-01" "$ANTHROPIC_BASE_URL/v1/models"; sleep 30`,
      });
      const a = await call<AgentInfo>('agents.create', { repoId, name: 'OwnEnv', kind: 'cli', presetId: 'own-env' });
      await call('terminal.attach', { agentId: a.id });
      await until(() => /status=\d+/.test(pane(a.id)), () => `the probe:\n${pane(a.id)}`);
      expect(pane(a.id)).toMatch(/key=\[flotilla-local-[0-9a-f]{64}\]/);
      expect(pane(a.id)).toContain('status=200');
      await call('agents.stop', { agentId: a.id });
    } finally {
      delete process.env.ANTHROPIC_API_KEY;
      delete process.env.ANTHROPIC_BASE_URL;
    }
  });
});
