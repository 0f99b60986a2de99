/**
 * Structured output: a zod schema in, a validated object out, through each vendor's own mechanism
 * (see the adapters). An answer that is not JSON or does not fit the schema is shown back to the
 * model with what was wrong, once; a second bad answer is an error the caller can show.
 */
import type { z } from 'zod';
import type { ProviderKind } from '../../../shared/types';
import { createModelClient } from './client';
import { describeIssues, dropAddedNulls, geminiSchema, openAiStrictSchema, toJsonSchema, UnsupportedSchema } from './json-schema';
import { classifyProviderError, describeFailure, ProviderFailure, RetryExhausted, withRetry, type FailureKind } from './retry';
import { DEFAULT_IDLE_TIMEOUT_MS, streamWithIdleTimeout } from './streaming';
import type { ChatMessage, ModelClient, ObjectResponse, ObjectSchema, TokenUsage } from './types';

/** Requests per structured answer: the first, and one retry that shows the model its mistake. */
export const MAX_OBJECT_ATTEMPTS = 2;
/** Default tries of one request for 429, 5xx and network errors. */
export const DEFAULT_OBJECT_MAX_TRIES = 3;
/** Default first delay between those tries; doubles each try. */
export const DEFAULT_OBJECT_RETRY_BASE_MS = 1_000;

/** The provider to ask; a ResolvedProvider from the providers service fits as it is. */
export interface ModelProvider {
  kind: ProviderKind;
  /** Shown in messages, e.g. "Anthropic" or "Ollama". */
  name: string;
  baseUrl: string | null;
  /** Null when none is stored; only an OpenAI-compatible server may go without one. */
  key: string | null;
}

/** What generateObject needs. */
export interface GenerateObjectOptions<S extends ObjectSchema> {
  provider: ModelProvider;
  model: string;
  schema: S;
  messages: ChatMessage[];
  signal: AbortSignal;
  system?: string;
  /** Names the answer for the vendor (json_schema name, forced tool name); letters, digits, _ and -. */
  name?: string;
  description?: string;
  /** A request with no streamed data for this long is abandoned. */
  timeoutMs?: number;
  maxTries?: number;
  retryBaseMs?: number;
  /** Replaces the vendor client built from `provider` (tests of the loop alone). */
  client?: ModelClient;
}

/** Why a structured answer could not be had; the transport kinds are those of ProviderFailure. */
export type ModelErrorCode = 'no-key' | 'unsupported-schema' | 'invalid-output' | 'refused' | FailureKind;

/** A failed model call, as data: `message` says what happened and what the user can do. */
export interface ModelError {
  code: ModelErrorCode;
  message: string;
}

/** The outcome of generateObject; usage counts every request made, successful or not. */
export type GenerateObjectResult<T> =
  | { ok: true; value: T; usage: TokenUsage; attempts: number }
  | { ok: false; error: ModelError; usage: TokenUsage };

const DEFAULT_SYSTEM = 'Answer with one JSON object that matches the given schema, and nothing else.';

/**
 * Asks a model for an object matching `schema` and returns it validated, or a typed error. Never
 * throws for anything the model, the network or the user (abort) does.
 */
export async function generateObject<S extends ObjectSchema>(options: GenerateObjectOptions<S>): Promise<GenerateObjectResult<z.output<S>>> {
  const { provider, model, schema, signal } = options;
  const usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  const fail = (code: ModelErrorCode, message: string): GenerateObjectResult<z.output<S>> => ({ ok: false, error: { code, message }, usage });
  const label = `${provider.name} (${model})`;

  const apiKey = provider.key?.trim() || (provider.kind === 'openai-compatible' ? 'not-needed' : '');
  if (!apiKey) return fail('no-key', `No API key for ${provider.name}: add it in Settings → Providers.`);
  try {
    vendorSchema(provider.kind, schema);
  } catch (err) {
    if (!(err instanceof UnsupportedSchema)) throw err;
    return fail('unsupported-schema', `${provider.name} cannot be asked for this answer: ${err.message}. Choose a model of another vendor for this step.`);
  }

  const client = options.client ?? createModelClient({ provider: provider.kind, apiKey, model, baseUrl: provider.baseUrl });
  const timeoutMs = options.timeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxTries = options.maxTries ?? DEFAULT_OBJECT_MAX_TRIES;
  const name = options.name ?? 'answer';
  const description = options.description ?? 'The answer, as a JSON object matching this schema.';
  const system = options.system ? `${options.system}\n\n${DEFAULT_SYSTEM}` : DEFAULT_SYSTEM;
  const messages = [...options.messages];

  for (let attempt = 1; ; attempt++) {
    let response: ObjectResponse;
    try {
      response = await withRetry(
        () => streamWithIdleTimeout((inner, onActivity) => client.object({ system, messages, name, description, schema, signal: inner, onActivity }), { signal, timeoutMs }),
        { maxTries, baseMs: options.retryBaseMs ?? DEFAULT_OBJECT_RETRY_BASE_MS, signal },
      );
    } catch (err) {
      const exhausted = err instanceof RetryExhausted ? err : new RetryExhausted(classifyProviderError(err), 1);
      const failure = signal.aborted ? new ProviderFailure('cancelled', 'cancelled') : exhausted.failure;
      return fail(failure.kind, describeFailure(failure, provider.name, exhausted.tries, timeoutMs, 'Try again in a moment, or choose another model.'));
    }
    usage.inputTokens += response.usage.inputTokens;
    usage.outputTokens += response.usage.outputTokens;
    if (response.refusal) return fail('refused', `${label} declined to answer: ${firstLine(response.refusal)}. Rephrase the request or choose another model.`);

    const checked = parseStructuredAnswer(response.text, schema, provider.kind);
    if (checked.ok) return { ok: true, value: checked.value, usage, attempts: attempt };
    if (attempt >= MAX_OBJECT_ATTEMPTS) {
      return fail(
        'invalid-output',
        `${label} answered ${MAX_OBJECT_ATTEMPTS} times with output that does not fit the expected form (${checked.problem}). Try again, or choose another model for this step.`,
      );
    }
    messages.push(...feedback(response, checked.problem, name));
  }
}

/** Converts the schema the way the vendor's adapter will, so an inexpressible one fails before any request. */
function vendorSchema(kind: ProviderKind, schema: ObjectSchema): unknown {
  switch (kind) {
    case 'openai':
    case 'openai-compatible':
      return openAiStrictSchema(schema);
    case 'anthropic':
      return toJsonSchema(schema);
    case 'google':
      return geminiSchema(schema);
  }
}

/**
 * The model's text as a validated object, or what was wrong with it in a sentence for the model.
 * Tolerates a Markdown code fence, which OpenAI-compatible servers without a JSON mode add. Pure.
 */
export function parseStructuredAnswer<S extends ObjectSchema>(text: string, schema: S, kind: ProviderKind): { ok: true; value: z.output<S> } | { ok: false; problem: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, problem: 'the answer was empty' };
  const fenced = /^```[a-zA-Z]*\n([\s\S]*?)\n?```$/.exec(trimmed);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fenced ? fenced[1] : trimmed);
  } catch (err) {
    return { ok: false, problem: `the answer is not valid JSON (${firstLine((err as Error).message)})` };
  }
  if (kind === 'openai' || kind === 'openai-compatible') parsed = dropAddedNulls(parsed, toJsonSchema(schema));
  const result = schema.safeParse(parsed);
  return result.success ? { ok: true, value: result.data } : { ok: false, problem: describeIssues(result.error, parsed, schema) };
}

/** The bad answer and what was wrong with it, as the next messages of the conversation. */
function feedback(response: ObjectResponse, problem: string, name: string): ChatMessage[] {
  if (response.toolCall) {
    // A tool call must be answered by its result, so the correction travels as that result.
    return [
      { role: 'assistant', text: '', toolCalls: [response.toolCall] },
      { role: 'tool', results: [{ callId: response.toolCall.id, name: response.toolCall.name, content: `Error: ${problem}. Call ${name} again with input that matches its schema.`, isError: true }] },
    ];
  }
  const again: ChatMessage = { role: 'user', text: `That answer was not accepted: ${problem}. Answer again with only a JSON object that matches the schema.` };
  return response.text.trim() ? [{ role: 'assistant', text: response.text, toolCalls: [] }, again] : [again];
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 300);
}
