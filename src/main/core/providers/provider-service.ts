/**
 * Providers (built-in and user-added), their keys, the price table, and tokens/cost per agent.
 * Keys go from the SecretStore to resolve() and nowhere else: list() says only whether one exists.
 */
import type { UsageRecordInput } from '../db/usage-table';
import { baseUrlProblem } from '../../../shared/base-url';
import type { PriceEntry, ProviderInfo, ProviderKind, Usage, UsageSummary } from '../../../shared/types';
import type { FlotillaDb } from '../db';
import type { ProviderRow } from '../db/providers-table';
import { AppError } from '../errors';
import { rememberSecret } from '../log';
import { costUsd, mergePrices } from './cost';
import { BUILTIN_PROVIDERS, DEFAULT_PRICES, type BuiltinProvider } from './defaults';
import type { SecretStore } from './secret-store';

/** What the settings form saves (the contract's `providers.save` params). */
export interface ProviderInput {
  id: string;
  kind: ProviderKind;
  name: string;
  /** Null means the vendor's default endpoint; required for 'openai-compatible'. */
  baseUrl: string | null;
  models: string[];
}

/** A provider with its key, for the core's own use (the agent loop, a CLI's environment). Never sent to a client. */
export interface ResolvedProvider {
  id: string;
  kind: ProviderKind;
  name: string;
  baseUrl: string | null;
  key: string | null;
  models: string[];
}

/** One usage report from a model call or a CLI: a usage record before it is priced. */
export type UsageReport = Omit<UsageRecordInput, 'costUsd'>;

const PROVIDER_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** How the settings form names each protocol a user-added provider can speak. */
const COMPATIBLE_NAME: Record<ProviderKind, string> = {
  openai: 'An OpenAI',
  'openai-compatible': 'An OpenAI-compatible',
  anthropic: 'An Anthropic-compatible',
  google: 'A Gemini-compatible',
};
const COMPATIBLE_EXAMPLE: Record<ProviderKind, string> = {
  openai: 'https://api.openai.com/v1',
  'openai-compatible': 'http://127.0.0.1:11434/v1 for Ollama',
  anthropic: 'http://127.0.0.1:4000 for a LiteLLM proxy',
  google: 'http://127.0.0.1:4000 for a proxy',
};

function builtin(id: string): BuiltinProvider | undefined {
  return BUILTIN_PROVIDERS.find((b) => b.id === id);
}

function cleanModels(models: readonly string[]): string[] {
  return [...new Set(models.map((m) => m.trim()).filter(Boolean))];
}

function checkBaseUrl(url: string): string {
  const problem = baseUrlProblem(url);
  if (problem) throw new AppError('invalid-params', problem);
  return url.replace(/\/+$/, '');
}

function toCount(n: number, what: string): number {
  if (!Number.isFinite(n) || n < 0) throw new AppError('invalid-params', `${what} must be a non-negative number (got ${n}).`);
  return Math.round(n);
}

/** Providers, keys, prices and usage. */
export class ProviderService {
  constructor(
    private readonly db: FlotillaDb,
    private readonly secrets: SecretStore,
  ) {}

  /** Built-ins first (with any override applied), then the user's providers in the order added. */
  list(): ProviderInfo[] {
    const rows = new Map(this.db.providers.list().map((r) => [r.id, r]));
    const out: ProviderInfo[] = [];
    for (const b of BUILTIN_PROVIDERS) {
      const row = rows.get(b.id);
      rows.delete(b.id);
      out.push(this.info(row ?? { ...b, baseUrl: null }));
    }
    for (const row of rows.values()) out.push(this.info(row));
    return out;
  }

  /** Adds or edits a provider; saving a built-in's id stores an override of its name, URL and models. */
  save(p: ProviderInput): ProviderInfo {
    if (!PROVIDER_ID.test(p.id)) {
      throw new AppError('invalid-name', `"${p.id}" is not a valid provider id: use lowercase letters, digits and dashes (up to 40).`);
    }
    const b = builtin(p.id);
    if (b && p.kind !== b.kind) {
      throw new AppError('invalid-params', `The built-in provider "${b.name}" is of kind ${b.kind}; add a new provider for a ${p.kind} endpoint.`);
    }
    const name = p.name.trim();
    if (!name) throw new AppError('invalid-params', 'A provider needs a name.');
    const baseUrl = p.baseUrl?.trim() ? checkBaseUrl(p.baseUrl.trim()) : null;
    if (!b && p.kind === 'openai') {
      throw new AppError('invalid-params', 'Add a server that speaks the OpenAI API as "OpenAI-compatible"; "OpenAI" is the built-in provider.');
    }
    if (!b && !baseUrl) {
      // Only the built-ins have a default endpoint; an added provider is some other server.
      throw new AppError('invalid-params', `${COMPATIBLE_NAME[p.kind]} provider needs a base URL, e.g. ${COMPATIBLE_EXAMPLE[p.kind]}.`);
    }
    return this.info(this.db.providers.upsert({ id: p.id, kind: p.kind, name, baseUrl, models: cleanModels(p.models) }));
  }

  /** Removes a user-added provider and its stored key; for a built-in, drops the override (reset to defaults) and keeps its key. */
  remove(id: string): void {
    if (builtin(id)) {
      this.db.providers.remove(id);
      return;
    }
    if (!this.db.providers.get(id)) throw new AppError('not-found', `There is no provider "${id}".`);
    this.secrets.clear(id);
    this.db.providers.remove(id);
  }

  /** Stores a key for a provider (the key store decides where; see SecretStore). */
  setKey(id: string, key: string, allowPlaintext = false): ProviderInfo {
    const row = this.row(id);
    const trimmed = key.trim();
    if (!trimmed) throw new AppError('invalid-params', 'The key is empty.');
    if (/\s/.test(trimmed)) throw new AppError('invalid-params', 'The key contains spaces or line breaks; paste only the key.');
    rememberSecret(trimmed);
    this.secrets.set(id, trimmed, { allowPlaintext });
    return this.info(row);
  }

  /** Forgets a stored key. A key from an environment variable still applies (keySource 'env'). */
  clearKey(id: string): ProviderInfo {
    const row = this.row(id);
    this.secrets.clear(id);
    return this.info(row);
  }

  /**
   * A provider with its key, for the core only (agent loop, CLI environment). Throws not-found for an
   * unknown id, and the key store's AppError when a stored key cannot be used safely.
   */
  resolve(id: string): ResolvedProvider {
    const row = this.row(id);
    const key = this.secrets.get(row.id, row.kind);
    rememberSecret(key);
    return { id: row.id, kind: row.kind, name: row.name, baseUrl: row.baseUrl, key, models: row.models };
  }

  /** The key Flotilla's environment holds for a vendor (e.g. ANTHROPIC_API_KEY), for "the CLI's own"; core only. */
  environmentKey(kind: ProviderKind): string | null {
    const key = this.secrets.environmentKey?.(kind) ?? null;
    rememberSecret(key);
    return key;
  }

  /** Default prices overlaid by the user's, sorted by model. */
  listPrices(): PriceEntry[] {
    return mergePrices(DEFAULT_PRICES, this.db.prices.list());
  }

  /** Sets a model's price (USD per million tokens); applies to usage recorded from now on. */
  savePrice(p: PriceEntry): PriceEntry[] {
    const model = p.model.trim();
    if (!model) throw new AppError('invalid-params', 'A price needs a model name.');
    const inputPerMTok = toPrice(p.inputPerMTok, 'The input price');
    const outputPerMTok = toPrice(p.outputPerMTok, 'The output price');
    this.db.prices.upsert({ model, inputPerMTok, outputPerMTok });
    return this.listPrices();
  }

  /** Drops the user's price for a model, back to the default (or to no price). */
  resetPrice(model: string): PriceEntry[] {
    this.db.prices.remove(model.trim());
    return this.listPrices();
  }

  /**
   * Records one model call's tokens, priced now with the current table (null cost for an unpriced
   * model). Later price edits do not rewrite past spend.
   */
  recordUsage(u: UsageReport): void {
    const inputTokens = toCount(u.inputTokens, 'Input tokens');
    const outputTokens = toCount(u.outputTokens, 'Output tokens');
    this.db.usage.insert({ ...u, inputTokens, outputTokens, costUsd: costUsd(this.listPrices(), u.model, inputTokens, outputTokens) });
  }

  /** Tokens and cost over all of an agent's processes; null when nothing was recorded. */
  usageForAgent(agentId: string): Usage | null {
    return this.db.usage.forAgent(agentId);
  }

  /** Tokens and cost of one process of an agent; null when nothing was recorded. */
  usageForProcess(processId: number): Usage | null {
    return this.db.usage.forProcess(processId);
  }

  /**
   * Totals, by provider and by agent, for one repository or all. A cost sums the calls whose model
   * had a price; it is null only when none had one (so a partly priced total is a lower bound).
   */
  summary(repoId?: string): UsageSummary {
    return this.db.usage.summary(repoId ?? null);
  }

  private row(id: string): Pick<ProviderRow, 'id' | 'kind' | 'name' | 'baseUrl' | 'models'> {
    const row = this.db.providers.get(id);
    if (row) return row;
    const b = builtin(id);
    if (b) return { ...b, baseUrl: null };
    throw new AppError('not-found', `There is no provider "${id}". Add it in Settings → Providers.`);
  }

  private info(row: Pick<ProviderRow, 'id' | 'kind' | 'name' | 'baseUrl' | 'models'>): ProviderInfo {
    const keySource = this.secrets.source(row.id, row.kind);
    return { id: row.id, kind: row.kind, name: row.name, baseUrl: row.baseUrl, models: [...row.models], hasKey: keySource !== null, keySource };
  }
}

function toPrice(n: number, what: string): number {
  if (!Number.isFinite(n) || n < 0) throw new AppError('invalid-params', `${what} must be a non-negative number of USD per million tokens.`);
  return n;
}
