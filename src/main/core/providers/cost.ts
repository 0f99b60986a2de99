/** Pricing model calls: pure functions over a price list. */
import type { PriceEntry } from '../../../shared/types';

const TOKENS_PER_MTOK = 1_000_000;

/**
 * The price entry for a model name as an API reports it. Exact names first; then the longest
 * priced name that the model extends with `-` (dated snapshots such as `claude-sonnet-4-5-20250929`
 * or `gpt-4o-mini-2024-07-18`). Gemini's `models/` prefix is ignored. Null when nothing matches.
 */
export function findPrice(prices: readonly PriceEntry[], model: string): PriceEntry | null {
  const name = model.trim().replace(/^models\//, '');
  const exact = prices.find((p) => p.model === name);
  if (exact) return exact;
  let best: PriceEntry | null = null;
  for (const p of prices) {
    if (name.startsWith(`${p.model}-`) && (!best || p.model.length > best.model.length)) best = p;
  }
  return best;
}

/** USD for a call: in/1e6 × input price + out/1e6 × output price; null when the model has no price. */
export function costUsd(prices: readonly PriceEntry[], model: string, inputTokens: number, outputTokens: number): number | null {
  const price = findPrice(prices, model);
  if (!price) return null;
  return (inputTokens / TOKENS_PER_MTOK) * price.inputPerMTok + (outputTokens / TOKENS_PER_MTOK) * price.outputPerMTok;
}

/** Defaults overlaid by the user's overrides, sorted by model. */
export function mergePrices(defaults: readonly PriceEntry[], overrides: readonly PriceEntry[]): PriceEntry[] {
  const byModel = new Map<string, PriceEntry>();
  for (const p of defaults) byModel.set(p.model, { ...p });
  for (const p of overrides) byModel.set(p.model, { ...p });
  return [...byModel.values()].sort((a, b) => a.model.localeCompare(b.model));
}
