/** Pure helpers of the settings view: labels, parsing of what the user typed, error shapes. */
import type { AppErrorData, ProviderInfo, ProviderKind } from '../../../shared/types';

/** The providers Flotilla always lists (src/main/core/providers/defaults.ts); the rest were added by the user. */
const BUILTIN_PROVIDER_IDS = ['openai', 'anthropic', 'google'];

/** True for OpenAI, Anthropic and Google Gemini: they can be moved to another base URL but not removed. */
export function isBuiltinProvider(provider: Pick<ProviderInfo, 'id'>): boolean {
  return BUILTIN_PROVIDER_IDS.includes(provider.id);
}

/** The protocols a user-added endpoint can speak, as the add form offers them. */
export const ENDPOINT_KINDS: readonly { kind: ProviderKind; label: string; placeholder: string; examples: string }[] = [
  { kind: 'openai-compatible', label: 'OpenAI API', placeholder: 'http://127.0.0.1:11434/v1', examples: 'Ollama, LM Studio, vLLM, OpenRouter' },
  { kind: 'anthropic', label: 'Anthropic API', placeholder: 'http://127.0.0.1:4000', examples: 'a LiteLLM or corporate proxy for Claude Code' },
  { kind: 'google', label: 'Gemini API', placeholder: 'http://127.0.0.1:4000', examples: 'a proxy for Gemini CLI' },
];

/** The kind tag of a provider row: a user-added Anthropic endpoint is "Anthropic-compatible". */
export function kindLabel(provider: Pick<ProviderInfo, 'id' | 'kind'>): string {
  if (isBuiltinProvider(provider)) return provider.kind;
  switch (provider.kind) {
    case 'anthropic':
      return 'anthropic-compatible';
    case 'google':
      return 'gemini-compatible';
    default:
      return provider.kind;
  }
}

/** `SSH_AUTH_SOCK, HTTPS_PROXY GH_TOKEN` → ['SSH_AUTH_SOCK', 'HTTPS_PROXY', 'GH_TOKEN']. */
export function parseNameList(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

/** "key from env / file / keychain", or "no key". */
export function keySourceLabel(provider: ProviderInfo): string {
  if (!provider.hasKey || provider.keySource === null) return 'no key';
  return `key from ${provider.keySource}`;
}

/** `a, b,,c ` → ['a', 'b', 'c'], duplicates dropped, order kept. */
export function parseModelList(text: string): string[] {
  const models = text
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m.length > 0);
  return [...new Set(models)];
}

/** A provider id from its display name: `LM Studio (laptop)` → `lm-studio-laptop`. */
export function providerIdFromName(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
}

/** True for ids `providers.save` and `catalog.saveCustom` accept. */
export function isValidId(id: string): boolean {
  return /^[a-z0-9][a-z0-9-]{0,39}$/.test(id);
}

/**
 * True when `providers.setKey` refused because the only storage is plain text (Linux's
 * `basic_text` backend): the user may then accept that explicitly.
 */
export function isPlaintextRefusal(error: AppErrorData): boolean {
  if (error.code !== 'unsupported') return false;
  if (error.details?.needsPlaintextConsent === true) return true;
  return /plain ?text|basic_text/i.test(error.message);
}

/** A price typed by the user in $ per million tokens; null when it is not a number ≥ 0. */
export function parsePrice(text: string): number | null {
  const trimmed = text.trim().replace(/^\$/, '');
  if (!/^(\d+\.?\d*|\.\d+)$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

/** True when `url` is an http(s) URL, the only kind a provider's base URL may be. */
export function isHttpUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:';
  } catch {
    return false;
  }
}
