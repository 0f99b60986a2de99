/** The configuration of Flotilla's own agent; the shapes it shares with model clients live in ../models. */
import type { PermissionMode, ProviderKind } from '../../../shared/types';

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
