/**
 * The agent's configuration, read from its environment (the launcher sets it). Pure.
 */
import { dirname } from 'node:path';
import { PERMISSION_MODES, PROVIDER_KINDS, type PermissionMode, type ProviderKind } from '../../../shared/types';
import { KEY_ENV } from '../../../shared/vendor-keys';
import type { AgentConfig } from './types';

/** Default turn limit per user message. */
export const DEFAULT_MAX_TURNS = 50;
/** Default idle timeout of one model request. */
export const DEFAULT_TIMEOUT_MS = 120_000;
/** Default first retry delay. */
export const DEFAULT_RETRY_BASE_MS = 1_000;
/** Default tries for one request. */
export const DEFAULT_MAX_TRIES = 4;
/** Default run_command timeout. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;

const DEFAULT_NAMES: Record<ProviderKind, string> = { openai: 'OpenAI', anthropic: 'Anthropic', google: 'Google', 'openai-compatible': 'OpenAI-compatible endpoint' };

export { KEY_ENV };

/** Reads FLOTILLA_AGENT_* and the provider's key; an error is a sentence for the user. */
export function readAgentConfig(env: Record<string, string | undefined>): { ok: true; config: AgentConfig } | { ok: false; message: string } {
  const provider = env.FLOTILLA_AGENT_PROVIDER?.trim() as ProviderKind | undefined;
  if (!provider || !(PROVIDER_KINDS as readonly string[]).includes(provider)) {
    return { ok: false, message: `FLOTILLA_AGENT_PROVIDER must be one of ${PROVIDER_KINDS.join(', ')} (got ${provider ? `"${provider}"` : 'nothing'}).` };
  }
  const providerName = env.FLOTILLA_AGENT_PROVIDER_NAME?.trim() || DEFAULT_NAMES[provider];
  const model = env.FLOTILLA_AGENT_MODEL?.trim();
  if (!model) return { ok: false, message: `No model chosen for ${providerName}: set FLOTILLA_AGENT_MODEL.` };
  const baseUrl = env.FLOTILLA_AGENT_BASE_URL?.trim() || null;
  if (provider === 'openai-compatible' && !baseUrl) return { ok: false, message: `${providerName} needs a base URL (FLOTILLA_AGENT_BASE_URL), e.g. http://127.0.0.1:11434/v1.` };
  let apiKey = env[KEY_ENV[provider]]?.trim() ?? '';
  // Local servers (Ollama, LM Studio, vLLM) take any key; the SDK insists on one.
  if (!apiKey && provider === 'openai-compatible') apiKey = 'not-needed';
  if (!apiKey) return { ok: false, message: `No API key for ${providerName}: add it in Settings → Providers (${KEY_ENV[provider]}).` };
  const mode = env.FLOTILLA_AGENT_PERMISSION_MODE?.trim() || 'ask';
  if (!(PERMISSION_MODES as readonly string[]).includes(mode)) {
    return { ok: false, message: `FLOTILLA_AGENT_PERMISSION_MODE must be one of ${PERMISSION_MODES.join(', ')} (got "${mode}").` };
  }
  const reportPath = env.FLOTILLA_REPORT?.trim() || null;
  const int = (name: string, fallback: number | null, min: number): number | null => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const n = Number(raw);
    return Number.isFinite(n) && n >= min ? Math.floor(n) : fallback;
  };
  return {
    ok: true,
    config: {
      provider,
      providerName,
      model,
      baseUrl,
      apiKey,
      task: env.FLOTILLA_TASK?.trim() ?? '',
      reportPath,
      permissionMode: mode as PermissionMode,
      // Flotilla keeps the report file in the agent's state folder; that folder is the fallback.
      stateDir: env.FLOTILLA_AGENT_STATE_DIR?.trim() || (reportPath ? dirname(reportPath) : null),
      maxTurns: int('FLOTILLA_AGENT_MAX_TURNS', DEFAULT_MAX_TURNS, 1) ?? DEFAULT_MAX_TURNS,
      maxTokens: int('FLOTILLA_AGENT_MAX_TOKENS', null, 1),
      timeoutMs: int('FLOTILLA_AGENT_TIMEOUT_MS', DEFAULT_TIMEOUT_MS, 1) ?? DEFAULT_TIMEOUT_MS,
      retryBaseMs: int('FLOTILLA_AGENT_RETRY_BASE_MS', DEFAULT_RETRY_BASE_MS, 0) ?? DEFAULT_RETRY_BASE_MS,
      maxTries: int('FLOTILLA_AGENT_MAX_TRIES', DEFAULT_MAX_TRIES, 1) ?? DEFAULT_MAX_TRIES,
      commandTimeoutMs: int('FLOTILLA_AGENT_COMMAND_TIMEOUT_MS', DEFAULT_COMMAND_TIMEOUT_MS, 1) ?? DEFAULT_COMMAND_TIMEOUT_MS,
    },
  };
}
