import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

/** One scripted model reply. */
export interface FakeTurn {
  /** Assistant text, streamed in a few chunks. */
  text?: string;
  /** Tool calls the model makes in this turn (after the text). `args` is an object, or a raw string to send malformed JSON. */
  toolCalls?: { name: string; args: Record<string, unknown> | string }[];
  usage?: { inputTokens: number; outputTokens: number };
  /**
   * A structured answer, sent the way the request asked for one: the message text for OpenAI's
   * `json_schema` and Gemini's JSON output, the forced tool's input for Anthropic. A string is sent
   * verbatim, so a malformed answer is one broken string away.
   */
  object?: Record<string, unknown> | string;
  /** Instead of answering: an HTTP error status with the provider's real error body shape, or hang until the client gives up. */
  fail?: 401 | 429 | 500 | 'hang';
  /** Optional: answer this turn only if the last request contains this substring (helps scripts for CLIs that send side requests); otherwise the next turn is used. */
  when?: string;
}

/** A model request as the fake received it. */
export interface RecordedRequest {
  protocol: 'openai-chat' | 'openai-responses' | 'anthropic' | 'gemini';
  path: string;
  headers: Record<string, string>;
  // `any` on purpose: the body is whatever the client sent, and tests dig into it freely.
  body: any;
  stream: boolean;
}

/** The wire protocols the fake speaks. */
export type Protocol = RecordedRequest['protocol'];

/** A tool call ready to be put on the wire. */
export interface WireToolCall {
  /** Call id, unique per server (`call_fake_1`, `toolu_fake_1`, ...). */
  id: string;
  name: string;
  /** Arguments as JSON text exactly as they are sent (malformed when the script said so). */
  argsText: string;
  /** The arguments as an object, or the raw string when they do not parse as a JSON object. */
  argsValue: Record<string, unknown> | string;
}

/** A turn with defaults filled in, as the protocol modules answer it. */
export interface ResolvedTurn {
  text: string;
  toolCalls: WireToolCall[];
  usage: { inputTokens: number; outputTokens: number };
}

/** What a protocol module needs to know about the request it answers. */
export interface TurnContext {
  model: string;
  stream: boolean;
  body: Record<string, unknown>;
  /** Gemini only: the request asked for JSON output (responseMimeType / responseSchema). */
  jsonOutput: boolean;
  /** Gemini only: `:streamGenerateContent` without `alt=sse` answers a JSON array instead of SSE. */
  sse: boolean;
}

/** Error statuses the fake can send. */
export type FailStatus = 400 | 401 | 404 | 429 | 500;

/** One vendor's wire protocol: how it authenticates, how it reports errors, how it answers a turn. */
export interface ProtocolAdapter {
  readonly protocol: Protocol;
  /** Whether the request carries the expected key where this vendor's clients put it. */
  authorized(headers: IncomingHttpHeaders, url: URL, apiKey: string): boolean;
  /** The vendor's real error body for a status; `message` replaces the generic one (a 400's reason). */
  errorBody(status: FailStatus, message?: string): unknown;
  /** Answers a turn, streamed or not. */
  respond(res: ServerResponse, turn: ResolvedTurn, ctx: TurnContext): Promise<void>;
}
