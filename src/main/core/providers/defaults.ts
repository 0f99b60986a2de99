/**
 * Built-in providers and default prices. Data, not code paths: the user edits both in settings
 * (an edit is stored as an override row), and Flotilla falls back to these.
 */
import type { PriceEntry, ProviderKind } from '../../../shared/types';

/** A provider Flotilla always lists. */
export interface BuiltinProvider {
  id: string;
  kind: ProviderKind;
  name: string;
  models: string[];
}

/** The vendors' own providers, with their current general-purpose models first. */
export const BUILTIN_PROVIDERS: readonly BuiltinProvider[] = [
  {
    id: 'openai',
    kind: 'openai',
    name: 'OpenAI',
    models: ['gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-4.1', 'gpt-4.1-mini', 'o4-mini', 'gpt-4o', 'gpt-4o-mini'],
  },
  {
    id: 'anthropic',
    kind: 'anthropic',
    name: 'Anthropic',
    models: ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-haiku-4-5', 'claude-sonnet-4-0', 'claude-3-5-haiku-latest'],
  },
  {
    id: 'google',
    kind: 'google',
    name: 'Google Gemini',
    models: ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite'],
  },
];

/** Base URLs of common OpenAI-compatible servers, for the settings form's suggestions. */
export const OPENAI_COMPATIBLE_EXAMPLES: readonly { name: string; baseUrl: string }[] = [
  { name: 'Ollama', baseUrl: 'http://127.0.0.1:11434/v1' },
  { name: 'LM Studio', baseUrl: 'http://127.0.0.1:1234/v1' },
  { name: 'vLLM', baseUrl: 'http://127.0.0.1:8000/v1' },
  { name: 'OpenRouter', baseUrl: 'https://openrouter.ai/api/v1' },
];

/**
 * List prices in USD per million tokens (standard tier, no caching or batch discounts; Gemini Pro's
 * up-to-200k-token tier). Approximate by nature: the price table in settings is the way to correct them.
 */
export const DEFAULT_PRICES: readonly PriceEntry[] = [
  { model: 'gpt-5', inputPerMTok: 1.25, outputPerMTok: 10 },
  { model: 'gpt-5-mini', inputPerMTok: 0.25, outputPerMTok: 2 },
  { model: 'gpt-5-nano', inputPerMTok: 0.05, outputPerMTok: 0.4 },
  { model: 'gpt-4.1', inputPerMTok: 2, outputPerMTok: 8 },
  { model: 'gpt-4.1-mini', inputPerMTok: 0.4, outputPerMTok: 1.6 },
  { model: 'gpt-4.1-nano', inputPerMTok: 0.1, outputPerMTok: 0.4 },
  { model: 'gpt-4o', inputPerMTok: 2.5, outputPerMTok: 10 },
  { model: 'gpt-4o-mini', inputPerMTok: 0.15, outputPerMTok: 0.6 },
  { model: 'o3', inputPerMTok: 2, outputPerMTok: 8 },
  { model: 'o4-mini', inputPerMTok: 1.1, outputPerMTok: 4.4 },
  { model: 'claude-opus-4-1', inputPerMTok: 15, outputPerMTok: 75 },
  { model: 'claude-opus-4-0', inputPerMTok: 15, outputPerMTok: 75 },
  { model: 'claude-sonnet-4-5', inputPerMTok: 3, outputPerMTok: 15 },
  { model: 'claude-sonnet-4-0', inputPerMTok: 3, outputPerMTok: 15 },
  { model: 'claude-haiku-4-5', inputPerMTok: 1, outputPerMTok: 5 },
  { model: 'claude-3-5-haiku-latest', inputPerMTok: 0.8, outputPerMTok: 4 },
  { model: 'gemini-2.5-pro', inputPerMTok: 1.25, outputPerMTok: 10 },
  { model: 'gemini-2.5-flash', inputPerMTok: 0.3, outputPerMTok: 2.5 },
  { model: 'gemini-2.5-flash-lite', inputPerMTok: 0.1, outputPerMTok: 0.4 },
];
