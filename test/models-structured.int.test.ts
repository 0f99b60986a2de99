import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generateObject, type ModelProvider } from '../src/main/core/models';
import type { ProviderKind } from '../src/shared/types';
import { startFakeProvider, type FakeProvider } from './fake-provider';

const KEY = 'test-key';
let fake: FakeProvider;

beforeAll(async () => {
  fake = await startFakeProvider({ apiKey: KEY });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

const Review = z.object({
  verdict: z.enum(['pass', 'fail']),
  findings: z.array(z.object({ file: z.string(), line: z.int().min(1), note: z.string().optional() })),
  summary: z.string(),
});
const good = { verdict: 'fail', findings: [{ file: 'src/a.ts', line: 12, note: 'off by one' }], summary: 'One bug.' };

function provider(kind: ProviderKind): ModelProvider {
  const baseUrl = kind === 'openai' || kind === 'openai-compatible' ? `${fake.url}/v1` : fake.url;
  return { kind, name: `Fake ${kind}`, baseUrl, key: KEY };
}

function ask(kind: ProviderKind, signal = new AbortController().signal) {
  return generateObject({
    provider: provider(kind),
    model: 'fake-model',
    schema: Review,
    name: 'review',
    system: 'You review diffs.',
    messages: [{ role: 'user', text: 'Review this diff.' }],
    signal,
    retryBaseMs: 1,
  });
}

/** Every string in a request body, to find what the model was told. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

const PROTOCOLS: Array<{ kind: ProviderKind; protocol: string }> = [
  { kind: 'openai', protocol: 'openai-chat' },
  { kind: 'anthropic', protocol: 'anthropic' },
  { kind: 'google', protocol: 'gemini' },
];

describe.each(PROTOCOLS)('structured output over $protocol', ({ kind, protocol }) => {
  it('returns the validated object, asked for through the vendor’s own mechanism', async () => {
    fake.script([{ object: good, usage: { inputTokens: 30, outputTokens: 9 } }]);
    const result = await ask(kind);
    expect(result).toEqual({ ok: true, value: good, usage: { inputTokens: 30, outputTokens: 9 }, attempts: 1 });
    expect(fake.requests).toHaveLength(1);
    const { body } = fake.requests[0];
    expect(fake.requests[0].protocol).toBe(protocol);
    if (kind === 'openai') {
      expect(body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'review', strict: true } });
      // Strict mode: the optional note is listed as required and may be null.
      expect(body.response_format.json_schema.schema.properties.findings.items.required).toEqual(['file', 'line', 'note']);
    } else if (kind === 'anthropic') {
      expect(body.tool_choice).toEqual({ type: 'tool', name: 'review' });
      expect(body.tools[0]).toMatchObject({ name: 'review', input_schema: { type: 'object', required: ['verdict', 'findings', 'summary'] } });
    } else {
      expect(body.generationConfig).toMatchObject({ responseMimeType: 'application/json', responseSchema: { type: 'object' } });
      expect(body.generationConfig.responseSchema.properties.verdict).toEqual({ type: 'string', format: 'enum', enum: ['pass', 'fail'] });
    }
  });

  it('shows the model what was wrong once and returns the corrected object', async () => {
    fake.script([{ object: { verdict: 'maybe', findings: [], summary: 'Unsure.' } }, { object: good }]);
    const result = await ask(kind);
    expect(result).toMatchObject({ ok: true, value: good, attempts: 2 });
    expect(fake.requests).toHaveLength(2);
    const told = strings(fake.requests[1].body).filter((s) => /"verdict": Invalid option: expected one of "pass"\|"fail"/.test(s));
    expect(told).toHaveLength(1);
    if (kind === 'anthropic') {
      // The forced tool call is answered by an error result, as the Messages API requires.
      const last = fake.requests[1].body.messages.at(-1);
      expect(last.content[0]).toMatchObject({ type: 'tool_result', is_error: true });
    }
  });

  it('returns a typed error when the answer is malformed twice, after exactly two requests', async () => {
    fake.script([{ object: '{"verdict": "pass", "findings": [' }, { object: { verdict: 'pass', summary: 3 } }]);
    const result = await ask(kind);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('invalid-output');
    expect(result.error.message).toMatch(/^Fake \S+ \(fake-model\) answered 2 times with output that does not fit the expected form \(.*"findings" is required.*\)\. Try again, or choose another model/);
    expect(fake.requests).toHaveLength(2);
    expect(strings(fake.requests[1].body).some((s) => s.includes('the answer is not valid JSON'))).toBe(true);
  });

  it('stops at once when the caller aborts, with a cancelled error', async () => {
    fake.script([{ fail: 'hang' }]);
    const controller = new AbortController();
    const pending = ask(kind, controller.signal);
    await expect.poll(() => fake.requests.length).toBe(1);
    controller.abort();
    const result = await pending;
    expect(result).toMatchObject({ ok: false, error: { code: 'cancelled', message: 'Stopped.' } });
    expect(fake.requests).toHaveLength(1);
  });
});

describe('structured output: failures as data', () => {
  it('never retries a refused key and says where to fix it', async () => {
    const result = await generateObject({
      provider: { ...provider('anthropic'), key: 'wrong' },
      model: 'fake-model',
      schema: Review,
      messages: [{ role: 'user', text: 'x' }],
      signal: new AbortController().signal,
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'auth', message: expect.stringContaining('Settings → Providers') } });
    expect(fake.requests).toHaveLength(1);
  });

  it('asks nothing without a key, except of an OpenAI-compatible server', async () => {
    const none = await generateObject({ provider: { ...provider('google'), key: null }, model: 'm', schema: Review, messages: [], signal: new AbortController().signal });
    expect(none).toMatchObject({ ok: false, error: { code: 'no-key', message: 'No API key for Fake google: add it in Settings → Providers.' } });
    expect(fake.requests).toHaveLength(0);
  });

  it('retries a 500 then reads an OpenAI null for an optional field as absent', async () => {
    fake.script([{ fail: 500 }, { object: { verdict: 'pass', findings: [{ file: 'a', line: 1, note: null }], summary: 'ok' } }]);
    const result = await ask('openai-compatible');
    expect(result).toMatchObject({ ok: true, value: { verdict: 'pass', findings: [{ file: 'a', line: 1 }], summary: 'ok' }, attempts: 1 });
    expect(result.ok && 'note' in result.value.findings[0]).toBe(false);
    expect(fake.requests).toHaveLength(2);
  });

  it('refuses before any request a schema Gemini cannot express, naming the field', async () => {
    const schema = z.object({ id: z.union([z.string(), z.number()]) });
    const result = await generateObject({ provider: provider('google'), model: 'm', schema, messages: [], signal: new AbortController().signal });
    expect(result).toMatchObject({ ok: false, error: { code: 'unsupported-schema', message: expect.stringContaining('the answer.id is a choice between different types') } });
    expect(fake.requests).toHaveLength(0);
  });
});
