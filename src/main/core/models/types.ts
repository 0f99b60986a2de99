/**
 * The shapes every model client shares: a vendor-neutral conversation, tools, one streamed turn
 * and one structured-output request. Each vendor adapter translates them to its own wire format.
 */
import type { z } from 'zod';
import type { ProviderKind } from '../../../shared/types';

/** One tool call the model asked for; `argsText` is the raw JSON text the model produced. */
export interface ToolCall {
  id: string;
  name: string;
  argsText: string;
}

/** What one tool call returned, sent back to the model. */
export interface ToolResult {
  callId: string;
  name: string;
  content: string;
  isError: boolean;
}

/** The conversation, vendor-neutral. Tool results of one turn travel together. */
export type ChatMessage =
  | { role: 'user'; text: string }
  | { role: 'assistant'; text: string; toolCalls: ToolCall[] }
  | { role: 'tool'; results: ToolResult[] };

/** An object-shaped zod schema: what tools take and what structured output returns. */
export type ObjectSchema = z.ZodObject;

/** A tool as the model sees it: a name, a description and a zod schema for its arguments. */
export interface ToolSpec {
  name: string;
  description: string;
  /** Each vendor's JSON schema is derived from it; arguments are validated by it. */
  schema: ObjectSchema;
}

/** Tokens one model response consumed. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/** One streamed model request. */
export interface TurnRequest {
  system: string;
  messages: ChatMessage[];
  tools: ToolSpec[];
  signal: AbortSignal;
  /** Each piece of text as it streams. */
  onText(delta: string): void;
  /** Called on every streamed event (text or not), so an idle timeout can be reset. */
  onActivity?(): void;
}

/** The model's complete answer to one request. */
export interface TurnResponse {
  text: string;
  toolCalls: ToolCall[];
  usage: TokenUsage;
}

/** One structured-output request, through the vendor's own mechanism. */
export interface ObjectRequest {
  system: string;
  messages: ChatMessage[];
  /** Names the answer for the vendor (the json_schema name, the forced tool's name). */
  name: string;
  description: string;
  schema: ObjectSchema;
  signal: AbortSignal;
  onActivity?(): void;
}

/** The model's raw structured answer, before validation. */
export interface ObjectResponse {
  /** The JSON text the model produced (possibly malformed). */
  text: string;
  /** Set when the vendor answered through a forced tool call (Anthropic): the retry must answer that call. */
  toolCall: ToolCall | null;
  /** Set when the model declined (OpenAI's `refusal`). */
  refusal: string | null;
  usage: TokenUsage;
}

/** One vendor behind one interface. Streaming always. */
export interface ModelClient {
  turn(req: TurnRequest): Promise<TurnResponse>;
  object(req: ObjectRequest): Promise<ObjectResponse>;
}

/** Where a model lives: the provider kind, its endpoint and key. */
export interface ModelEndpoint {
  provider: ProviderKind;
  apiKey: string;
  model: string;
  baseUrl: string | null;
}
