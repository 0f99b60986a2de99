/**
 * The desktop app's key store: keys encrypted with Electron's safeStorage (the OS keychain) into an
 * owner-only JSON file of base64 blobs. On Linux without a keychain, safeStorage falls back to
 * 'basic_text' (a fixed, public password): Flotilla refuses that unless the user accepts it.
 * Environment variables still win, as in web mode.
 */
import type { SafeStorage } from 'electron';
import type { ProviderKind } from '../shared/types';
import { AppError } from './core/errors';
import { keyFromEnv, readOwnerOnlyJson, vendorKeyFromEnv, writeOwnerOnlyJson, type KeySource, type SecretStore } from './core/providers';

/** How a stored blob was made: real keychain encryption, basic_text obfuscation, or none. */
type Encoding = 'keychain' | 'basic_text' | 'plain';

interface Entry {
  blob: string;
  encoding: Encoding;
}

interface StoreFile {
  version: 1;
  /** When the user accepted keys without keychain protection (absent if never). */
  plaintextAcceptedAt?: number;
  keys: Record<string, Entry>;
}

/** Options for tests and other platforms; the app passes none. */
export interface ElectronSecretStoreOptions {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

const ENCODINGS: readonly Encoding[] = ['keychain', 'basic_text', 'plain'];

function parseStore(value: unknown): StoreFile {
  const out: StoreFile = { version: 1, keys: {} };
  if (typeof value !== 'object' || value === null) return out;
  const v = value as { plaintextAcceptedAt?: unknown; keys?: unknown };
  if (typeof v.plaintextAcceptedAt === 'number') out.plaintextAcceptedAt = v.plaintextAcceptedAt;
  if (typeof v.keys === 'object' && v.keys !== null) {
    for (const [id, e] of Object.entries(v.keys as Record<string, unknown>)) {
      const entry = e as Partial<Entry> | null;
      if (entry && typeof entry.blob === 'string' && ENCODINGS.includes(entry.encoding as Encoding)) {
        out.keys[id] = { blob: entry.blob, encoding: entry.encoding as Encoding };
      }
    }
  }
  return out;
}

/** A SecretStore on `safeStorage`, persisted in `file` (mode 0600). Call after the app is ready. */
export function createElectronSecretStore(safeStorage: SafeStorage, file: string, opts: ElectronSecretStoreOptions = {}): SecretStore {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;

  const read = (): StoreFile => parseStore(readOwnerOnlyJson(file));

  /** Why keys would not be protected by a keychain, or null when they would be. */
  const weakness = (): { reason: string; encoding: Encoding } | null => {
    if (!safeStorage.isEncryptionAvailable()) return { reason: 'encryption is not available on this system', encoding: 'plain' };
    // getSelectedStorageBackend exists only on Linux.
    if (platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') {
      return { reason: 'no Secret Service or KWallet was found, so Electron would use its basic_text fallback', encoding: 'basic_text' };
    }
    return null;
  };

  return {
    get(providerId: string, kind: ProviderKind): string | null {
      const fromEnv = keyFromEnv(providerId, kind, env);
      if (fromEnv) return fromEnv;
      const entry = read().keys[providerId];
      if (!entry) return null;
      const bytes = Buffer.from(entry.blob, 'base64');
      if (entry.encoding === 'plain') return bytes.toString('utf8');
      try {
        // The sync API is deprecated in favour of the async one, but SecretStore is synchronous
        // (it backs settings listings and launches) and the sync call still works.
        return safeStorage.decryptString(bytes);
      } catch {
        throw new AppError('unsupported', `The stored key for "${providerId}" could not be decrypted (the OS keychain may have changed). Set the key again.`);
      }
    },

    set(providerId: string, key: string, setOpts: { allowPlaintext?: boolean }): void {
      const data = read();
      const weak = weakness();
      if (weak && !setOpts.allowPlaintext) {
        throw new AppError(
          'unsupported',
          `No OS keychain is available (${weak.reason}). Keys would be stored in plain text; accept that explicitly to continue.`,
          { needsPlaintextConsent: true },
        );
      }
      if (weak) {
        data.plaintextAcceptedAt = Date.now();
        const blob = weak.encoding === 'plain' ? Buffer.from(key, 'utf8') : safeStorage.encryptString(key);
        data.keys[providerId] = { blob: blob.toString('base64'), encoding: weak.encoding };
      } else {
        data.keys[providerId] = { blob: safeStorage.encryptString(key).toString('base64'), encoding: 'keychain' };
      }
      writeOwnerOnlyJson(file, data);
    },

    clear(providerId: string): void {
      const data = read();
      if (!(providerId in data.keys)) return;
      delete data.keys[providerId];
      writeOwnerOnlyJson(file, data);
    },

    environmentKey(kind: ProviderKind): string | null {
      return vendorKeyFromEnv(kind, env);
    },

    source(providerId: string, kind: ProviderKind): KeySource | null {
      if (keyFromEnv(providerId, kind, env)) return 'env';
      try {
        const entry = read().keys[providerId];
        if (!entry) return null;
        // Only real keychain encryption earns 'keychain'; anything else is a file a thief can read.
        return entry.encoding === 'keychain' ? 'keychain' : 'file';
      } catch (err) {
        console.warn(`[flotilla] ${err instanceof AppError ? err.message : 'The key store could not be read.'}`);
        return null;
      }
    },
  };
}
