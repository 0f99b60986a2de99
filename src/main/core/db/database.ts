/** The one SQLite connection of the core, and the tables it offers. */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database, type Options } from 'better-sqlite3';
import { AgentsTable } from './agents-table';
import { AttemptsTable } from './attempts-table';
import { CustomCliTable } from './custom-cli-table';
import { JournalTable } from './journal-table';
import { migrate } from './migrations';
import { PricesTable } from './prices-table';
import { SettingsTable } from './settings-table';
import { ProvidersTable } from './providers-table';
import { ReposTable } from './repos-table';
import { ProcessesTable } from './processes-table';
import { TasksTable } from './tasks-table';
import { TranscriptsTable } from './transcripts-table';
import { UsageTable } from './usage-table';
import { WorkflowRunsTable } from './workflow-runs-table';

/** How long a statement waits for a lock held by another connection (e.g. a backup tool). */
export const BUSY_TIMEOUT_MS = 5_000;

/** Flotilla's database: one connection, one small module per table group. */
export class FlotillaDb {
  readonly repos: ReposTable;
  readonly agents: AgentsTable;
  readonly attempts: AttemptsTable;
  readonly processes: ProcessesTable;
  readonly journal: JournalTable;
  readonly tasks: TasksTable;
  readonly workflowRuns: WorkflowRunsTable;
  readonly transcripts: TranscriptsTable;
  readonly providers: ProvidersTable;
  readonly prices: PricesTable;
  readonly settings: SettingsTable;
  readonly usage: UsageTable;
  readonly customCli: CustomCliTable;
  private closed = false;

  constructor(readonly connection: Database) {
    this.repos = new ReposTable(connection);
    this.agents = new AgentsTable(connection);
    this.attempts = new AttemptsTable(connection);
    this.processes = new ProcessesTable(connection);
    this.journal = new JournalTable(connection);
    this.tasks = new TasksTable(connection);
    this.workflowRuns = new WorkflowRunsTable(connection);
    this.transcripts = new TranscriptsTable(connection);
    this.providers = new ProvidersTable(connection);
    this.prices = new PricesTable(connection);
    this.settings = new SettingsTable(connection);
    this.usage = new UsageTable(connection);
    this.customCli = new CustomCliTable(connection);
  }

  /**
   * Runs `fn` in one transaction: every write in it commits together, or none does if it throws.
   * Use it wherever one change writes several tables (an agent, its attempt and its journal
   * entry). Nested calls become savepoints. `fn` must be synchronous: SQLite cannot hold a
   * transaction open across an await on this one connection.
   */
  transaction<T>(fn: () => T): T {
    return this.connection.transaction(() => {
      const result = fn();
      if (result instanceof Promise) throw new Error('FlotillaDb.transaction takes a synchronous function; await outside it.');
      return result;
    })();
  }

  /** Closes the connection (checkpointing the WAL). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connection.close();
  }
}

/**
 * Opens (creating if needed) the database at `file` and migrates it to the latest schema.
 * `nativeBinding` points better-sqlite3 at a build for Electron's ABI when one exists.
 */
export function openDatabase(file: string, opts: { nativeBinding?: string } = {}): FlotillaDb {
  makePrivate(file);
  const options: Options = { timeout: BUSY_TIMEOUT_MS };
  if (opts.nativeBinding && existsSync(opts.nativeBinding)) options.nativeBinding = opts.nativeBinding;
  const connection = new BetterSqlite3(file, options);
  try {
    connection.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the last commits.
    connection.pragma('synchronous = NORMAL');
    connection.pragma('foreign_keys = ON');
    connection.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    migrate(connection);
    // SQLite creates -wal and -shm with the database file's mode; ones left by an older
    // Flotilla may be looser.
    for (const suffix of ['-wal', '-shm']) restrictMode(file + suffix, PRIVATE_FILE_MODE);
    return new FlotillaDb(connection);
  } catch (err) {
    connection.close();
    throw err;
  }
}

/** Owner-only modes: transcripts in the database can hold keys an agent printed. */
const PRIVATE_DIR_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;

/**
 * Makes the database's folder (Flotilla's data folder) 0700 and the database file 0600 before
 * SQLite opens it, tightening what an earlier version or another tool left looser.
 */
function makePrivate(file: string): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  restrictMode(dir, PRIVATE_DIR_MODE);
  if (!existsSync(file)) closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  restrictMode(file, PRIVATE_FILE_MODE);
}

/** Removes permission bits beyond `mode` from an existing path; a missing path is fine. */
function restrictMode(path: string, mode: number): void {
  let current: number;
  try {
    current = statSync(path).mode & 0o777;
  } catch {
    return;
  }
  if ((current & ~mode) !== 0) chmodSync(path, current & mode);
}
