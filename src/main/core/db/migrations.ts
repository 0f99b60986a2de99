/**
 * Numbered schema migrations. Migration N (1-based) is `MIGRATIONS[N - 1]`; the database's
 * `PRAGMA user_version` records how many have been applied. Append only: never edit a
 * migration that has shipped, add a new one (and a test for it).
 */
import type { Database } from 'better-sqlite3';
import { AppError } from '../errors';

/** One schema step: plain SQL run inside its own transaction. */
export interface Migration {
  readonly name: string;
  readonly sql: string;
  /**
   * The step rebuilds a table other tables reference (SQLite cannot alter a CHECK constraint).
   * Foreign keys are switched off around it, as SQLite's documented procedure requires, so that
   * dropping the old table does not cascade; they are checked before the step commits.
   */
  readonly rebuildsTables?: boolean;
}

/** Every migration, in order. The schema version is `MIGRATIONS.length`. */
export const MIGRATIONS: readonly Migration[] = [
  {
    name: '001-initial',
    sql: `
      CREATE TABLE repos (
        id TEXT PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        added_at INTEGER NOT NULL,
        last_opened_at INTEGER NOT NULL
      );
      CREATE INDEX repos_last_opened ON repos (last_opened_at DESC);

      -- No cascade from repos: forgetting a repository must never drop the record of its agents' worktrees.
      CREATE TABLE agents (
        id TEXT PRIMARY KEY,
        repo_id TEXT NOT NULL REFERENCES repos (id),
        name TEXT NOT NULL,
        slug TEXT NOT NULL,
        branch TEXT NOT NULL,
        base_ref TEXT NOT NULL,
        base_is_branch INTEGER NOT NULL,
        base_sha TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('shell', 'command')),
        command TEXT,
        task TEXT,
        worktree_path TEXT NOT NULL,
        status TEXT NOT NULL,
        exit_code INTEGER,
        missing INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX agents_repo ON agents (repo_id, created_at);

      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        status TEXT NOT NULL,
        exit_code INTEGER
      );
      CREATE INDEX runs_agent ON runs (agent_id, id);
      CREATE INDEX runs_open ON runs (id) WHERE ended_at IS NULL;

      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        type TEXT NOT NULL,
        payload TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX events_agent ON events (agent_id, id);

      -- size duplicates length(data) so trimming and tails never read the blobs themselves.
      CREATE TABLE transcript_chunks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        data BLOB NOT NULL,
        size INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX transcript_chunks_agent ON transcript_chunks (agent_id, id);
    `,
  },
  {
    name: '002-agent-launch-providers-usage',
    rebuildsTables: true,
    sql: `
      CREATE TABLE agents_new (
        id TEXT PRIMARY KEY,
        repo_id TEXT NOT NULL REFERENCES repos (id),
        name TEXT NOT NULL,
        slug TEXT NOT NULL,
        branch TEXT NOT NULL,
        base_ref TEXT NOT NULL,
        base_is_branch INTEGER NOT NULL,
        base_sha TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('shell', 'command', 'cli', 'flotilla')),
        command TEXT,
        task TEXT,
        worktree_path TEXT NOT NULL,
        status TEXT NOT NULL,
        exit_code INTEGER,
        missing INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        launch TEXT,
        activity TEXT
      );
      INSERT INTO agents_new (id, repo_id, name, slug, branch, base_ref, base_is_branch, base_sha, kind, command, task,
          worktree_path, status, exit_code, missing, created_at, updated_at)
        SELECT id, repo_id, name, slug, branch, base_ref, base_is_branch, base_sha, kind, command, task,
          worktree_path, status, exit_code, missing, created_at, updated_at FROM agents;
      DROP TABLE agents;
      ALTER TABLE agents_new RENAME TO agents;
      CREATE INDEX agents_repo ON agents (repo_id, created_at);

      CREATE TABLE providers (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        base_url TEXT,
        models TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE prices (
        model TEXT PRIMARY KEY,
        input_per_mtok REAL NOT NULL,
        output_per_mtok REAL NOT NULL,
        updated_at INTEGER NOT NULL
      );

      -- No foreign key: spend per provider outlives the agents that made it.
      CREATE TABLE usage (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        agent_id TEXT NOT NULL,
        repo_id TEXT NOT NULL,
        run_id INTEGER,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cost_usd REAL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX usage_agent ON usage (agent_id);
      CREATE INDEX usage_repo ON usage (repo_id);

      CREATE TABLE custom_cli (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        command TEXT NOT NULL,
        provider_kind TEXT,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    name: '003-settings',
    sql: `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    // Each chunk records the terminal size it was printed at, so a restore can replay resize
    // redraws at the width they were made for. NULL on older chunks: the size is unknown.
    name: '004-transcript-chunk-size',
    sql: `
      ALTER TABLE transcript_chunks ADD COLUMN cols INTEGER;
      ALTER TABLE transcript_chunks ADD COLUMN rows INTEGER;
      -- Covers the trim's walk over (id, size): size sits after the blob in the row, so reading
      -- it from the table follows the blob's overflow pages.
      DROP INDEX transcript_chunks_agent;
      CREATE INDEX transcript_chunks_agent ON transcript_chunks (agent_id, id, size);
    `,
  },
  {
    // The orchestration vocabulary (docs/technical/data-model.md). Existing data moves in this one
    // transaction: each agent gets the attempt it always was (same id, its branch, worktree and
    // base), the events become journal entries about their agent (a merge, about its attempt),
    // runs become processes, and usage can belong to an attempt or a verification.
    name: '005-tasks-attempts-journal',
    rebuildsTables: true,
    sql: `
      -- No foreign key to repos here or on attempts: the record outlives a forgotten repository.
      CREATE TABLE tasks (
        id TEXT PRIMARY KEY,
        repo_id TEXT NOT NULL,
        title TEXT NOT NULL,
        base_ref TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX tasks_repo ON tasks (repo_id, created_at);

      -- Immutable once written (trigger below): attempts, runs' steps and verifications pin them.
      CREATE TABLE task_revisions (
        id TEXT PRIMARY KEY,
        task_id TEXT NOT NULL REFERENCES tasks (id),
        number INTEGER NOT NULL,
        spec TEXT NOT NULL,
        criteria TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (task_id, number)
      );
      CREATE TRIGGER task_revisions_immutable BEFORE UPDATE ON task_revisions
        BEGIN SELECT RAISE(ABORT, 'a task revision never changes; write a new revision'); END;

      CREATE TABLE attempts (
        id TEXT PRIMARY KEY,
        repo_id TEXT NOT NULL,
        task_id TEXT REFERENCES tasks (id),
        revision_id TEXT REFERENCES task_revisions (id),
        branch TEXT NOT NULL,
        worktree_path TEXT NOT NULL,
        base_ref TEXT NOT NULL,
        base_is_branch INTEGER NOT NULL,
        base_sha TEXT NOT NULL,
        environment TEXT,
        created_at INTEGER NOT NULL,
        closed_at INTEGER
      );
      CREATE INDEX attempts_task ON attempts (task_id, created_at) WHERE task_id IS NOT NULL;

      CREATE TABLE workflow_runs (
        id TEXT PRIMARY KEY,
        task_id TEXT NOT NULL REFERENCES tasks (id),
        workflow_id TEXT NOT NULL,
        definition TEXT NOT NULL,
        status TEXT NOT NULL,
        state TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX workflow_runs_task ON workflow_runs (task_id, created_at);

      CREATE TABLE workflow_run_steps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL REFERENCES workflow_runs (id),
        step_id TEXT NOT NULL,
        round INTEGER NOT NULL,
        attempt_id TEXT REFERENCES attempts (id),
        revision_id TEXT REFERENCES task_revisions (id),
        status TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        outcome TEXT
      );
      CREATE INDEX workflow_run_steps_run ON workflow_run_steps (run_id, id);

      -- No foreign keys at all: an entry outlives its subject. Append-only (triggers below).
      CREATE TABLE journal (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at INTEGER NOT NULL,
        subject_kind TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        type TEXT NOT NULL,
        payload TEXT
      );
      CREATE INDEX journal_subject ON journal (subject_kind, subject_id, id);

      INSERT INTO attempts (id, repo_id, task_id, revision_id, branch, worktree_path, base_ref, base_is_branch, base_sha,
          environment, created_at, closed_at)
        SELECT id, repo_id, NULL, NULL, branch, worktree_path, base_ref, base_is_branch, base_sha, NULL, created_at, NULL
        FROM agents;

      CREATE TABLE agents_new (
        id TEXT PRIMARY KEY,
        repo_id TEXT NOT NULL REFERENCES repos (id),
        attempt_id TEXT NOT NULL REFERENCES attempts (id),
        name TEXT NOT NULL,
        slug TEXT NOT NULL,
        branch TEXT NOT NULL,
        base_ref TEXT NOT NULL,
        base_is_branch INTEGER NOT NULL,
        base_sha TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('shell', 'command', 'cli', 'flotilla')),
        command TEXT,
        task TEXT,
        worktree_path TEXT NOT NULL,
        status TEXT NOT NULL,
        exit_code INTEGER,
        missing INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        launch TEXT,
        activity TEXT
      );
      INSERT INTO agents_new (id, repo_id, attempt_id, name, slug, branch, base_ref, base_is_branch, base_sha, kind, command,
          task, worktree_path, status, exit_code, missing, created_at, updated_at, launch, activity)
        SELECT id, repo_id, id, name, slug, branch, base_ref, base_is_branch, base_sha, kind, command,
          task, worktree_path, status, exit_code, missing, created_at, updated_at, launch, activity FROM agents;
      DROP TABLE agents;
      ALTER TABLE agents_new RENAME TO agents;
      CREATE INDEX agents_repo ON agents (repo_id, created_at);
      CREATE INDEX agents_attempt ON agents (attempt_id);

      ALTER TABLE runs RENAME TO processes;
      DROP INDEX runs_agent;
      DROP INDEX runs_open;
      CREATE INDEX processes_agent ON processes (agent_id, id);
      CREATE INDEX processes_open ON processes (id) WHERE ended_at IS NULL;

      -- Same ids, so the order is kept. A merge is about the branch, which is the attempt's.
      INSERT INTO journal (id, created_at, subject_kind, subject_id, type, payload)
        SELECT id, created_at, CASE type WHEN 'merged' THEN 'attempt' ELSE 'agent' END, agent_id, type,
          CASE WHEN type = 'started' AND json_valid(payload) AND json_type(payload, '$.runId') IS NOT NULL
            THEN json_set(json_remove(payload, '$.runId'), '$.processId', json_extract(payload, '$.runId'))
            ELSE payload END
        FROM events ORDER BY id;
      DROP TABLE events;
      CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
        BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
      CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
        BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;

      -- Rebuilt, as SQLite cannot drop NOT NULL: an owner is an agent, an attempt or a
      -- verification (at least one). Still no foreign keys: spend outlives its owners.
      CREATE TABLE usage_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        repo_id TEXT NOT NULL,
        agent_id TEXT,
        attempt_id TEXT,
        verification_id TEXT,
        process_id INTEGER,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cost_usd REAL,
        created_at INTEGER NOT NULL,
        CHECK (agent_id IS NOT NULL OR attempt_id IS NOT NULL OR verification_id IS NOT NULL)
      );
      INSERT INTO usage_new (id, repo_id, agent_id, attempt_id, verification_id, process_id, provider, model, input_tokens,
          output_tokens, cost_usd, created_at)
        SELECT u.id, u.repo_id, u.agent_id, (SELECT a.attempt_id FROM agents a WHERE a.id = u.agent_id), NULL, u.run_id,
          u.provider, u.model, u.input_tokens, u.output_tokens, u.cost_usd, u.created_at
        FROM usage u ORDER BY u.id;
      DROP TABLE usage;
      ALTER TABLE usage_new RENAME TO usage;
      CREATE INDEX usage_agent ON usage (agent_id);
      CREATE INDEX usage_attempt ON usage (attempt_id);
      CREATE INDEX usage_repo ON usage (repo_id);
    `,
  },
];

/** Reads the schema version recorded in the database file. */
export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database up to `migrations.length`, one transaction per migration, so a failing
 * step leaves the file at the last good version. Returns the number of migrations applied.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = schemaVersion(db);
  if (current > migrations.length) {
    throw new AppError(
      'unsupported',
      `This database was written by a newer Flotilla (schema ${current}, this version knows ${migrations.length}). Update Flotilla or use another data directory.`,
    );
  }
  let applied = 0;
  for (let version = current + 1; version <= migrations.length; version++) {
    const migration = migrations[version - 1];
    const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
    // PRAGMA foreign_keys is a no-op inside a transaction, so it is switched outside.
    if (migration.rebuildsTables) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(migration.sql);
        if (migration.rebuildsTables) {
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0) throw new Error(`migration ${migration.name} left ${broken.length} broken foreign keys`);
        }
        // PRAGMA cannot take a bound parameter; version is an integer we computed.
        db.pragma(`user_version = ${version}`);
      })();
    } finally {
      if (migration.rebuildsTables) db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
    }
    applied++;
  }
  return applied;
}
