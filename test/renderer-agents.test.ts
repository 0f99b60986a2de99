import { describe, expect, it } from 'vitest';
import {
  attentionItems,
  attentionMessage,
  attentionTransition,
  effectiveActivity,
  nextAttentionId,
  shouldNotify,
} from '../src/renderer/features/attention/attention';
import {
  createParams,
  defaultConfined,
  defaultPresetId,
  defaultProviderId,
  launchFormError,
  permissionModesFor,
  presetLabel,
  providerLabel,
  providersForPreset,
  type LaunchForm,
} from '../src/renderer/features/agents/launch-options';
import {
  isHttpUrl,
  isPlaintextRefusal,
  isValidId,
  keySourceLabel,
  parseModelList,
  parsePrice,
  providerIdFromName,
  isBuiltinProvider,
  kindLabel,
  parseNameList,
} from '../src/renderer/features/settings/settings-logic';
import { baseUrlProblem } from '../src/shared/base-url';
import { activityLabel, formatTokens, formatUsage, formatUsd } from '../src/renderer/features/common/format';
import { throttle } from '../src/renderer/features/common/throttle';
import type { AgentInfo, CatalogEntry, ProviderInfo, SandboxInfo } from '../src/shared/types';

function agent(id: string, over: Partial<AgentInfo> = {}): AgentInfo {
  return {
    id,
    repoId: 'r1',
    name: `agent ${id}`,
    slug: id,
    branch: `flotilla/${id}`,
    baseRef: 'main',
    baseIsBranch: true,
    baseSha: 'abc',
    kind: 'cli',
    command: null,
    task: null,
    worktreePath: `/tmp/${id}`,
    status: 'running',
    exitCode: null,
    missing: false,
    diffStat: null,
    merged: false,
    createdAt: 1,
    launch: null,
    activity: 'working',
    usage: null,
    ...over,
  };
}

function entry(id: string, over: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    id,
    name: id,
    command: id,
    installed: true,
    version: '1.0.0',
    installHint: `npm i -g ${id}`,
    providerKind: null,
    permissionModes: ['ask', 'auto-edit', 'full-auto'],
    supportsResume: false,
    hasStatusHooks: false,
    custom: false,
    ...over,
  };
}

function provider(id: string, over: Partial<ProviderInfo> = {}): ProviderInfo {
  return { id, kind: 'openai', name: id, baseUrl: null, models: [], hasKey: true, keySource: 'env', ...over };
}

describe('attention', () => {
  it('lists waiting and failed agents always, and exited ones only until the user has seen them', () => {
    const byId = {
      a: agent('a', { activity: 'working' }),
      b: agent('b', { activity: 'waiting' }),
      c: agent('c', { activity: 'exited', status: 'exited', exitCode: 0 }),
      d: agent('d', { activity: 'failed', status: 'exited', exitCode: 1 }),
      e: agent('e', { activity: 'idle' }),
    };
    const order = ['a', 'b', 'c', 'd', 'e'];
    expect(attentionItems(order, byId, {})).toEqual([
      { agentId: 'b', reason: 'waiting' },
      { agentId: 'd', reason: 'failed' },
    ]);
    expect(attentionItems(order, byId, { c: true }).map((i) => i.agentId)).toEqual(['b', 'c', 'd']);
  });

  it('never counts an idle shell or command as needing the user, only one that ended', () => {
    const byId = {
      s1: agent('s1', { kind: 'shell', activity: 'idle' }),
      // An older core called every quiet shell "waiting".
      s2: agent('s2', { kind: 'shell', activity: 'waiting' }),
      c1: agent('c1', { kind: 'command', activity: 'waiting' }),
      s3: agent('s3', { kind: 'shell', activity: 'failed', status: 'exited', exitCode: 1 }),
      cli: agent('cli', { kind: 'cli', activity: 'waiting' }),
      own: agent('own', { kind: 'flotilla', activity: 'waiting' }),
    };
    expect(attentionItems(Object.keys(byId), byId, {})).toEqual([
      { agentId: 's3', reason: 'failed' },
      { agentId: 'cli', reason: 'waiting' },
      { agentId: 'own', reason: 'waiting' },
    ]);
    expect(effectiveActivity(byId.s2)).toBe('idle');
    expect(attentionTransition({ ...byId.s1, activity: 'working' }, byId.s2)).toBeNull();
  });

  it('derives exited or failed from the process when the core reports no activity', () => {
    expect(effectiveActivity(agent('a', { activity: null, status: 'exited', exitCode: 2 }))).toBe('failed');
    expect(effectiveActivity(agent('a', { activity: null, status: 'exited', exitCode: 0 }))).toBe('exited');
    expect(effectiveActivity(agent('a', { activity: null, status: 'stopped' }))).toBe('exited');
    expect(effectiveActivity(agent('a', { activity: null, status: 'running' }))).toBeNull();
    expect(effectiveActivity(agent('a', { activity: 'idle', status: 'running' }))).toBe('idle');
  });

  it('reports a transition only when the activity changes to waiting, exited or failed', () => {
    const working = agent('a', { activity: 'working' });
    expect(attentionTransition(working, { ...working, activity: 'waiting' })).toBe('waiting');
    expect(attentionTransition(working, { ...working, activity: 'failed' })).toBe('failed');
    expect(attentionTransition({ ...working, activity: 'waiting' }, { ...working, activity: 'waiting', diffStat: { files: 1, additions: 1, deletions: 0 } })).toBeNull();
    expect(attentionTransition({ ...working, activity: 'waiting' }, working)).toBeNull();
    expect(attentionTransition(working, { ...working, activity: 'idle' })).toBeNull();
    // A shell agent whose process exits, with no activity from the core.
    const shell = agent('s', { kind: 'shell', activity: null });
    expect(attentionTransition(shell, { ...shell, status: 'exited', exitCode: 0 })).toBe('exited');
    // First sight of an agent (fleet loaded, agent created) is never a transition.
    expect(attentionTransition(undefined, { ...working, activity: 'waiting' })).toBeNull();
  });

  it('jumps to the next agent needing attention after the focused pane, wrapping around', () => {
    const order = ['a', 'b', 'c', 'd'];
    const items = [
      { agentId: 'b', reason: 'waiting' as const },
      { agentId: 'd', reason: 'failed' as const },
    ];
    expect(nextAttentionId(order, items, null)).toBe('b');
    expect(nextAttentionId(order, items, 'b')).toBe('d');
    expect(nextAttentionId(order, items, 'c')).toBe('d');
    expect(nextAttentionId(order, items, 'd')).toBe('b');
    expect(nextAttentionId(order, [items[0]], 'b')).toBe('b');
    expect(nextAttentionId(order, [], 'a')).toBeNull();
  });

  it('notifies only when allowed, and never for the pane the user is looking at', () => {
    expect(shouldNotify('a', { allowed: false, windowFocused: false, focusedAgentId: null })).toBe(false);
    expect(shouldNotify('a', { allowed: true, windowFocused: true, focusedAgentId: 'a' })).toBe(false);
    expect(shouldNotify('a', { allowed: true, windowFocused: false, focusedAgentId: 'a' })).toBe(true);
    expect(shouldNotify('a', { allowed: true, windowFocused: true, focusedAgentId: 'b' })).toBe(true);
    expect(attentionMessage('fix-login', 'waiting').title).toBe('fix-login is waiting for you');
  });
});

describe('usage text', () => {
  it('formats tokens compactly and cost in dollars', () => {
    expect(formatTokens(950)).toBe('950');
    expect(formatTokens(12_345)).toBe('12.3k');
    expect(formatTokens(12_000)).toBe('12k');
    expect(formatTokens(250_400)).toBe('250k');
    expect(formatTokens(4_120_000)).toBe('4.1M');
    expect(formatUsd(0.0412)).toBe('$0.04');
    expect(formatUsd(0.0004)).toBe('$0.0004');
    expect(formatUsd(0)).toBe('$0.00');
  });

  it('shows `12.3k tok · $0.04`, tokens alone without a price, nothing without usage', () => {
    expect(formatUsage({ inputTokens: 10_000, outputTokens: 2_300, costUsd: 0.04 })).toBe('12.3k tok · $0.04');
    expect(formatUsage({ inputTokens: 500, outputTokens: 20, costUsd: null })).toBe('520 tok');
    expect(formatUsage(null)).toBeNull();
    expect(activityLabel('waiting')).toBe('waiting for you');
  });
});

describe('new-agent launch options', () => {
  const sandbox: SandboxInfo = { available: true, mechanism: 'bubblewrap', note: '' };
  const form: LaunchForm = {
    repoId: 'r1',
    name: ' fix ',
    base: 'main',
    kind: 'cli',
    command: 'ignored',
    task: '',
    presetId: 'claude-code',
    providerId: '',
    model: '',
    permissionMode: 'auto-edit',
    confined: true,
    network: 'off',
    cols: 80,
    rows: 24,
  };

  it('labels catalog entries with their version or how to install them, and starts on an installed one', () => {
    expect(presetLabel(entry('claude', { name: 'Claude Code', version: '2.1.3' }))).toBe('Claude Code — 2.1.3');
    expect(presetLabel(entry('aider', { name: 'Aider', installed: false, version: null, installHint: 'pipx install aider-chat' }))).toBe(
      'Aider — not installed — pipx install aider-chat',
    );
    expect(defaultPresetId([entry('a', { installed: false }), entry('b'), entry('c')])).toBe('b');
    expect(defaultPresetId([entry('a', { installed: false })])).toBe('');
  });

  it('marks providers without a key and prefers one with a key', () => {
    expect(providerLabel(provider('ollama', { name: 'Ollama', hasKey: false, keySource: null }))).toBe('Ollama — no key');
    expect(providerLabel(provider('openai', { name: 'OpenAI' }))).toBe('OpenAI');
    expect(defaultProviderId([provider('x', { hasKey: false }), provider('y')])).toBe('y');
    expect(defaultProviderId([provider('x', { hasKey: false })])).toBe('x');
    expect(defaultProviderId([])).toBe('');
  });

  it('offers a CLI only providers of its kind, plus OpenAI-compatible endpoints for OpenAI CLIs', () => {
    const providers = [
      provider('openai'),
      provider('anthropic', { kind: 'anthropic' }),
      provider('ollama', { kind: 'openai-compatible' }),
    ];
    expect(providersForPreset(entry('codex', { providerKind: 'openai' }), providers).map((p) => p.id)).toEqual(['openai', 'ollama']);
    expect(providersForPreset(entry('claude', { providerKind: 'anthropic' }), providers).map((p) => p.id)).toEqual(['anthropic']);
    expect(providersForPreset(entry('plain'), providers)).toEqual([]);
  });

  it('confines by default only for modes that act without asking, and only with a sandbox', () => {
    expect(defaultConfined('ask', sandbox)).toBe(false);
    expect(defaultConfined('auto-edit', sandbox)).toBe(true);
    expect(defaultConfined('full-auto', sandbox)).toBe(true);
    expect(defaultConfined('full-auto', { available: false, mechanism: null, note: 'bubblewrap is not installed' })).toBe(false);
    expect(defaultConfined('full-auto', null)).toBe(false);
    // Flotilla's agent is confined wherever a sandbox exists, in ask mode too.
    expect(defaultConfined('ask', sandbox, 'flotilla')).toBe(true);
    expect(defaultConfined('ask', sandbox, 'cli')).toBe(false);
    expect(defaultConfined('ask', null, 'flotilla')).toBe(false);
  });

  it("offers a CLI's own permission modes and all three for Flotilla's agent", () => {
    const limited = entry('aider', { permissionModes: ['ask', 'full-auto'] });
    expect(permissionModesFor('cli', limited)).toEqual(['ask', 'full-auto']);
    expect(permissionModesFor('flotilla', limited)).toEqual(['ask', 'auto-edit', 'full-auto']);
  });

  it('says what is missing before creating', () => {
    const catalog = [entry('claude-code'), entry('aider', { name: 'Aider', installed: false, installHint: 'pipx install aider-chat' })];
    expect(launchFormError(form, catalog)).toBeNull();
    expect(launchFormError({ ...form, presetId: '' }, catalog)).toBe('Pick a coding CLI.');
    expect(launchFormError({ ...form, presetId: 'aider' }, catalog)).toMatch(/Aider is not installed\. pipx install aider-chat/);
    expect(launchFormError({ ...form, kind: 'flotilla', providerId: '' }, catalog)).toMatch(/Pick a provider/);
    expect(launchFormError({ ...form, kind: 'flotilla', providerId: 'openai', model: ' ' }, catalog)).toMatch(/model/);
    expect(launchFormError({ ...form, kind: 'command', command: '  ' }, catalog)).toMatch(/command/);
    expect(launchFormError({ ...form, kind: 'shell' }, catalog)).toBeNull();
  });

  it('sends the launch fields for cli and flotilla agents and only the old ones for a shell', () => {
    expect(createParams(form)).toEqual({
      repoId: 'r1',
      name: 'fix',
      base: 'main',
      kind: 'cli',
      task: undefined,
      cols: 80,
      rows: 24,
      presetId: 'claude-code',
      permissionMode: 'auto-edit',
      confined: true,
      network: 'off',
    });
    const flotilla = createParams({ ...form, kind: 'flotilla', providerId: 'ollama', model: ' llama3.1 ', confined: false, task: 'Do it' });
    expect(flotilla).toMatchObject({ kind: 'flotilla', providerId: 'ollama', model: 'llama3.1', confined: false, task: 'Do it' });
    expect(flotilla).not.toHaveProperty('network');
    expect(flotilla).not.toHaveProperty('presetId');
    const shell = createParams({ ...form, kind: 'shell', confined: false });
    expect(Object.keys(shell).sort()).toEqual(['base', 'cols', 'kind', 'name', 'repoId', 'rows', 'task']);
    // A confined shell: offline unless its network is switched on ('provider only' needs a provider).
    expect(createParams({ ...form, kind: 'shell', confined: true, network: 'provider' })).toMatchObject({ confined: true, network: 'off' });
    expect(createParams({ ...form, kind: 'command', command: 'x', confined: true, network: 'on' })).toMatchObject({ confined: true, network: 'on' });
    expect(defaultConfined('full-auto', sandbox, 'shell')).toBe(false);
    expect(createParams({ ...form, kind: 'command', command: ' make test ' }).command).toBe('make test');
  });
});

describe('settings helpers', () => {
  it('says where a key comes from without ever showing it', () => {
    expect(keySourceLabel(provider('a', { keySource: 'env' }))).toBe('key from env');
    expect(keySourceLabel(provider('a', { keySource: 'keychain' }))).toBe('key from keychain');
    expect(keySourceLabel(provider('a', { hasKey: false, keySource: null }))).toBe('no key');
  });

  it('parses a comma-separated model list and derives a provider id from its name', () => {
    expect(parseModelList(' llama3.1, qwen2.5-coder,, llama3.1 ')).toEqual(['llama3.1', 'qwen2.5-coder']);
    expect(parseModelList('')).toEqual([]);
    expect(providerIdFromName('LM Studio (laptop)')).toBe('lm-studio-laptop');
    expect(providerIdFromName('  ')).toBe('');
    expect(isValidId(providerIdFromName('A'.repeat(60)))).toBe(true);
    expect(isValidId('-bad')).toBe(false);
    expect(isValidId('my-cli')).toBe(true);
  });

  it('recognises the refusal to store a key in plain text, and nothing else', () => {
    expect(isPlaintextRefusal({ code: 'unsupported', message: 'Only plain text storage (basic_text) is available.' })).toBe(true);
    expect(isPlaintextRefusal({ code: 'unsupported', message: 'No keychain.', details: { needsPlaintextConsent: true } })).toBe(true);
    expect(isPlaintextRefusal({ code: 'unsupported', message: 'This part of Flotilla is not available in this build yet.' })).toBe(false);
    expect(isPlaintextRefusal({ code: 'invalid-params', message: 'plain text' })).toBe(false);
  });

  it('accepts prices as non-negative numbers of dollars and http(s) base URLs only', () => {
    expect(parsePrice('2.5')).toBe(2.5);
    expect(parsePrice('$3')).toBe(3);
    expect(parsePrice('.5')).toBe(0.5);
    expect(parsePrice('0')).toBe(0);
    expect(parsePrice('-1')).toBeNull();
    expect(parsePrice('abc')).toBeNull();
    expect(parsePrice('')).toBeNull();
    expect(isHttpUrl('http://127.0.0.1:11434/v1')).toBe(true);
    expect(isHttpUrl('file:///etc/passwd')).toBe(false);
    expect(isHttpUrl('localhost:1234')).toBe(false);
  });

  it('says a malformed provider URL is malformed, and only an empty one is empty', () => {
    expect(baseUrlProblem('http://127.0.0.1:11434/v1')).toBeNull();
    expect(baseUrlProblem('')).toMatch(/^Enter the base URL/);
    expect(baseUrlProblem('   ')).toMatch(/^Enter the base URL/);
    for (const bad of ['localhost:11434/v1', '127.0.0.1:11434', 'not a url', 'http//127.0.0.1/v1']) {
      expect(baseUrlProblem(bad), bad).toMatch(new RegExp(`^"${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" is not a full URL: start it with http:// or https://`));
    }
    expect(baseUrlProblem('http://exa mple.com/v1')).toMatch(/is not a valid URL/);
    expect(baseUrlProblem('ftp://host/v1')).toMatch(/must start with http:\/\/ or https:\/\/ \(got ftp:\/\/\)/);
    expect(baseUrlProblem('http://me:secret@host/v1')).toMatch(/must not contain a user name or password/);
  });
});

describe('throttle', () => {
  it('runs at once, collapses calls within the interval into one trailing call, then rests', () => {
    const queued: Array<() => void> = [];
    const timers = { set: (fn: () => void) => queued.push(fn), clear: () => queued.splice(0) };
    let runs = 0;
    const t = throttle(() => runs++, 2000, timers);
    t();
    expect(runs).toBe(1);
    t();
    t();
    t();
    expect(runs).toBe(1);
    queued.shift()!();
    expect(runs).toBe(2);
    // The trailing call opened a new interval; with nothing pending it ends quietly.
    queued.shift()!();
    expect(runs).toBe(2);
    expect(queued).toHaveLength(0);
    t();
    expect(runs).toBe(3);
    t();
    t.dispose();
    expect(queued).toHaveLength(0);
    expect(runs).toBe(3);
  });
});

describe('settings: endpoints and passed variables', () => {
  it('says why a base URL cannot be saved: empty, or not http(s)', () => {
    expect(baseUrlProblem('')).toMatch(/^Enter the base URL/);
    expect(baseUrlProblem('localhost:4000')).toMatch(/^"localhost:4000" is not a full URL/);
    expect(baseUrlProblem(' http://127.0.0.1:4000 ')).toBeNull();
  });

  it('labels a user-added Anthropic or Gemini endpoint as compatible, and a built-in by its kind', () => {
    expect(kindLabel({ id: 'anthropic', kind: 'anthropic' })).toBe('anthropic');
    expect(kindLabel({ id: 'proxy', kind: 'anthropic' })).toBe('anthropic-compatible');
    expect(kindLabel({ id: 'gem', kind: 'google' })).toBe('gemini-compatible');
    expect(isBuiltinProvider({ id: 'google' })).toBe(true);
    expect(isBuiltinProvider({ id: 'ollama' })).toBe(false);
  });

  it('reads variable names separated by commas or spaces, once each', () => {
    expect(parseNameList(' SSH_AUTH_SOCK, HTTPS_PROXY  GH_TOKEN,,SSH_AUTH_SOCK ')).toEqual(['SSH_AUTH_SOCK', 'HTTPS_PROXY', 'GH_TOKEN']);
  });
});
