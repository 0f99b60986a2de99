/**
 * The vendors' API-key environment variable names, in one place: where Flotilla hands a key (or
 * a gateway token) to Flotilla's agent and to CLIs that read their vendor's own name, where it
 * looks for a key the user set, and what a command the model runs must never see.
 */
import type { ProviderKind } from './types';

/** The variable that carries each provider kind's key (or gateway token) to an agent. */
export const KEY_ENV: Record<ProviderKind, string> = {
  openai: 'OPENAI_API_KEY',
  'openai-compatible': 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  google: 'GEMINI_API_KEY',
};

/** The vendors' own names a user may have set a key under, per kind, in order of preference. */
const USER_KEY_ENV: Record<ProviderKind, readonly string[]> = {
  openai: ['OPENAI_API_KEY'],
  anthropic: ['ANTHROPIC_API_KEY'],
  google: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
  // A local server or a router: OPENAI_API_KEY belongs to OpenAI and must not leak to it.
  'openai-compatible': [],
};

/** The vendors' own environment variable names for a provider kind, in order of preference. */
export function vendorKeyEnvNames(kind: ProviderKind): string[] {
  return [...USER_KEY_ENV[kind]];
}

/** Every vendor key variable name, of any kind. */
export const VENDOR_KEY_ENV_NAMES: readonly string[] = [...new Set([...Object.values(KEY_ENV), ...Object.values(USER_KEY_ENV).flat()])];
