import { mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate, openDatabase, schemaVersion, type Migration } from '../src/main/core/db';
import { AppError } from '../src/main/core/errors';
import { removeDir, tempDir } from './helpers/repo';

const dirs: string[] = [];
/** A database path whose parent folder does not exist yet. */
function freshFile(): string {
  const dir = tempDir('flotilla-migrate-');
  dirs.push(dir);
  return join(dir, 'nested', 'flotilla.db');
}

/** A raw connection (no migrations) on a file in a fresh temp dir. */
function rawDb(): Database.Database {
  const dir = tempDir('flotilla-migrate-');
  dirs.push(dir);
  return new Database(join(dir, 'flotilla.db'));
}

afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir);
});

function tables(db: Database.Database): string[] {
  return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
}

describe('migrations', () => {
  it('brings an empty file from version 0 to the latest, creating its parent folder', () => {
    const file = freshFile();
    const db = openDatabase(file);
    try {
      expect(schemaVersion(db.connection)).toBe(MIGRATIONS.length);
      expect(db.connection.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.connection.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.connection.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    } finally {
      db.close();
    }
  });

  it('re-opening an up-to-date database applies nothing and keeps the data', () => {
    const file = freshFile();
    const first = openDatabase(file);
    const repo = first.repos.upsert('/some/repo', 'repo');
    first.close();

    const raw = new Database(file);
    expect(migrate(raw)).toBe(0);
    raw.close();

    const second = openDatabase(file);
    try {
      expect(schemaVersion(second.connection)).toBe(MIGRATIONS.length);
      expect(second.repos.get(repo.id)?.path).toBe('/some/repo');
    } finally {
      second.close();
    }
  });

  it('001-initial creates the repos, agents, runs, events and transcript tables', () => {
    const raw = rawDb();
    try {
      expect(migrate(raw, MIGRATIONS.slice(0, 1))).toBe(1);
      expect(schemaVersion(raw)).toBe(1);
      expect(tables(raw)).toEqual(expect.arrayContaining(['agents', 'events', 'repos', 'runs', 'transcript_chunks']));
    } finally {
      raw.close();
    }
  });

  it('002 rebuilds agents for the new kinds without cascading away their runs, events or transcripts', () => {
    const raw = rawDb();
    raw.pragma('foreign_keys = ON');
    migrate(raw, MIGRATIONS.slice(0, 1));
    raw.exec(`INSERT INTO repos VALUES ('r1', '/repo', 'repo', 1, 1)`);
    raw.exec(`INSERT INTO agents VALUES ('a1', 'r1', 'A', 'a', 'flotilla/a', 'main', 1, 'abc', 'shell', NULL, NULL, '/wt', 'running', NULL, 0, 1, 1)`);
    raw.exec(`INSERT INTO runs (agent_id, started_at, status) VALUES ('a1', 1, 'running')`);
    raw.exec(`INSERT INTO events (agent_id, type, created_at) VALUES ('a1', 'created', 1)`);
    raw.exec(`INSERT INTO transcript_chunks (agent_id, data, size, created_at) VALUES ('a1', x'6869', 2, 1)`);

    expect(migrate(raw)).toBe(MIGRATIONS.length - 1);
    const count = (table: string) => (raw.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    expect([count('agents'), count('runs'), count('events'), count('transcript_chunks')]).toEqual([1, 1, 1, 1]);
    expect(raw.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(tables(raw)).toEqual(expect.arrayContaining(['providers', 'prices', 'usage', 'custom_cli']));
    raw.exec(`UPDATE agents SET kind = 'flotilla' WHERE id = 'a1'`);
    expect(() => raw.exec(`UPDATE agents SET kind = 'bogus' WHERE id = 'a1'`)).toThrow(/CHECK/);
    // Deleting the agent still cascades after the rebuild.
    raw.exec(`DELETE FROM agents WHERE id = 'a1'`);
    expect(count('runs')).toBe(0);
    raw.close();
  });

  it('003 adds the settings table; a version-2 database keeps its data and starts with no passed-through variables', () => {
    const file = freshFile();
    mkdirSync(dirname(file), { recursive: true });
    const raw = new Database(file);
    migrate(raw, MIGRATIONS.slice(0, 2));
    raw.exec(`INSERT INTO prices VALUES ('m', 1, 2, 1)`);
    expect(migrate(raw, MIGRATIONS.slice(0, 3))).toBe(1);
    expect(tables(raw)).toContain('settings');
    expect(raw.prepare('SELECT count(*) AS n FROM prices').get()).toEqual({ n: 1 });
    raw.close();
    const db = openDatabase(file);
    try {
      expect(db.settings.agentEnvPassthrough()).toEqual([]);
      db.settings.setAgentEnvPassthrough(['SSH_AUTH_SOCK', 'HTTPS_PROXY']);
      expect(db.settings.agentEnvPassthrough()).toEqual(['SSH_AUTH_SOCK', 'HTTPS_PROXY']);
    } finally {
      db.close();
    }
  });

  it('004 records a size per transcript chunk and keeps the chunks already stored', () => {
    const raw = rawDb();
    raw.pragma('foreign_keys = ON');
    migrate(raw, MIGRATIONS.slice(0, 3));
    raw.exec(`INSERT INTO repos VALUES ('r1', '/repo', 'repo', 1, 1)`);
    raw.exec(`INSERT INTO agents (id, repo_id, name, slug, branch, base_ref, base_is_branch, base_sha, kind, worktree_path, status, missing, created_at, updated_at)
      VALUES ('a1', 'r1', 'A', 'a', 'flotilla/a', 'main', 1, 'abc', 'shell', '/wt', 'running', 0, 1, 1)`);
    raw.exec(`INSERT INTO transcript_chunks (agent_id, data, size, created_at) VALUES ('a1', x'6869', 2, 1)`);
    migrate(raw, MIGRATIONS.slice(0, 4));
    expect(schemaVersion(raw)).toBe(4);
    expect(raw.prepare('SELECT size, cols, rows FROM transcript_chunks').all()).toEqual([{ size: 2, cols: null, rows: null }]);
    raw.exec(`INSERT INTO transcript_chunks (agent_id, data, size, created_at, cols, rows) VALUES ('a1', x'6869', 2, 2, 100, 30)`);
    // The trim's walk over sizes is answered from the index alone, without reading the blobs.
    const plan = raw.prepare(`EXPLAIN QUERY PLAN SELECT id, size FROM transcript_chunks WHERE agent_id = 'a1' ORDER BY id`).all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/COVERING INDEX transcript_chunks_agent/);
    raw.close();
  });

  it('a failing migration rolls back and leaves the file at the last good version', () => {
    const raw = rawDb();
    const steps: Migration[] = [
      { name: '001-ok', sql: 'CREATE TABLE a (x INTEGER);' },
      { name: '002-broken', sql: 'CREATE TABLE b (x INTEGER); INSERT INTO missing_table VALUES (1);' },
    ];
    try {
      expect(() => migrate(raw, steps)).toThrow(/missing_table/);
      expect(schemaVersion(raw)).toBe(1);
      expect(tables(raw)).toEqual(['a']);
    } finally {
      raw.close();
    }
  });

  it('refuses a database written by a newer Flotilla', () => {
    const file = freshFile();
    openDatabase(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    let error: unknown;
    try {
      openDatabase(file).close();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('unsupported');
  });
});
