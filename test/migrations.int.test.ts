import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate, openDatabase, schemaVersion, type Migration } from '../src/main/core/db';
import { AppError } from '../src/main/core/errors';
import { recordedMerges } from '../src/main/core/agents/merged-work';
import { isJournalEventType } from '../src/shared/journal';
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

/** A database file written by the schema-4 release (test/fixtures/make-release-db.ts), copied to a temp dir. */
const RELEASE_FIXTURE = join(__dirname, 'fixtures', 'release-schema-4.db');
function releaseCopy(): string {
  const dir = tempDir('flotilla-migrate-');
  dirs.push(dir);
  const file = join(dir, 'flotilla.db');
  copyFileSync(RELEASE_FIXTURE, file);
  return file;
}

type Row = Record<string, unknown>;
function rows(db: Database.Database, sql: string): Row[] {
  return db.prepare(sql).all() as Row[];
}

/** Every table's schema and rows, to compare a file before and after. */
function dump(db: Database.Database): unknown {
  const schema = rows(db, `SELECT type, name, sql FROM sqlite_master ORDER BY type, name`);
  const data = tables(db).map((t) => [t, rows(db, `SELECT * FROM "${t}" ORDER BY rowid`)]);
  return { version: schemaVersion(db), schema, data };
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

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

    expect(migrate(raw, MIGRATIONS.slice(0, 2))).toBe(1);
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

  describe('005 on a database written by the schema-4 release', () => {
    it('gives every agent its attempt, every event a journal entry, every run a process, and keeps usage', () => {
      const file = releaseCopy();
      const old = new Database(file, { readonly: true });
      expect(schemaVersion(old)).toBe(4);
      const agents = rows(old, 'SELECT * FROM agents ORDER BY rowid');
      const events = rows(old, 'SELECT * FROM events ORDER BY id');
      const runs = rows(old, 'SELECT * FROM runs ORDER BY id');
      const usage = rows(old, 'SELECT * FROM usage ORDER BY id');
      const kept = ['repos', 'transcript_chunks', 'providers', 'prices', 'settings', 'custom_cli'].map((t) => rows(old, `SELECT * FROM ${t} ORDER BY rowid`));
      const usageSums = rows(old, 'SELECT SUM(input_tokens) AS i, SUM(output_tokens) AS o, SUM(cost_usd) AS c FROM usage')[0];
      old.close();
      // The fixture holds what the migration must carry: without rows, this test would prove nothing.
      expect([agents.length, events.length, runs.length, usage.length]).toEqual([4, 14, 3, 5]);

      const db = openDatabase(file);
      try {
        const raw = db.connection;
        expect(schemaVersion(raw)).toBe(MIGRATIONS.length);
        expect(tables(raw)).not.toEqual(expect.arrayContaining(['events']));
        expect(tables(raw)).not.toContain('runs');
        expect(tables(raw)).toEqual(expect.arrayContaining(['tasks', 'task_revisions', 'attempts', 'workflow_runs', 'workflow_run_steps', 'journal', 'processes']));
        expect(raw.pragma('foreign_key_check')).toEqual([]);

        // One attempt per agent: the same id, its branch, worktree and base, no task.
        expect(rows(raw, 'SELECT count(*) AS n FROM attempts')[0].n).toBe(agents.length);
        for (const agent of agents) {
          const now = db.agents.get(agent.id as string)!;
          expect(now).toMatchObject({ name: agent.name, branch: agent.branch, status: agent.status, worktreePath: agent.worktree_path, attemptId: agent.id });
          expect(db.attempts.get(now.attemptId)).toEqual({
            id: agent.id,
            repoId: agent.repo_id,
            taskId: null,
            revisionId: null,
            branch: agent.branch,
            worktreePath: agent.worktree_path,
            baseRef: agent.base_ref,
            baseIsBranch: agent.base_is_branch === 1,
            baseSha: agent.base_sha,
            environment: null,
            createdAt: agent.created_at,
            closedAt: null,
          });
        }
        expect(db.agents.get('33333333-3333-4333-8333-333333333333')?.launch).toMatchObject({ providerId: 'openai', confined: false });

        // One journal entry per event, same id, time and type; a merge is about the attempt.
        const journal = rows(raw, 'SELECT * FROM journal ORDER BY id');
        expect(journal).toHaveLength(events.length);
        for (const [i, event] of events.entries()) {
          const entry = journal[i];
          expect(entry).toMatchObject({ id: event.id, created_at: event.created_at, type: event.type, subject_id: event.agent_id });
          expect(entry.subject_kind).toBe(event.type === 'merged' ? 'attempt' : 'agent');
          expect(isJournalEventType(entry.type as string)).toBe(true);
          const before = event.payload === null ? null : (JSON.parse(event.payload as string) as Row);
          const after = entry.payload === null ? null : (JSON.parse(entry.payload as string) as Row);
          if (event.type === 'started') {
            const { runId, ...rest } = before!;
            expect(after).toEqual({ ...rest, processId: runId });
          } else {
            expect(after).toEqual(before);
          }
        }
        const otter = db.agents.get('11111111-1111-4111-8111-111111111111')!;
        expect(recordedMerges(db.journal.ofType({ kind: 'attempt', id: otter.attemptId }, 'merged'))).toEqual([
          { commit: 'c'.repeat(40), baseBranch: 'main', checkoutUpdated: true, agentTree: 'd'.repeat(40) },
        ]);
        expect(db.journal.list({ kind: 'agent', id: otter.id }).map((e) => e.type)).toEqual(['created', 'started', 'exited']);

        // Runs are processes, unchanged; the open one is closed by start-up reconciliation as before.
        expect(rows(raw, 'SELECT * FROM processes ORDER BY id')).toEqual(runs);
        expect(db.processes.latest('22222222-2222-4222-8222-222222222222')).toMatchObject({ status: 'running', endedAt: null });

        // Usage keeps every row; run_id is process_id; live agents' usage also counts for their attempt.
        const now = rows(raw, 'SELECT * FROM usage ORDER BY id');
        expect(now).toHaveLength(usage.length);
        for (const [i, u] of usage.entries()) {
          const { run_id, ...rest } = u;
          const live = agents.some((a) => a.id === u.agent_id);
          expect(now[i]).toEqual({ ...rest, process_id: run_id, attempt_id: live ? u.agent_id : null, verification_id: null });
        }
        const summary = db.usage.summary(null);
        expect(summary.total).toEqual({ inputTokens: usageSums.i, outputTokens: usageSums.o, costUsd: usageSums.c });
        expect(summary.byAgent.map((a) => a.agentId)).toContain('55555555-5555-4555-8555-555555555555');
        const heron = db.usage.forAttempt('22222222-2222-4222-8222-222222222222')!;
        expect(heron).toMatchObject({ inputTokens: 2000, outputTokens: 430 });
        expect(heron.costUsd).toBeCloseTo(0.0163, 10);

        // Everything else is as it was.
        expect(['repos', 'transcript_chunks', 'providers', 'prices', 'settings', 'custom_cli'].map((t) => rows(raw, `SELECT * FROM ${t} ORDER BY rowid`))).toEqual(kept);
        expect(db.transcripts.tail('22222222-2222-4222-8222-222222222222', 1000).toString()).toContain('on the cart');

        // And the new code writes to it: an agent removed afterwards leaves its journal and attempt.
        db.journal.append({ kind: 'agent', id: otter.id }, 'removed', { attemptId: otter.attemptId, snapshotRef: null });
        db.agents.delete(otter.id);
        expect(db.journal.list({ kind: 'agent', id: otter.id })).toHaveLength(4);
        expect(db.attempts.get(otter.attemptId)).toBeDefined();
      } finally {
        db.close();
      }
    });

    it('runs in one transaction: a failure midway leaves the file exactly as it was', () => {
      const file = releaseCopy();
      const before = sha256(file);
      const raw = new Database(file);
      raw.pragma('foreign_keys = ON');
      const snapshot = dump(raw);
      const last = MIGRATIONS[4];
      expect(last.name).toBe('005-tasks-attempts-journal');
      // Fails after the attempts, agents, processes and journal are written, before events are dropped.
      const broken: Migration = { ...last, sql: last.sql.replace('DROP TABLE events;', 'INSERT INTO no_such_table VALUES (1); DROP TABLE events;') };
      expect(broken.sql).not.toBe(last.sql);
      try {
        expect(() => migrate(raw, [...MIGRATIONS.slice(0, 4), broken])).toThrow(/no_such_table/);
        expect(dump(raw)).toEqual(snapshot);
        expect(raw.pragma('foreign_keys', { simple: true })).toBe(1);
      } finally {
        raw.close();
      }
      expect(sha256(file)).toBe(before);

      // The untouched file still migrates.
      const db = openDatabase(file);
      try {
        expect(schemaVersion(db.connection)).toBe(MIGRATIONS.length);
        expect(db.agents.all()).toHaveLength(4);
      } finally {
        db.close();
      }
    });
  });
});
