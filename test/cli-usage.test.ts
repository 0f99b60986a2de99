import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCliLaunch, CLI_PRESETS } from '../src/main/core/catalog';
import {
  CliUsageWatcher,
  newCodexFileState,
  parseClaudeLine,
  parseCodexLine,
  usageDirsFor,
  type CliUsage,
} from '../src/main/core/status';
import { removeDir, tempDir } from './helpers/repo';

const FIXTURES = join(__dirname, 'fixtures', 'cli-usage');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

const FIRST = { inputTokens: 1111, outputTokens: 22 };
const SECOND = { inputTokens: 3333, outputTokens: 44 };

const dirs: string[] = [];
const watchers: CliUsageWatcher[] = [];
afterEach(() => {
  for (const w of watchers.splice(0)) w.dispose();
  for (const d of dirs.splice(0)) removeDir(d);
});

function home(): string {
  const dir = tempDir('flotilla-cli-usage-');
  dirs.push(dir);
  return dir;
}

function watcher(presetId: string, homes: string[], pollMs?: number): { w: CliUsageWatcher; seen: CliUsage[] } {
  const seen: CliUsage[] = [];
  const w = new CliUsageWatcher({ presetId, dirs: homes, onUsage: (u) => seen.push(u), pollMs });
  watchers.push(w);
  return { w, seen };
}

function put(file: string, content: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, content);
}

const claudeFile = (h: string, session = 'session-1') => join(h, 'projects', '-home-user-worktree', `${session}.jsonl`);
const codexFile = (h: string, name = 'rollout-2026-11-24T08-22-45-a.jsonl') => join(h, 'sessions', '2026', '11', '24', name);

/** An assistant line in the shape Claude Code writes, for cases the fake cannot produce (cache tokens, errors). */
function claudeAssistant(id: string, model: string, usage: Record<string, number>): string {
  return JSON.stringify({
    type: 'assistant',
    uuid: `uuid-${id}`,
    message: { id, type: 'message', role: 'assistant', model, content: [{ type: 'text', text: 'x' }], stop_reason: 'end_turn', usage },
  });
}

describe('Claude Code transcripts', () => {
  it('counts each message once although a reply with text and a tool call is written as two lines', async () => {
    const text = fixture('claude-session.jsonl');
    const parsed = text.split('\n').map(parseClaudeLine).filter((p) => p !== null);
    expect(parsed).toHaveLength(3);
    expect(parsed[0]!.id).toBe(parsed[1]!.id);

    const h = home();
    put(claudeFile(h), text);
    const { w, seen } = watcher('claude-code', [h]);
    await w.flush();
    expect(seen).toEqual([
      { model: 'claude-opus-4-8', ...FIRST },
      { model: 'claude-opus-4-8', ...SECOND },
    ]);
  });

  it('counts cache creation and cache reads as input, and skips synthetic error replies', () => {
    const line = claudeAssistant('msg_1', 'claude-sonnet-4-5', {
      input_tokens: 10,
      cache_creation_input_tokens: 200,
      cache_read_input_tokens: 3000,
      output_tokens: 7,
    });
    expect(parseClaudeLine(line)?.usage).toEqual({ model: 'claude-sonnet-4-5', inputTokens: 3210, outputTokens: 7 });
    expect(parseClaudeLine(claudeAssistant('msg_2', '<synthetic>', { input_tokens: 0, output_tokens: 0 }))).toBeNull();
    expect(parseClaudeLine('{"type":"user","message":{"role":"user","content":"usage"}}')).toBeNull();
    expect(parseClaudeLine('{"type":"assistant","usage": broken')).toBeNull();
  });

  it('reads subagent transcripts in folders below the session', async () => {
    const h = home();
    put(join(h, 'projects', '-home-user-worktree', 'session-1', 'subagents', 'agent-a.jsonl'), `${claudeAssistant('msg_sub', 'claude-haiku-4-5', { input_tokens: 5, output_tokens: 6 })}\n`);
    const { w, seen } = watcher('claude-code', [h]);
    await w.flush();
    expect(seen).toEqual([{ model: 'claude-haiku-4-5', inputTokens: 5, outputTokens: 6 }]);
  });
});

describe('Codex rollouts', () => {
  it('counts each response of token_usage_record once, with the model of its turn, and ignores the duplicate token_count events', async () => {
    const h = home();
    put(codexFile(h), fixture('codex-rollout.jsonl'));
    const { w, seen } = watcher('codex', [h]);
    await w.flush();
    expect(seen).toEqual([
      { model: 'gpt-5', ...FIRST },
      { model: 'gpt-5', ...SECOND },
    ]);
  });

  it('falls back to token_count events in rollouts without usage records, counting a repeated count once', () => {
    const lines = fixture('codex-rollout.jsonl')
      .split('\n')
      .filter((l) => !l.includes('"token_usage_record"'));
    const counts = lines.filter((l) => l.includes('"token_count"'));
    expect(counts).toHaveLength(2);
    // Codex re-emits the last count (e.g. on a rate-limit update): same running total.
    lines.push(counts[1]!);
    const state = newCodexFileState();
    const usages = lines.map((l) => parseCodexLine(l, state)).filter((p) => p !== null).map((p) => p.usage);
    expect(usages).toEqual([
      { model: 'gpt-5', ...FIRST },
      { model: 'gpt-5', ...SECOND },
    ]);
  });
});

describe('Gemini CLI chats', () => {
  it('counts each reply once although its record is written again with the tool call', async () => {
    const h = home();
    put(join(h, '.gemini', 'tmp', 'worktree', 'chats', 'session-2026-11-24T08-22-7ecce12a.jsonl'), fixture('gemini-session.jsonl'));
    const { w, seen } = watcher('gemini', [h]);
    await w.flush();
    expect(seen).toEqual([
      { model: 'gemini-3.1-pro-preview', ...FIRST },
      { model: 'gemini-3.1-pro-preview', ...SECOND },
    ]);
  });
});

describe('CliUsageWatcher', () => {
  it('waits for a line to be complete and picks up session files that appear later', async () => {
    const h = home();
    // Split the rollout after the first response's token_count.
    const lines = fixture('codex-rollout.jsonl').trimEnd().split('\n');
    const split = lines.findIndex((l) => l.includes('"token_count"')) + 1;
    const first = lines.slice(0, split);
    const second = lines.slice(split);
    const file = codexFile(h);
    const tail = `${second.join('\n')}\n`;
    const cut = tail.indexOf('"token_usage_record"') + 10;
    put(file, `${first.join('\n')}\n`);
    const { w, seen } = watcher('codex', [h]);
    await w.flush();
    expect(seen).toEqual([{ model: 'gpt-5', ...FIRST }]);

    appendFileSync(file, tail.slice(0, cut));
    await w.flush();
    expect(seen).toHaveLength(1);
    appendFileSync(file, tail.slice(cut));
    await w.flush();
    expect(seen).toEqual([
      { model: 'gpt-5', ...FIRST },
      { model: 'gpt-5', ...SECOND },
    ]);

    put(codexFile(h, 'rollout-2026-11-24T09-00-00-b.jsonl'), `${first.join('\n').replaceAll('resp_', 'resp_b_')}\n`);
    await w.flush();
    expect(seen).toHaveLength(3);
  });

  it('polls on its own once started', async () => {
    const h = home();
    const { w, seen } = watcher('claude-code', [h], 20);
    w.start();
    put(claudeFile(h), fixture('claude-session.jsonl'));
    const start = Date.now();
    while (seen.length < 2 && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(seen).toHaveLength(2);
  });

  it('counts nothing twice after a restart, nor history copied into a new session file', async () => {
    const h = home();
    const file = claudeFile(h);
    put(file, fixture('claude-session.jsonl'));
    const one = watcher('claude-code', [h]);
    await one.w.flush();
    expect(one.seen).toHaveLength(2);
    one.w.dispose();
    expect(existsSync(join(h, '.flotilla-usage.json'))).toBe(true);

    appendFileSync(file, `${claudeAssistant('msg_new', 'claude-opus-4-8', { input_tokens: 1, output_tokens: 2 })}\n`);
    put(claudeFile(h, 'session-2'), fixture('claude-session.jsonl'));
    const two = watcher('claude-code', [h]);
    await two.w.flush();
    expect(two.seen).toEqual([{ model: 'claude-opus-4-8', inputTokens: 1, outputTokens: 2 }]);
  });

  it('reports nothing for presets whose CLI records no usage it can read', async () => {
    const h = home();
    put(claudeFile(h), fixture('claude-session.jsonl'));
    const { w, seen } = watcher('aider', [h]);
    w.start();
    await w.flush();
    expect(seen).toEqual([]);
    expect(usageDirsFor('aider', h)).toEqual([]);
    expect(usageDirsFor('opencode', h)).toEqual([]);
  });
});

describe('usageDirsFor', () => {
  it('names the config homes buildCliLaunch gives Claude Code and Codex', () => {
    const stateDir = '/data/agents/a1';
    const launch = (id: string) =>
      buildCliLaunch(CLI_PRESETS.find((p) => p.id === id)!, {
        task: 'x',
        permissionMode: 'auto-edit',
        resume: false,
        stateDir,
        reportFile: join(stateDir, 'report.jsonl'),
        provider: { kind: id === 'codex' ? 'openai' : 'anthropic', baseUrl: 'http://127.0.0.1:1', key: 'k', model: null },
      });
    expect(usageDirsFor('claude-code', stateDir)).toEqual([launch('claude-code').env.CLAUDE_CONFIG_DIR]);
    expect(usageDirsFor('codex', stateDir)).toEqual([launch('codex').env.CODEX_HOME]);
  });
});

describe('opencode usage', () => {
  it('counts a finished assistant message with cache and reasoning tokens, and nothing else', async () => {
    const { parseOpencodeMessage } = await import('../src/main/core/status');
    const done = { role: 'assistant', modelID: 'gpt-4.1', time: { created: 1, completed: 2 }, tokens: { input: 100, output: 20, reasoning: 5, cache: { read: 30, write: 7 } } };
    expect(parseOpencodeMessage(JSON.stringify(done))).toEqual({ model: 'gpt-4.1', inputTokens: 137, outputTokens: 25 });
    expect(parseOpencodeMessage(JSON.stringify({ ...done, time: { created: 1 } }))).toBeNull();
    expect(parseOpencodeMessage(JSON.stringify({ role: 'user', time: { completed: 2 }, tokens: { input: 5 } }))).toBeNull();
    expect(parseOpencodeMessage('not json')).toBeNull();
  });
});
