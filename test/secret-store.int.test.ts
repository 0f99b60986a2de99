import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SafeStorage } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../src/main/core/errors';
import { FileSecretStore, flotillaKeyEnvName, keyFromEnv } from '../src/main/core/providers';
import { createElectronSecretStore } from '../src/main/secret-store-electron';
import { tempDir } from './helpers/repo';
import { dirTracker } from './helpers/tracking';

const track = dirTracker();
const posix = process.platform !== 'win32';

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected an AppError');
}

let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => warn.mockRestore());

describe('keys from the environment', () => {
  it('uses the vendor names by kind and FLOTILLA_KEY_<ID> for any provider, the latter first', () => {
    expect(flotillaKeyEnvName('open-router')).toBe('FLOTILLA_KEY_OPEN_ROUTER');
    expect(keyFromEnv('openai', 'openai', { OPENAI_API_KEY: 'sk-o' })).toBe('sk-o');
    expect(keyFromEnv('anthropic', 'anthropic', { ANTHROPIC_API_KEY: 'sk-a' })).toBe('sk-a');
    expect(keyFromEnv('google', 'google', { GOOGLE_API_KEY: 'g2' })).toBe('g2');
    expect(keyFromEnv('google', 'google', { GEMINI_API_KEY: 'g1', GOOGLE_API_KEY: 'g2' })).toBe('g1');
    expect(keyFromEnv('openai', 'openai', { OPENAI_API_KEY: 'sk-o', FLOTILLA_KEY_OPENAI: 'sk-f' })).toBe('sk-f');
    expect(keyFromEnv('open-router', 'openai-compatible', { FLOTILLA_KEY_OPEN_ROUTER: 'or-1' })).toBe('or-1');
  });

  it('never gives OpenAI’s key to an OpenAI-compatible endpoint, and ignores empty variables', () => {
    expect(keyFromEnv('ollama', 'openai-compatible', { OPENAI_API_KEY: 'sk-o' })).toBeNull();
    expect(keyFromEnv('openai', 'openai', { OPENAI_API_KEY: '  ' })).toBeNull();
  });

  it("never gives a vendor's key to a user-added endpoint of that vendor's protocol (a proxy is someone else's server)", () => {
    expect(keyFromEnv('my-proxy', 'anthropic', { ANTHROPIC_API_KEY: 'sk-a' })).toBeNull();
    expect(keyFromEnv('my-gemini', 'google', { GEMINI_API_KEY: 'g1' })).toBeNull();
    expect(keyFromEnv('my-proxy', 'anthropic', { ANTHROPIC_API_KEY: 'sk-a', FLOTILLA_KEY_MY_PROXY: 'p1' })).toBe('p1');
  });
});

describe('FileSecretStore (web mode)', () => {
  it('writes keys.json atomically with mode 0600 and reads the key back', () => {
    const dir = track(tempDir());
    const store = new FileSecretStore(dir, {});
    expect(store.get('openai', 'openai')).toBeNull();
    expect(store.source('openai', 'openai')).toBeNull();
    store.set('openai', 'sk-file-123', {});
    store.set('ollama', 'local-key', {});
    if (posix) expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['keys.json']); // no temp file left behind
    expect(store.get('openai', 'openai')).toBe('sk-file-123');
    expect(store.source('openai', 'openai')).toBe('file');
    expect(new FileSecretStore(dir, {}).get('ollama', 'openai-compatible')).toBe('local-key');
    store.clear('openai');
    expect(store.get('openai', 'openai')).toBeNull();
    expect(store.get('ollama', 'openai-compatible')).toBe('local-key');
  });

  it('prefers a key from the environment over the file', () => {
    const dir = track(tempDir());
    const store = new FileSecretStore(dir, { ANTHROPIC_API_KEY: 'sk-env' });
    store.set('anthropic', 'sk-file', {});
    expect(store.get('anthropic', 'anthropic')).toBe('sk-env');
    expect(store.source('anthropic', 'anthropic')).toBe('env');
  });

  it.runIf(posix)('refuses a key file other users can read, says why and how to fix it, and uses none of its keys', () => {
    const dir = track(tempDir());
    const store = new FileSecretStore(dir, {});
    store.set('openai', 'sk-secret-644', {});
    chmodSync(store.file, 0o644);

    const err = thrown(() => store.get('openai', 'openai'));
    expect(err.code).toBe('unsupported');
    expect(err.message).toContain('other users can access it');
    expect(err.message).toContain('chmod 600');
    expect(err.message).not.toContain('sk-secret-644');
    expect(store.source('openai', 'openai')).toBeNull();
    expect(store.problem()).toContain('0644');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('other users can access it'));
    expect(JSON.stringify(warn.mock.calls)).not.toContain('sk-secret-644');
    // Nor does it quietly rewrite the file (which would hide the exposure).
    expect(thrown(() => store.set('anthropic', 'sk-x', {})).code).toBe('unsupported');
    expect(statSync(store.file).mode & 0o777).toBe(0o644);

    chmodSync(store.file, 0o600);
    expect(store.get('openai', 'openai')).toBe('sk-secret-644');
  });

  it.runIf(posix)('an environment key still works while the key file is refused', () => {
    const dir = track(tempDir());
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ version: 1, keys: { openai: 'sk-file' } }), { mode: 0o640 });
    chmodSync(join(dir, 'keys.json'), 0o640);
    expect(new FileSecretStore(dir, { OPENAI_API_KEY: 'sk-env' }).get('openai', 'openai')).toBe('sk-env');
  });

  it('reports a malformed key file without quoting its contents', () => {
    const dir = track(tempDir());
    writeFileSync(join(dir, 'keys.json'), '{"keys": {"openai": "sk-broken', { mode: 0o600 });
    const err = thrown(() => new FileSecretStore(dir, {}).get('openai', 'openai'));
    expect(err.message).toContain('not valid JSON');
    expect(err.message).not.toContain('sk-broken');
  });
});

/** A stand-in for Electron's safeStorage (Electron's API, not ours): reversible, visibly not plaintext. */
function fakeSafeStorage(backend: 'basic_text' | 'gnome_libsecret', available = true): SafeStorage & { encrypted: number } {
  const fake = {
    encrypted: 0,
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString(plain: string): Buffer {
      if (!available) throw new Error('Encryption is not available.');
      fake.encrypted++;
      return Buffer.from(`v10:${Buffer.from(plain, 'utf8').reverse().toString('hex')}`);
    },
    decryptString(encrypted: Buffer): string {
      const text = encrypted.toString();
      if (!text.startsWith('v10:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(text.slice(4), 'hex').reverse().toString('utf8');
    },
  };
  return fake as unknown as SafeStorage & { encrypted: number };
}

describe('Electron secret store', () => {
  it('round-trips a key through safeStorage into an owner-only file of base64 blobs', () => {
    const dir = track(tempDir());
    const file = join(dir, 'keys.electron.json');
    const safe = fakeSafeStorage('gnome_libsecret');
    const store = createElectronSecretStore(safe, file, { env: {}, platform: 'linux' });
    store.set('anthropic', 'sk-ant-roundtrip', {});
    expect(safe.encrypted).toBe(1);
    if (posix) expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('sk-ant-roundtrip');
    expect(text).not.toContain(Buffer.from('sk-ant-roundtrip').toString('base64'));
    expect(store.get('anthropic', 'anthropic')).toBe('sk-ant-roundtrip');
    expect(store.source('anthropic', 'anthropic')).toBe('keychain');
    store.clear('anthropic');
    expect(store.get('anthropic', 'anthropic')).toBeNull();
    expect(store.source('anthropic', 'anthropic')).toBeNull();
  });

  it('refuses the basic_text backend on Linux unless the user accepts plain text, then records that', () => {
    const dir = track(tempDir());
    const file = join(dir, 'keys.electron.json');
    const store = createElectronSecretStore(fakeSafeStorage('basic_text'), file, { env: {}, platform: 'linux' });
    const err = thrown(() => store.set('openai', 'sk-basic', {}));
    expect(err.code).toBe('unsupported');
    expect(err.message).toMatch(/^No OS keychain is available \(.+\)\. Keys would be stored in plain text; accept that explicitly to continue\.$/);
    expect(err.message).not.toContain('sk-basic');
    expect(existsSync(file)).toBe(false);

    store.set('openai', 'sk-basic', { allowPlaintext: true });
    expect(store.get('openai', 'openai')).toBe('sk-basic');
    expect(store.source('openai', 'openai')).toBe('file');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { plaintextAcceptedAt?: number; keys: Record<string, { encoding: string }> };
    expect(saved.plaintextAcceptedAt).toEqual(expect.any(Number));
    expect(saved.keys.openai.encoding).toBe('basic_text');
  });

  it('refuses when encryption is unavailable altogether, and stores plain base64 only with consent', () => {
    const dir = track(tempDir());
    const file = join(dir, 'keys.electron.json');
    const store = createElectronSecretStore(fakeSafeStorage('gnome_libsecret', false), file, { env: {}, platform: 'darwin' });
    expect(thrown(() => store.set('google', 'gk-1', {})).message).toContain('encryption is not available');
    store.set('google', 'gk-1', { allowPlaintext: true });
    expect(store.get('google', 'google')).toBe('gk-1');
    expect(store.source('google', 'google')).toBe('file');
  });

  it('lets environment variables win over stored keys', () => {
    const dir = track(tempDir());
    const store = createElectronSecretStore(fakeSafeStorage('gnome_libsecret'), join(dir, 'k.json'), { env: { OPENAI_API_KEY: 'sk-env' }, platform: 'linux' });
    store.set('openai', 'sk-stored', {});
    expect(store.get('openai', 'openai')).toBe('sk-env');
    expect(store.source('openai', 'openai')).toBe('env');
  });

  it('says a key that no longer decrypts must be set again, without the blob or key in the message', () => {
    const dir = track(tempDir());
    const file = join(dir, 'k.json');
    writeFileSync(file, JSON.stringify({ version: 1, keys: { openai: { blob: Buffer.from('garbage').toString('base64'), encoding: 'keychain' } } }), { mode: 0o600 });
    const store = createElectronSecretStore(fakeSafeStorage('gnome_libsecret'), file, { env: {}, platform: 'linux' });
    const err = thrown(() => store.get('openai', 'openai'));
    expect(err.message).toContain('Set the key again');
    expect(err.message).not.toContain('garbage');
  });
});
