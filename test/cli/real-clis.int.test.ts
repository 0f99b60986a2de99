/**
 * The real coding CLIs, installed from npm for these tests, launched by Flotilla as agents in a
 * worktree PTY with their interactive TUI, against the fake provider on 127.0.0.1. Nothing is typed
 * into a TUI: onboarding, trust and auth prompts are pre-answered by the catalog's per-agent config.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core } from '../../src/main/core/index';
import { BRIDGE_PORT, detectSandbox } from '../../src/main/core/sandbox';
import type { AgentInfo, CatalogEntry, ChangeList, Result } from '../../src/shared/types';
import { startFakeProvider, type FakeProvider, type FakeTurn, type RecordedRequest } from '../fake-provider';
import { slugify, worktreeRoot } from '../../src/main/core/worktrees/naming';
import { makeRepo, removeDir, tempDir } from '../helpers/repo';
import { ensureTestClis, INSTALL_TIMEOUT_MS, TEST_CACHE, TEST_CLI_PREFIX, TEST_CLI_VERSIONS } from './install-clis';

const TEST_DATA_ROOT = join(TEST_CACHE, 'real-clis');

const KEY = 'test-key-for-real-clis-0123456789';
/** What a CLI holds instead of the key: its provider-gateway token, and the gateway's URL. */
const GATEWAY_KEY = /^flotilla-local-[0-9a-f]{64}$/;
const GATEWAY_URL = /^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{64}$/;

async function until(check: () => boolean, what: () => string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The pane's text without escape sequences, for failure messages. */
function plain(text: string): string {
  return text
    .replace(/\x1b\[[0-9;?<>=!]*[ -/]*[@-~]/g, ' ')
    .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '')
    .replace(/\x1b[()][A-Za-z0-9]/g, '')
    .replace(/\x1b[=>78MDEHc]/g, '')
    .replace(/[ \t]+/g, ' ');
}

/** The environment of the CLI process running in `cwd` (Linux /proc): what Flotilla really gave it. */
function processEnvIn(cwd: string): Record<string, string> {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`) !== cwd) continue;
      const env: Record<string, string> = {};
      for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
        const eq = entry.indexOf('=');
        if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
      }
      if (env.FLOTILLA_WORKTREE === cwd) return env;
    } catch {
      // The process went away or is not ours to read.
    }
  }
  throw new Error(`no process runs in ${cwd}`);
}

describe('real coding CLIs launched by Flotilla', () => {
  let fake: FakeProvider;
  let home: string;
  let dataDir: string;
  let core: Core;
  const saved = { ...process.env };
  const dirs: string[] = [];
  const agents = new Map<string, AgentInfo>();
  const history = new Map<string, string[]>();
  const output = new Map<string, string>();
  let call: <T>(method: string, params: unknown) => Promise<T>;

  beforeAll(async () => {
    const bin = await ensureTestClis();
    fake = await startFakeProvider({ apiKey: KEY });
    home = tempDir('flotilla-cli-home-');
    // Not under /tmp: Gemini CLI skips a settings file below a world-writable folder, and Codex
    // will not create its helpers there. A user's data dir lives in their home, as here.
    mkdirSync(TEST_DATA_ROOT, { recursive: true });
    dataDir = realpathSync(mkdtempSync(join(TEST_DATA_ROOT, 'data-')));
    dirs.push(home, dataDir);
    writeFileSync(join(home, '.bashrc'), "PS1='$ '\n");
    // The CLIs see only this home, never the machine's real one; catalog detection reads PATH.
    process.env.HOME = home;
    process.env.SHELL = '/bin/bash';
    process.env.PATH = `${bin}${delimiter}${saved.PATH ?? ''}`;
    const sandbox = await detectSandbox();
    expect(sandbox.available, sandbox.note).toBe(true);
    // With the network bridge: a confined CLI with a provider then reaches only that provider.
    const netBridgeEntry = resolve(__dirname, '../../out/main/netBridge.js');
    core = await Core.create({ dataDir, mode: 'web', version: 'test', netBridgeEntry: existsSync(netBridgeEntry) ? netBridgeEntry : null });
    let conn: ReturnType<Core['connect']>;
    conn = core.connect({
      event: (name, payload) => {
        if (name !== 'agents.changed') return;
        const a = payload as AgentInfo;
        agents.set(a.id, a);
        const seen = history.get(a.id) ?? [];
        if (a.activity && seen.at(-1) !== a.activity) seen.push(a.activity);
        history.set(a.id, seen);
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
  }, INSTALL_TIMEOUT_MS);

  afterAll(async () => {
    await core?.dispose();
    await fake?.close();
    process.env = saved;
    for (const d of dirs) removeDir(d);
  });

  /** Launches `presetId` on a fresh repository with `task`, then checks what a user would see. */
  async function runCli(opts: {
    presetId: string;
    provider: { kind: string; baseUrl: string; model?: string };
    permissionMode: 'auto-edit' | 'full-auto';
    task: string;
    file: string;
    content: string;
    /** The fake's script, given the worktree the agent will get (tools want absolute paths). */
    script: (worktreePath: string) => FakeTurn[];
    /** Text in a request that shows the CLI sent the tool's result back. */
    toolResult: string;
  }): Promise<{ env: Record<string, string>; requests: RecordedRequest[]; pane: string }> {
    const repo = makeRepo({ 'README.md': '# demo\n' });
    dirs.push(repo);
    const r = await call<{ id: string }>('repos.open', { path: repo });
    // An OpenAI-API server is the built-in OpenAI provider moved to another base URL.
    const providerId = opts.provider.kind === 'openai' ? 'openai' : `fake-${opts.presetId}`;
    await call('providers.save', {
      id: providerId,
      kind: opts.provider.kind,
      name: opts.provider.kind === 'openai' ? 'OpenAI' : `Fake for ${opts.presetId}`,
      baseUrl: opts.provider.baseUrl,
      models: opts.provider.model ? [opts.provider.model] : [],
    });
    await call('providers.setKey', { id: providerId, key: KEY });
    const name = opts.presetId;
    const expectedWorktree = join(worktreeRoot(dataDir, repo), slugify(name));
    fake.script(opts.script(expectedWorktree));
    const firstRequest = fake.requests.length;
    const a = await call<AgentInfo>('agents.create', {
      repoId: r.id,
      name,
      kind: 'cli',
      presetId: opts.presetId,
      providerId,
      model: opts.provider.model,
      permissionMode: opts.permissionMode,
      // Confined (bubblewrap): the CLI can write only its worktree, its git metadata and its state.
      confined: true,
      task: opts.task,
      cols: 120,
      rows: 40,
    });
    dirs.push(a.worktreePath);
    expect(a.worktreePath).toBe(expectedWorktree);
    expect(a.launch).toMatchObject({ presetId: opts.presetId, providerId, confined: true, network: 'provider' });
    await call('terminal.attach', { agentId: a.id });
    const requests = () => fake.requests.slice(firstRequest);
    const why = () =>
      `activity: ${history.get(a.id)}; requests: ${JSON.stringify(requests().map((q) => `${q.protocol} ${q.path}`))}; the pane shows:\n${plain(output.get(a.id) ?? '').slice(-3000)}`;

    const target = join(a.worktreePath, opts.file);
    await until(() => existsSync(target) && readFileSync(target, 'utf8') === opts.content, () => `${opts.file} in the worktree; ${why()}`);
    // The CLI took the tool result back to the model and finished its turn: no longer working.
    await until(() => requests().some((q) => JSON.stringify(q.body).includes(opts.toolResult)), () => `the tool result; ${why()}`);
    await until(() => ['idle', 'waiting'].includes(agents.get(a.id)?.activity ?? ''), () => `the agent to stop working; ${why()}`);
    expect(history.get(a.id)?.[0]).toBe('working');
    expect(agents.get(a.id)?.status).toBe('running');
    // Every model request came to the fake with this agent's key; the environment the CLI really
    // runs with carries its vendor's quiet/no-telemetry switches (checked per CLI below).
    const env = processEnvIn(a.worktreePath);
    // ...yet the CLI itself never held the key: only its gateway token (worthless elsewhere).
    expect(Object.entries(env).filter(([, v]) => v.includes(KEY))).toEqual([]);

    // Tokens the CLI recorded in its own session log (opencode: its database) reach the agent's usage.
    await until(() => (agents.get(a.id)?.usage?.inputTokens ?? 0) > 0, () => `usage from the CLI's own records; ${why()}`);

    const changes = await call<ChangeList>('changes.list', { agentId: a.id });
    expect(changes.files).toContainEqual(expect.objectContaining({ path: opts.file, additions: opts.content.split('\n').length - 1 }));
    await call('agents.stop', { agentId: a.id });
    return { env, requests: requests(), pane: plain(output.get(a.id) ?? '') };
  }

  it('lists the installed CLIs with their versions in the catalog', async () => {
    let entries = await call<CatalogEntry[]>('catalog.list', {});
    // A CLI slow to print its version (a busy machine) is listed without one until it answers.
    const ids = ['claude-code', 'codex', 'gemini', 'opencode'];
    const start = Date.now();
    while (ids.some((id) => entries.find((e) => e.id === id)?.version === null) && Date.now() - start < 120_000) {
      await new Promise((r) => setTimeout(r, 250));
      entries = await call<CatalogEntry[]>('catalog.list', {});
    }
    const byId = new Map(entries.map((e) => [e.id, e]));
    expect(byId.get('claude-code')).toMatchObject({ installed: true, version: TEST_CLI_VERSIONS['@anthropic-ai/claude-code'] });
    expect(byId.get('codex')).toMatchObject({ installed: true, version: TEST_CLI_VERSIONS['@openai/codex'] });
    expect(byId.get('gemini')).toMatchObject({ installed: true, version: TEST_CLI_VERSIONS['@google/gemini-cli'] });
    expect(byId.get('opencode')).toMatchObject({ installed: true, version: TEST_CLI_VERSIONS['opencode-ai'] });
  }, 150_000);

  it('Claude Code writes a file with its Write tool in its TUI; the diff shows it and it goes idle', async () => {
    const content = 'hello from claude\n';
    const { env, requests } = await runCli({
      presetId: 'claude-code',
      provider: { kind: 'anthropic', baseUrl: fake.url },
      permissionMode: 'auto-edit',
      task: 'Create hello.txt with a greeting',
      file: 'hello.txt',
      content,
      script: (wt) => [
        { when: '"Write"', text: 'Writing it.', toolCalls: [{ name: 'Write', args: { file_path: join(wt, 'hello.txt'), content } }] },
        { when: 'tool_result', text: 'Done.' },
      ],
      toolResult: 'tool_result',
    });
    expect(requests.every((q) => q.protocol === 'anthropic' && q.headers['x-api-key'] === KEY)).toBe(true);
    expect(env).toMatchObject({
      ANTHROPIC_API_KEY: expect.stringMatching(GATEWAY_KEY),
      ANTHROPIC_BASE_URL: expect.stringMatching(GATEWAY_URL),
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      DISABLE_AUTOUPDATER: '1',
    });
    expect(env.HOME).toBe(home);
    // Claude records the approved key's last 20 characters in its config: now the token's, not the key's.
    const config = readFileSync(join(env.CLAUDE_CONFIG_DIR!, '.claude.json'), 'utf8');
    expect(JSON.parse(config).customApiKeyResponses.approved).toEqual([env.ANTHROPIC_API_KEY!.slice(-20)]);
    expect(config).not.toContain(KEY.slice(-20));
  }, 120_000);

  it('Codex runs a command that writes a file in its TUI; the diff shows it and it goes idle', async () => {
    const content = 'hello from codex\n';
    const { env, requests } = await runCli({
      presetId: 'codex',
      provider: { kind: 'openai', baseUrl: `${fake.url}/v1`, model: 'gpt-5' },
      permissionMode: 'full-auto',
      task: 'Create hello.txt with a greeting',
      file: 'hello.txt',
      content,
      script: (wt) => [
        { when: '"exec_command"', text: 'Writing it.', toolCalls: [{ name: 'exec_command', args: { cmd: "printf 'hello from codex\\n' > hello.txt", workdir: wt } }] },
        { when: 'function_call_output', text: 'Done.' },
      ],
      toolResult: 'function_call_output',
    });
    expect(requests.every((q) => q.protocol === 'openai-responses' && q.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(env.CODEX_HOME?.startsWith(dataDir)).toBe(true);
    expect(env.HOME).toBe(home);
  }, 120_000);

  it('Gemini CLI writes a file with its write_file tool in its TUI; the diff shows it and it goes idle', async () => {
    const content = 'hello from gemini\n';
    const { env, requests, pane } = await runCli({
      presetId: 'gemini',
      provider: { kind: 'google', baseUrl: fake.url },
      permissionMode: 'auto-edit',
      task: 'Create hello.txt with a greeting',
      file: 'hello.txt',
      content,
      script: (wt) => [
        { when: 'write_file', text: 'Writing it.', toolCalls: [{ name: 'write_file', args: { file_path: join(wt, 'hello.txt'), content } }] },
        { when: 'functionResponse', text: 'Done.' },
      ],
      toolResult: 'functionResponse',
    });
    expect(requests.every((q) => q.protocol === 'gemini' && q.headers['x-goog-api-key'] === KEY)).toBe(true);
    expect(env).toMatchObject({ GEMINI_API_KEY: expect.stringMatching(GATEWAY_KEY), GOOGLE_GEMINI_BASE_URL: expect.stringMatching(GATEWAY_URL) });
    // Its settings layer (auth type, hooks, no usage statistics) was read, not skipped as insecure.
    const settings = JSON.parse(readFileSync(env.GEMINI_CLI_SYSTEM_SETTINGS_PATH!, 'utf8'));
    expect(settings.privacy.usageStatisticsEnabled).toBe(false);
    expect(pane).not.toContain('Skipping system settings');
    expect(env.HOME).toBe(home);
  }, 120_000);

  it('opencode writes a file with its write tool in its TUI; the diff shows it and it goes idle', async () => {
    const content = 'hello from opencode\n';
    const { env, requests } = await runCli({
      presetId: 'opencode',
      provider: { kind: 'openai-compatible', baseUrl: `${fake.url}/v1`, model: 'fake-model' },
      permissionMode: 'auto-edit',
      task: 'Create hello.txt with a greeting',
      file: 'hello.txt',
      content,
      script: (wt) => [
        { when: '"name":"write"', text: 'Writing it.', toolCalls: [{ name: 'write', args: { filePath: join(wt, 'hello.txt'), content } }] },
        { when: '"role":"tool"', text: 'Done.' },
      ],
      toolResult: '"role":"tool"',
    });
    expect(requests.every((q) => q.protocol === 'openai-chat' && q.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(env).toMatchObject({ OPENCODE_DISABLE_AUTOUPDATE: '1', OPENCODE_DISABLE_MODELS_FETCH: '1', OPENCODE_DISABLE_SHARE: '1', OPENCODE_DISABLE_LSP_DOWNLOAD: '1' });
    expect(env.HOME).toBe(home);
  }, 120_000);
});
