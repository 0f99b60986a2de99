import { chmodSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FlotillaDb } from '../src/main/core/db';
import { AppError } from '../src/main/core/errors';
import { BUILTIN_PROVIDERS, FileSecretStore, ProviderService } from '../src/main/core/providers';
import { makeTestDb } from './helpers/pty';

let db: FlotillaDb;
let dbFile: string;
let cleanup: () => void;
let secrets: FileSecretStore;
let service: ProviderService;

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected an AppError');
}

beforeEach(() => {
  let dir: string;
  ({ db, dir, file: dbFile, cleanup } = makeTestDb());
  secrets = new FileSecretStore(join(dir, 'data'), {});
  service = new ProviderService(db, secrets);
});
afterEach(() => cleanup());

const ollama = { id: 'ollama', kind: 'openai-compatible' as const, name: 'Ollama', baseUrl: 'http://127.0.0.1:11434/v1', models: ['qwen2.5-coder:7b', 'llama3.1'] };

describe('ProviderService: providers', () => {
  it('lists OpenAI, Anthropic and Google with models even when the table is empty', () => {
    const list = service.list();
    expect(list.map((p) => [p.id, p.kind, p.name])).toEqual([
      ['openai', 'openai', 'OpenAI'],
      ['anthropic', 'anthropic', 'Anthropic'],
      ['google', 'google', 'Google Gemini'],
    ]);
    for (const p of list) {
      expect(p.models.length).toBeGreaterThan(0);
      expect(p).toMatchObject({ baseUrl: null, hasKey: false, keySource: null });
    }
  });

  it('adds, edits and removes a custom OpenAI-compatible provider', () => {
    const saved = service.save(ollama);
    expect(saved).toEqual({ ...ollama, hasKey: false, keySource: null });
    expect(service.list().map((p) => p.id)).toEqual(['openai', 'anthropic', 'google', 'ollama']);

    service.save({ ...ollama, name: 'Local Ollama', models: ['llama3.1', ' llama3.1 ', 'phi4'] });
    expect(service.list()[3]).toMatchObject({ name: 'Local Ollama', models: ['llama3.1', 'phi4'] });

    service.remove('ollama');
    expect(service.list().map((p) => p.id)).toEqual(['openai', 'anthropic', 'google']);
    expect(thrown(() => service.remove('ollama')).code).toBe('not-found');
  });

  it('needs a base URL for an OpenAI-compatible provider and rejects one with credentials in it', () => {
    expect(thrown(() => service.save({ ...ollama, baseUrl: null })).message).toContain('needs a base URL');
    expect(thrown(() => service.save({ ...ollama, baseUrl: 'ftp://x/v1' })).code).toBe('invalid-params');
    // A malformed URL is called malformed, not missing.
    expect(thrown(() => service.save({ ...ollama, baseUrl: 'localhost:11434/v1' })).message).toMatch(/is not a full URL: start it with http:\/\//);
    expect(thrown(() => service.save({ ...ollama, baseUrl: 'http://user:pw@127.0.0.1:11434/v1' })).code).toBe('invalid-params');
    expect(thrown(() => service.save({ ...ollama, id: 'Bad Id' })).code).toBe('invalid-name');
    expect(service.list()).toHaveLength(3);
  });

  it('adds Anthropic- and Gemini-compatible endpoints by base URL, and gives a built-in an optional base URL', () => {
    expect(thrown(() => service.save({ id: 'proxy', kind: 'anthropic', name: 'Proxy', baseUrl: null, models: [] })).message).toContain(
      'An Anthropic-compatible provider needs a base URL',
    );
    expect(thrown(() => service.save({ id: 'gem', kind: 'google', name: 'Gem', baseUrl: null, models: [] })).message).toContain('A Gemini-compatible provider needs a base URL');
    expect(thrown(() => service.save({ id: 'other-openai', kind: 'openai', name: 'X', baseUrl: 'http://x/v1', models: [] })).message).toContain('OpenAI-compatible');
    expect(service.save({ id: 'proxy', kind: 'anthropic', name: 'Proxy', baseUrl: 'http://127.0.0.1:4000/', models: ['claude-x'] })).toMatchObject({
      kind: 'anthropic',
      baseUrl: 'http://127.0.0.1:4000',
    });
    expect(service.save({ id: 'gem', kind: 'google', name: 'Gem', baseUrl: 'http://127.0.0.1:4001', models: [] }).kind).toBe('google');
    expect(service.save({ id: 'anthropic', kind: 'anthropic', name: 'Anthropic', baseUrl: 'https://gateway.example/anthropic', models: ['m'] }).baseUrl).toBe(
      'https://gateway.example/anthropic',
    );
    expect(service.save({ id: 'anthropic', kind: 'anthropic', name: 'Anthropic', baseUrl: null, models: ['m'] }).baseUrl).toBeNull();
  });

  it('saving a built-in stores an override; removing it resets to the defaults', () => {
    service.save({ id: 'openai', kind: 'openai', name: 'OpenAI (proxy)', baseUrl: 'http://127.0.0.1:9999/v1/', models: ['gpt-5'] });
    expect(service.list()[0]).toMatchObject({ id: 'openai', name: 'OpenAI (proxy)', baseUrl: 'http://127.0.0.1:9999/v1', models: ['gpt-5'] });
    expect(service.resolve('openai').baseUrl).toBe('http://127.0.0.1:9999/v1');
    expect(thrown(() => service.save({ id: 'openai', kind: 'anthropic', name: 'x', baseUrl: null, models: [] })).code).toBe('invalid-params');

    service.remove('openai');
    expect(service.list()[0]).toEqual({ ...BUILTIN_PROVIDERS[0], baseUrl: null, hasKey: false, keySource: null });
  });
});

describe('ProviderService: keys', () => {
  it('sets and clears a key, reporting only that it exists and where from', () => {
    service.save(ollama);
    const info = service.setKey('ollama', '  sk-local-abc  ');
    expect(info).toMatchObject({ id: 'ollama', hasKey: true, keySource: 'file' });
    expect(service.resolve('ollama')).toEqual({ id: 'ollama', kind: 'openai-compatible', name: 'Ollama', baseUrl: ollama.baseUrl, key: 'sk-local-abc', models: ollama.models });
    expect(service.clearKey('ollama')).toMatchObject({ hasKey: false, keySource: null });
    expect(service.resolve('ollama').key).toBeNull();
    expect(thrown(() => service.setKey('nope', 'k')).code).toBe('not-found');
    expect(thrown(() => service.setKey('openai', 'two words')).code).toBe('invalid-params');
  });

  it('a key from the environment beats the key file', () => {
    const env = { GEMINI_API_KEY: 'gk-env' };
    const withEnv = new ProviderService(db, new FileSecretStore(dirname(secrets.file), env));
    withEnv.setKey('google', 'gk-file');
    expect(withEnv.list().find((p) => p.id === 'google')).toMatchObject({ hasKey: true, keySource: 'env' });
    expect(withEnv.resolve('google').key).toBe('gk-env');
    expect(service.resolve('google').key).toBe('gk-file');
  });

  it('removing a custom provider forgets its key', () => {
    service.save(ollama);
    service.setKey('ollama', 'sk-forget-me');
    service.remove('ollama');
    service.save(ollama);
    expect(service.resolve('ollama').key).toBeNull();
  });

  it.runIf(process.platform !== 'win32')('refuses a key file readable by others at launch time and lists the key as absent', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      service.setKey('anthropic', 'sk-ant-exposed');
      chmodSync(secrets.file, 0o644);
      expect(service.list().find((p) => p.id === 'anthropic')).toMatchObject({ hasKey: false, keySource: null });
      const err = thrown(() => service.resolve('anthropic'));
      expect(err.message).toContain('chmod 600');
      expect(err.message).not.toContain('sk-ant-exposed');
      expect(warn).toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('never puts a key in list() output or in the database files', () => {
    const key = 'sk-proj-NEVER-IN-DB-0123456789';
    service.save(ollama);
    service.setKey('openai', key);
    service.setKey('ollama', key);
    service.recordUsage({ agentId: 'a1', repoId: 'r1', processId: 1, provider: 'openai', model: 'gpt-5', inputTokens: 10, outputTokens: 5 });
    expect(JSON.stringify(service.list())).not.toContain(key);

    const dbDir = dirname(dbFile);
    const dbFiles = readdirSync(dbDir).filter((f) => f.startsWith('flotilla.db'));
    expect(dbFiles).toContain('flotilla.db');
    for (const f of dbFiles) expect(readFileSync(join(dbDir, f)).includes(Buffer.from(key))).toBe(false);
    // ...and the only place it is, in web mode, is the owner-only key file.
    expect(readFileSync(secrets.file, 'utf8')).toContain(key);
  });
});
