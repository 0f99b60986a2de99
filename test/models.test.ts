import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CLI_PRESETS, customPreset } from '../src/main/core/catalog';
import {
  describeIssues,
  dropAddedNulls,
  geminiSchema,
  openAiStrictSchema,
  parseStructuredAnswer,
  toJsonSchema,
  UnsupportedSchema,
  vendorOf,
  vendorOfModel,
} from '../src/main/core/models';

describe('vendor of an agent', () => {
  const cli = (id: string) => CLI_PRESETS.find((p) => p.id === id)!;

  it('names the vendor of each catalog CLI from its preset, whatever provider it was handed', () => {
    expect(vendorOf({ kind: 'cli', cliVendor: cli('claude-code').vendor, providerKind: 'anthropic', model: null })).toBe('anthropic');
    expect(vendorOf({ kind: 'cli', cliVendor: cli('codex').vendor, providerKind: 'openai-compatible', model: 'qwen3' })).toBe('openai');
    expect(vendorOf({ kind: 'cli', cliVendor: cli('gemini').vendor, providerKind: 'google', model: null })).toBe('google');
  });

  it('follows the provider for multi-vendor CLIs and custom commands, and the model name behind an OpenAI-compatible endpoint', () => {
    expect(vendorOf({ kind: 'cli', cliVendor: cli('opencode').vendor, providerKind: 'anthropic', model: null })).toBe('anthropic');
    expect(vendorOf({ kind: 'cli', cliVendor: cli('aider').vendor, providerKind: 'openai-compatible', model: 'anthropic/claude-3.5-sonnet' })).toBe('anthropic');
    const custom = customPreset({ id: 'mine', name: 'Mine', command: 'my-agent', providerKind: 'google' });
    expect(vendorOf({ kind: 'cli', cliVendor: custom.vendor, providerKind: custom.providerKind, model: null })).toBe('google');
    expect(vendorOf({ kind: 'cli', cliVendor: custom.vendor, providerKind: null, model: null })).toBe('unknown');
    expect(vendorOf({ kind: 'cli', cliVendor: null, providerKind: 'openai', model: null })).toBe('unknown');
  });

  it("takes Flotilla's agent's vendor from its provider; shells and commands have none", () => {
    expect(vendorOf({ kind: 'flotilla', cliVendor: null, providerKind: 'google', model: 'gemini-2.5-pro' })).toBe('google');
    expect(vendorOf({ kind: 'flotilla', cliVendor: null, providerKind: 'openai-compatible', model: 'llama3.1' })).toBe('unknown');
    expect(vendorOf({ kind: 'shell', cliVendor: null, providerKind: null, model: null })).toBe('unknown');
    expect(vendorOf({ kind: 'command', cliVendor: null, providerKind: 'openai', model: null })).toBe('unknown');
  });

  it('tells model families apart by the names gateways use', () => {
    expect(['gpt-4o', 'openai/gpt-5', 'o3-mini', 'o1', 'chatgpt-4o-latest'].map(vendorOfModel)).toEqual(Array(5).fill('openai'));
    expect(['claude-sonnet-4-5', 'anthropic/claude-3.5-sonnet'].map(vendorOfModel)).toEqual(['anthropic', 'anthropic']);
    expect(['gemini-2.5-pro', 'google/gemini-flash', 'gemma3:12b'].map(vendorOfModel)).toEqual(['google', 'google', 'google']);
    expect(['qwen2.5-coder:7b', 'llama3.1', 'omni-7b', null].map(vendorOfModel)).toEqual(Array(4).fill('unknown'));
  });
});

const Review = z.object({
  verdict: z.enum(['pass', 'fail']),
  findings: z.array(z.object({ line: z.int().min(1), note: z.string().describe('Why').optional() })),
  maybe: z.string().nullable(),
});

describe('schemas per vendor', () => {
  it('gives Anthropic and OpenAI tools standard JSON Schema without the $schema line or 2^53 integer bounds', () => {
    const json = toJsonSchema(z.object({ n: z.int(), m: z.int().min(1) }));
    expect(json).toEqual({ type: 'object', properties: { n: { type: 'integer' }, m: { type: 'integer', minimum: 1 } }, required: ['n', 'm'] });
  });

  it('closes every object for OpenAI strict mode and sends optional properties as nullable', () => {
    const strict = openAiStrictSchema(Review);
    expect(strict.additionalProperties).toBe(false);
    const props = strict.properties as Record<string, Record<string, unknown>>;
    const item = props.findings.items;
    expect(item).toEqual({
      type: 'object',
      properties: { line: { type: 'integer' }, note: { anyOf: [{ type: 'string' }, { type: 'null' }], description: 'Why' } },
      required: ['line', 'note'],
      additionalProperties: false,
    });
    expect(props.maybe).toEqual({ type: ['string', 'null'] });
  });

  it('reads back a null OpenAI sent for an optional property as absent, keeping nulls the schema allows', () => {
    const value = dropAddedNulls({ verdict: 'pass', findings: [{ line: 2, note: null }], maybe: null }, toJsonSchema(Review));
    expect(value).toEqual({ verdict: 'pass', findings: [{ line: 2 }], maybe: null });
  });

  it("writes Gemini's OpenAPI subset: string enums with format enum, nullable, no bounds", () => {
    expect(geminiSchema(Review)).toEqual({
      type: 'object',
      properties: {
        verdict: { type: 'string', format: 'enum', enum: ['pass', 'fail'] },
        findings: { type: 'array', items: { type: 'object', properties: { line: { type: 'integer' }, note: { type: 'string', description: 'Why' } }, required: ['line'] } },
        maybe: { type: 'string', nullable: true },
      },
      required: ['verdict', 'findings', 'maybe'],
    });
    expect(geminiSchema(z.object({ sev: z.literal('high').or(z.literal('low')) })).properties).toEqual({ sev: { type: 'string', format: 'enum', enum: ['high', 'low'] } });
  });

  it('names what a vendor cannot express', () => {
    expect(() => geminiSchema(z.object({ tags: z.record(z.string(), z.string()) }))).toThrow(UnsupportedSchema);
    expect(() => geminiSchema(z.object({ anything: z.unknown() }))).toThrow(/the answer.anything has no fixed type/);
    expect(() => openAiStrictSchema(z.object({ tags: z.record(z.string(), z.string()) }))).toThrow(/the answer.tags is a record/);
  });
});

describe('validating an answer', () => {
  it('words zod issues for the model: required, wrong type (integers too), bad option, by path', () => {
    const input = { verdict: 'maybe', findings: [{ line: 'x' }, { line: 0 }] };
    const result = Review.safeParse(input);
    expect(result.success).toBe(false);
    const text = describeIssues(result.error!, input, Review);
    expect(text).toContain('"verdict": Invalid option: expected one of "pass"|"fail"');
    expect(text).toContain('"findings[0].line" must be an integer');
    expect(text).toContain('"findings[1].line": Too small');
    expect(text).toContain('"maybe" is required');
  });

  it('accepts JSON in a Markdown fence and says why anything else fails', () => {
    expect(parseStructuredAnswer('```json\n{"verdict":"pass","findings":[],"maybe":null}\n```', Review, 'anthropic')).toEqual({
      ok: true,
      value: { verdict: 'pass', findings: [], maybe: null },
    });
    expect(parseStructuredAnswer('', Review, 'google')).toEqual({ ok: false, problem: 'the answer was empty' });
    expect(parseStructuredAnswer('{"verdict":', Review, 'google')).toMatchObject({ ok: false, problem: expect.stringMatching(/^the answer is not valid JSON \(/) });
  });
});
