import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readAgentConfig } from '../src/main/core/own-agent/config';
import { LineInput } from '../src/main/core/own-agent/input';
import { formatToolCall, makeStyle, shortArgs } from '../src/main/core/own-agent/render';
import {
  MAX_RETRY_AFTER_MS,
  ProviderFailure,
  RetryExhausted,
  backoffDelayMs,
  classifyProviderError,
  describeFailure,
  parseRetryAfter,
  toAnthropicMessages,
  toGeminiContents,
  toOpenAiMessages,
  withRetry,
  type ChatMessage,
} from '../src/main/core/models';
import { TOOL_SPECS, validateArgs } from '../src/main/core/own-agent/tool-specs';
import { stripAnsi } from '../src/main/core/own-agent/run-command';
import { globToRegExp } from '../src/main/core/own-agent/search-files';
import { countOccurrences } from '../src/main/core/own-agent/tools';

const httpError = (status: number, headers: Record<string, string> = {}) => Object.assign(new Error(`HTTP ${status}`), { status, headers: new Headers(headers) });

describe('retry policy', () => {
  it('classifies SDK errors by status: 401/403 auth, 429 rate limit, 5xx server, 400 rejected, no status network', () => {
    expect(classifyProviderError(httpError(401)).kind).toBe('auth');
    expect(classifyProviderError(httpError(403)).kind).toBe('auth');
    expect(classifyProviderError(httpError(429)).kind).toBe('rate-limit');
    expect(classifyProviderError(httpError(503)).kind).toBe('server');
    expect(classifyProviderError(httpError(400)).kind).toBe('rejected');
    expect(classifyProviderError(new TypeError('fetch failed')).kind).toBe('network');
  });

  it('reads retry-after in seconds, milliseconds and as a date', () => {
    expect(classifyProviderError(httpError(429, { 'retry-after': '2' })).retryAfterMs).toBe(2000);
    expect(parseRetryAfter('150', '9')).toBe(150);
    expect(parseRetryAfter(null, new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter(null, 'soon')).toBeNull();
  });

  it('backs off exponentially with at most 25% jitter, and honours (but caps) retry-after', () => {
    expect(backoffDelayMs(1, 1000, null, () => 0)).toBe(1000);
    expect(backoffDelayMs(2, 1000, null, () => 0)).toBe(2000);
    expect(backoffDelayMs(3, 1000, null, () => 0.999)).toBeLessThanOrEqual(5000);
    expect(backoffDelayMs(3, 1000, null, () => 0.999)).toBeGreaterThan(4000);
    expect(backoffDelayMs(1, 1000, 0, () => 0.5)).toBe(0);
    expect(backoffDelayMs(1, 1000, 10 * 60_000)).toBe(MAX_RETRY_AFTER_MS);
  });

  it('retries 429 and 5xx up to the try limit with growing delays, then gives up', async () => {
    const slept: number[] = [];
    let calls = 0;
    const err = await withRetry(
      async () => {
        calls++;
        throw httpError(calls === 1 ? 429 : 500);
      },
      { maxTries: 4, baseMs: 100, signal: new AbortController().signal, random: () => 0, sleep: async (ms) => void slept.push(ms) },
    ).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect(slept).toEqual([100, 200, 400]);
    expect(err).toBeInstanceOf(RetryExhausted);
    expect((err as RetryExhausted).tries).toBe(4);
    expect((err as RetryExhausted).failure.status).toBe(500);
  });

  it('succeeds after a transient failure and never retries a refused key', async () => {
    let calls = 0;
    const ok = await withRetry(
      async () => {
        if (++calls === 1) throw httpError(429, { 'retry-after': '0' });
        return 'ok';
      },
      { maxTries: 4, baseMs: 1, signal: new AbortController().signal },
    );
    expect(ok).toBe('ok');
    expect(calls).toBe(2);

    calls = 0;
    const err = await withRetry(
      async () => {
        calls++;
        throw httpError(401);
      },
      { maxTries: 4, baseMs: 1, signal: new AbortController().signal },
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect((err as RetryExhausted).failure.kind).toBe('auth');
  });

  it('stops waiting between tries as soon as the user cancels', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const err = await withRetry(
      async () => {
        throw httpError(500);
      },
      // Ten minutes between tries: only an abort that ends the wait lets this test finish.
      { maxTries: 4, baseMs: 600_000, signal: controller.signal },
    ).catch((e: unknown) => e);
    expect((err as RetryExhausted).failure.kind).toBe('cancelled');
  });

  it('words failures for users without stack traces, naming the provider', () => {
    expect(describeFailure(new ProviderFailure('auth', 'x', 401), 'Anthropic', 1, 1000)).toBe(
      'The Anthropic API key was refused (401). Check the key in Settings → Providers.',
    );
    expect(describeFailure(new ProviderFailure('server', 'x', 500), 'OpenAI', 4, 1000)).toMatch(/^OpenAI failed with 500 after 4 tries; stopped/);
    expect(describeFailure(new ProviderFailure('timeout', 'x'), 'Google', 1, 1500)).toMatch(/Google sent nothing for 1.5 s; the request timed out/);
  });
});

describe('tool arguments', () => {
  const readSpec = TOOL_SPECS.find((t) => t.name === 'read_file')!.schema;

  it('accepts arguments matching the schema and drops unknown keys', () => {
    expect(validateArgs(readSpec, { path: 'a.ts', start_line: 3, extra: true })).toEqual({ ok: true, args: { path: 'a.ts', start_line: 3 } });
  });

  it('names every mismatch: missing required, wrong type, not an object', () => {
    const r = validateArgs(readSpec, { start_line: 'x' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain('"path" is required');
    expect(!r.ok && r.error).toContain('"start_line" must be an integer');
    expect(validateArgs(readSpec, [1, 2])).toEqual({ ok: false, error: 'the arguments must be a JSON object' });
  });

  it('counts occurrences without overlap', () => {
    expect(countOccurrences('aaaa', 'aa')).toBe(2);
    expect(countOccurrences('abc', 'x')).toBe(0);
    expect(countOccurrences('abc', '')).toBe(0);
  });

  it('turns globs into path patterns', () => {
    expect(globToRegExp('*.ts').test('src/a.ts')).toBe(true);
    expect(globToRegExp('*.ts').test('src/a.tsx')).toBe(false);
    expect(globToRegExp('src/**/*.ts').test('src/x/y/a.ts')).toBe(true);
    expect(globToRegExp('src/**/*.ts').test('src/a.ts')).toBe(true);
    expect(globToRegExp('src/*.ts').test('lib/src/a.ts')).toBe(false);
  });

  it('strips colours from command output given to the model', () => {
    expect(stripAnsi('\x1b[31mred\x1b[39m plain')).toBe('red plain');
  });
});

describe('rendering', () => {
  it('shows the telling argument of each call, shortened to one line', () => {
    expect(shortArgs('read_file', '{"path":"src/a.ts","start_line":5,"end_line":9}')).toBe('src/a.ts :5-9');
    expect(shortArgs('run_command', '{"command":"npm test"}')).toBe('$ npm test');
    expect(shortArgs('write_file', `{"path":"x","content":"${'y'.repeat(200)}"}`)).toBe('x');
    expect(shortArgs('edit_file', '{not json')).toBe('{not json');
    expect(shortArgs('search', '{"pattern":"foo","path":"src"}')).toBe('/foo/ in src');
    expect(formatToolCall(makeStyle(false), 'read_file', '{"path":"a"}')).toBe('⚙ read_file a\n');
  });
});

describe('configuration', () => {
  const base = { FLOTILLA_AGENT_PROVIDER: 'anthropic', FLOTILLA_AGENT_MODEL: 'claude-x', ANTHROPIC_API_KEY: 'k', OPENAI_API_KEY: 'other' };

  it('reads the provider, model, its own key only, and the limits', () => {
    const r = readAgentConfig({ ...base, FLOTILLA_AGENT_MAX_TURNS: '7', FLOTILLA_AGENT_MAX_TOKENS: '1000', FLOTILLA_AGENT_TIMEOUT_MS: '500' });
    expect(r.ok && r.config).toMatchObject({ provider: 'anthropic', providerName: 'Anthropic', apiKey: 'k', maxTurns: 7, maxTokens: 1000, timeoutMs: 500 });
  });

  it('explains a missing key, model or provider in one sentence', () => {
    expect(readAgentConfig({ ...base, ANTHROPIC_API_KEY: '' })).toEqual({ ok: false, message: 'No API key for Anthropic: add it in Settings → Providers (ANTHROPIC_API_KEY).' });
    expect(readAgentConfig({ ...base, FLOTILLA_AGENT_MODEL: '' }).ok).toBe(false);
    expect(readAgentConfig({ ...base, FLOTILLA_AGENT_PROVIDER: 'acme' }).ok).toBe(false);
  });

  it('lets a local OpenAI-compatible server run without a key but not without a base URL', () => {
    const env = { FLOTILLA_AGENT_PROVIDER: 'openai-compatible', FLOTILLA_AGENT_PROVIDER_NAME: 'Ollama', FLOTILLA_AGENT_MODEL: 'qwen' };
    expect(readAgentConfig(env).ok).toBe(false);
    const r = readAgentConfig({ ...env, FLOTILLA_AGENT_BASE_URL: 'http://127.0.0.1:11434/v1' });
    expect(r.ok && r.config.providerName).toBe('Ollama');
  });
});

describe('conversation per vendor', () => {
  const convo: ChatMessage[] = [
    { role: 'user', text: 'fix it' },
    { role: 'assistant', text: 'Looking.', toolCalls: [{ id: 'c1', name: 'read_file', argsText: '{"path":"a"}' }, { id: 'c2', name: 'edit_file', argsText: '{bad' }] },
    { role: 'tool', results: [{ callId: 'c1', name: 'read_file', content: 'x', isError: false }, { callId: 'c2', name: 'edit_file', content: 'Error: bad', isError: true }] },
    { role: 'user', text: 'and then?' },
  ];

  it('OpenAI: one tool message per call, linked by id', () => {
    const m = toOpenAiMessages('sys', convo);
    expect(m.map((x) => x.role)).toEqual(['system', 'user', 'assistant', 'tool', 'tool', 'user']);
    expect(m[3]).toEqual({ role: 'tool', tool_call_id: 'c1', content: 'x' });
  });

  it('Anthropic: tool results and the follow-up merge into one user turn; malformed input becomes {}', () => {
    const m = toAnthropicMessages(convo);
    expect(m.map((x) => x.role)).toEqual(['user', 'assistant', 'user']);
    expect(m[1].content).toContainEqual({ type: 'tool_use', id: 'c2', name: 'edit_file', input: {} });
    expect(m[2].content).toContainEqual({ type: 'tool_result', tool_use_id: 'c2', content: 'Error: bad', is_error: true });
    expect((m[2].content as unknown[]).at(-1)).toEqual({ type: 'text', text: 'and then?' });
  });

  it('Gemini: functionCall parts from the model, functionResponse parts from the user', () => {
    const c = toGeminiContents(convo);
    expect(c.map((x) => x.role)).toEqual(['user', 'model', 'user']);
    expect(c[1].parts).toContainEqual({ functionCall: { name: 'read_file', args: { path: 'a' } } });
    expect(c[2].parts[0]).toEqual({ functionResponse: { name: 'read_file', response: { content: 'x' } } });
  });
});

describe('prompt input', () => {
  function reader(tty = false) {
    const stdin = new PassThrough();
    let echoed = '';
    const input = new LineInput(stdin, (s) => (echoed += s), tty);
    input.start();
    return { stdin, input, echoed: () => echoed };
  }

  it('reads lines, handles backspace, and quits on Ctrl-D or Ctrl-C at an empty prompt', async () => {
    const { stdin, input, echoed } = reader(true);
    const first = input.prompt('> ');
    stdin.write('helo\x7flo\r');
    expect(await first).toBe('hello');
    expect(echoed()).toContain('hel');
    const second = input.prompt('> ');
    stdin.write('\x04');
    expect(await second).toBeNull();
    const third = input.prompt('> ');
    stdin.write('\x03');
    expect(await third).toBeNull();
  });

  it('calls the interrupt handler for Ctrl-C while busy and keeps typed-ahead text for the next prompt', async () => {
    const { stdin, input } = reader(false);
    let interrupted = 0;
    input.onInterrupt = () => interrupted++;
    stdin.write('\x03next\n');
    await new Promise((r) => setImmediate(r));
    expect(interrupted).toBe(1);
    expect(await input.prompt('> ')).toBe('next');
  });

  it('ends at end of input, keeping a last line without a newline', async () => {
    const { stdin, input } = reader(false);
    stdin.end('last');
    expect(await input.prompt('> ')).toBe('last');
    expect(await input.prompt('> ')).toBeNull();
  });
});

describe('agent loop limits', () => {
  it('pauses a run once it has used FLOTILLA_AGENT_MAX_TOKENS, after answering the pending tool calls', async () => {
    const { AgentSession } = await import('../src/main/core/own-agent/session');
    const { Reporter } = await import('../src/main/core/own-agent/report');
    const parsed = readAgentConfig({ FLOTILLA_AGENT_PROVIDER: 'openai', FLOTILLA_AGENT_MODEL: 'm', OPENAI_API_KEY: 'k', FLOTILLA_AGENT_MAX_TOKENS: '150' });
    if (!parsed.ok) throw new Error(parsed.message);
    let requests = 0;
    let out = '';
    const session = new AgentSession({
      config: parsed.config,
      // A scripted model at the provider boundary: always asks for one more (unknown) tool.
      client: {
        turn: async () => {
          requests++;
          return { text: '', toolCalls: [{ id: `c${requests}`, name: 'nope', argsText: '{}' }], usage: { inputTokens: 80, outputTokens: 20 } };
        },
      },
      root: process.cwd(),
      write: (c) => (out += c.toString()),
      style: makeStyle(false),
      reporter: new Reporter(null),
      ripgrep: null,
      ask: async () => null,
      store: null,
    });
    const outcome = await session.run('go', new AbortController().signal);
    expect(outcome).toEqual({ kind: 'limit', message: expect.stringContaining('this run used 200 tokens, the limit is 150') });
    expect(requests).toBe(2);
    expect(session.messages.at(-1)).toMatchObject({ role: 'tool' });
    expect(out).toContain('⏸ Paused: this run used 200 tokens');
  });
});
