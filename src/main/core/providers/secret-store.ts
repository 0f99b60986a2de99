/**
 * Where API keys live. The core asks a SecretStore; the desktop shell gives it one backed by the OS
 * keychain (src/main/secret-store-electron.ts), web mode uses FileSecretStore. Keys are never
 * logged, stored in the database, or put in an error message.
 */
import { join } from 'node:path';
import type { ProviderKind } from '../../../shared/types';
import { vendorKeyEnvNames, VENDOR_KEY_ENV_NAMES } from '../../../shared/vendor-keys';
import { AppError } from '../errors';
import { BUILTIN_PROVIDERS } from './defaults';
import { keyFileProblem, readOwnerOnlyJson, writeOwnerOnlyJson } from './key-file';

/** Where a provider's key comes from (never the key itself). */
export type KeySource = 'env' | 'file' | 'keychain';

/** A store of API keys by provider id. */
export interface SecretStore {
  /** The key for a provider, or null. Throws AppError when a stored key exists but cannot be used safely. */
  get(providerId: string, kind: ProviderKind): string | null;
  /** Stores a key; `allowPlaintext` is the user's explicit consent where no keychain protects it. */
  set(providerId: string, key: string, opts: { allowPlaintext?: boolean }): void;
  /** Forgets a stored key (environment variables are outside Flotilla's reach). */
  clear(providerId: string): void;
  /** Where get() would find the key, or null when there is none; never throws. */
  source(providerId: string, kind: ProviderKind): KeySource | null;
  /** The key the environment holds under the vendor's own variable name (OPENAI_API_KEY, ...), or null. */
  environmentKey?(kind: ProviderKind): string | null;
}

export { vendorKeyEnvNames };

/** `FLOTILLA_KEY_<ID>`: the per-provider variable, e.g. FLOTILLA_KEY_OPEN_ROUTER for 'open-router'. */
export function flotillaKeyEnvName(providerId: string): string {
  return `FLOTILLA_KEY_${providerId.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * The key from the environment, or null. The per-provider variable wins over the vendor's name
 * because it is the more specific choice the user made. The vendor's name (ANTHROPIC_API_KEY, ...)
 * counts only for the built-in provider of that vendor: a user-added Anthropic- or Gemini-compatible
 * endpoint is someone else's server, and the vendor's key must not be sent there.
 */
export function keyFromEnv(providerId: string, kind: ProviderKind, env: NodeJS.ProcessEnv): string | null {
  const vendor = BUILTIN_PROVIDERS.some((b) => b.id === providerId && b.kind === kind) ? vendorKeyEnvNames(kind) : [];
  for (const name of [flotillaKeyEnvName(providerId), ...vendor]) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return null;
}

/** The key under the vendor's own variable names only (for "the CLI's own (environment)"), or null. */
export function vendorKeyFromEnv(kind: ProviderKind, env: NodeJS.ProcessEnv): string | null {
  for (const name of vendorKeyEnvNames(kind)) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return null;
}

/**
 * Every variable that carries a key Flotilla reads (FLOTILLA_KEY_*, the vendors' names): what
 * `flotilla serve` takes out of its own environment at start.
 */
export function isKeyEnvName(name: string): boolean {
  return name.startsWith('FLOTILLA_KEY_') || VENDOR_KEY_ENV_NAMES.includes(name);
}

interface KeysFile {
  version: 1;
  keys: Record<string, string>;
}

function parseKeysFile(value: unknown, file: string): KeysFile {
  const keys: Record<string, string> = {};
  if (value === null) return { version: 1, keys };
  const raw = (value as { keys?: unknown }).keys;
  if (typeof value !== 'object' || typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AppError('unsupported', `The key file ${file} is not in Flotilla's format ({"version": 1, "keys": {"<provider id>": "<key>"}}).`, { file });
  }
  for (const [id, key] of Object.entries(raw)) if (typeof key === 'string' && key.trim()) keys[id] = key.trim();
  return { version: 1, keys };
}

/** Web mode's store: environment variables first, then `<dataDir>/keys.json` (mode 0600). */
export class FileSecretStore implements SecretStore {
  /** The key file; a user may also write it by hand. */
  readonly file: string;
  private warned: string | null = null;

  constructor(
    dataDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.file = join(dataDir, 'keys.json');
  }

  get(providerId: string, kind: ProviderKind): string | null {
    return keyFromEnv(providerId, kind, this.env) ?? this.read().keys[providerId] ?? null;
  }

  set(providerId: string, key: string, _opts: { allowPlaintext?: boolean }): void {
    // The file is the user's chosen plaintext store in web mode: owner-only is its protection.
    const data = this.read();
    data.keys[providerId] = key.trim();
    writeOwnerOnlyJson(this.file, data);
  }

  clear(providerId: string): void {
    const data = this.read();
    if (!(providerId in data.keys)) return;
    delete data.keys[providerId];
    writeOwnerOnlyJson(this.file, data);
  }

  environmentKey(kind: ProviderKind): string | null {
    return vendorKeyFromEnv(kind, this.env);
  }

  source(providerId: string, kind: ProviderKind): KeySource | null {
    if (keyFromEnv(providerId, kind, this.env)) return 'env';
    try {
      return this.read().keys[providerId] ? 'file' : null;
    } catch {
      return null;
    }
  }

  /** Why the key file is being ignored, or null; for a settings banner. */
  problem(): string | null {
    return keyFileProblem(this.file);
  }

  private read(): KeysFile {
    try {
      return parseKeysFile(readOwnerOnlyJson(this.file), this.file);
    } catch (err) {
      // Say it once per distinct problem in the log, and every time to the caller.
      if (err instanceof AppError && this.warned !== err.message) {
        this.warned = err.message;
        console.warn(`[flotilla] ${err.message}`);
      }
      throw err;
    }
  }
}
