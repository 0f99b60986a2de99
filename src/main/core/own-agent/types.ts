/**
 * The shapes Flotilla's own agent shares between its loop, its tools and its provider adapters.
 * Vendor-neutral: each adapter translates this conversation to its own wire format.
 */
import type { PermissionMode, ProviderKind } from '../../../shared/types';

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

/** A tool as the model sees it: a name, a description and a JSON schema for its arguments. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: JsonSchemaObject;
}

/** The subset of JSON Schema our tools use (every vendor accepts it). */
export interface JsonSchemaObject {
  type: 'object';
  properties: Record<string, { type: 'string' | 'integer' | 'number' | 'boolean'; description?: string }>;
  required: string[];
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

/** One vendor behind one interface. Streaming always. */
export interface ModelClient {
  turn(req: TurnRequest): Promise<TurnResponse>;
}

/** Everything the agent needs to know to run, read from its environment. */
export interface AgentConfig {
  provider: ProviderKind;
  /** Shown in messages, e.g. "OpenAI" or "Ollama". */
  providerName: string;
  model: string;
  baseUrl: string | null;
  apiKey: string;
  task: string;
  reportPath: string | null;
  /** Which tool calls wait for the user's yes (FLOTILLA_AGENT_PERMISSION_MODE; default ask). */
  permissionMode: PermissionMode;
  /** The agent's private folder, where the conversation is kept across restarts; null keeps nothing. */
  stateDir: string | null;
  maxTurns: number;
  /** Total input + output tokens for the whole process; null = unlimited. */
  maxTokens: number | null;
  /** A request with no streamed data for this long is abandoned. */
  timeoutMs: number;
  /** First retry delay; doubles each try. */
  retryBaseMs: number;
  /** Total tries (first attempt included) for 429, 5xx and network errors. */
  maxTries: number;
  /** Default limit for run_command. */
  commandTimeoutMs: number;
}
