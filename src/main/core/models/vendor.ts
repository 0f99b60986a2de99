/**
 * Which company's model is behind an agent, so that a change can be verified by a model of
 * another vendor. One function for every agent kind; the per-CLI facts are catalog data.
 */
import type { AgentKind, ProviderKind } from '../../../shared/types';

/** The model vendors Flotilla tells apart; `unknown` when it cannot say (a shell, a local model). */
export const VENDORS = ['openai', 'anthropic', 'google', 'unknown'] as const;
export type Vendor = (typeof VENDORS)[number];

/** A catalog CLI's vendor: fixed (Claude Code is Anthropic's), or that of the provider Flotilla hands it. */
export type CliVendor = Vendor | 'by-provider';

/** What vendorOf needs to know about an agent. */
export interface AgentVendorSpec {
  kind: AgentKind;
  /** For kind `cli`: the vendor its catalog entry names; null when the entry is unknown. */
  cliVendor: CliVendor | null;
  /** The provider kind the agent talks to (Flotilla's agent) or was handed (a CLI); null for none. */
  providerKind: ProviderKind | null;
  /** The model chosen at launch, when one was. */
  model: string | null;
}

/** The vendor of an agent's model. Shells and plain commands run no model Flotilla knows of. Pure. */
export function vendorOf(spec: AgentVendorSpec): Vendor {
  switch (spec.kind) {
    case 'shell':
    case 'command':
      return 'unknown';
    case 'flotilla':
      return vendorOfProvider(spec.providerKind, spec.model);
    case 'cli':
      if (spec.cliVendor === null) return 'unknown';
      return spec.cliVendor === 'by-provider' ? vendorOfProvider(spec.providerKind, spec.model) : spec.cliVendor;
  }
}

/**
 * The vendor behind a provider kind. An OpenAI-compatible endpoint can serve anything (Ollama,
 * OpenRouter, vLLM), so there the model's name decides. Pure.
 */
export function vendorOfProvider(kind: ProviderKind | null, model: string | null): Vendor {
  switch (kind) {
    case 'openai':
    case 'anthropic':
    case 'google':
      return kind;
    case 'openai-compatible':
      return vendorOfModel(model);
    case null:
      return 'unknown';
  }
}

/**
 * The vendor of a model family by its name, as gateways spell it (`claude-sonnet-4-5`,
 * `anthropic/claude-3.5-sonnet`, `openai/gpt-4o`, `o3-mini`, `gemini-2.5-pro`, `gemma3:12b`). Pure.
 */
export function vendorOfModel(model: string | null): Vendor {
  if (!model) return 'unknown';
  const name = model.trim().toLowerCase();
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (name.startsWith('anthropic/') || base.startsWith('claude')) return 'anthropic';
  if (name.startsWith('openai/') || /^(gpt|chatgpt|codex|o[1-9](?:$|[-:.]))/.test(base)) return 'openai';
  if (name.startsWith('google/') || /^(gemini|gemma)/.test(base)) return 'google';
  return 'unknown';
}
