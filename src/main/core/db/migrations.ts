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
