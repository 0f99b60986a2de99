/** The one SQLite connection of the core, and the tables it offers. */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database, type Options } from 'better-sqlite3';
import { AgentsTable } from './agents-table';
import { CustomCliTable } from './custom-cli-table';
import { EventsTable } from './events-table';
import { migrate } from './migrations';
import { PricesTable } from './prices-table';
import { SettingsTable } from './settings-table';
import { ProvidersTable } from './providers-table';
import { ReposTable } from './repos-table';
import { RunsTable } from './runs-table';
import { TranscriptsTable } from './transcripts-table';
import { UsageTable } from './usage-table';

/** How long a statement waits for a lock held by another connection (e.g. a backup tool). */
export const BUSY_TIMEOUT_MS = 5_000;

/** Flotilla's database: one connection, one small module per table group. */
export class FlotillaDb {
  readonly repos: ReposTable;
  readonly agents: AgentsTable;
  readonly runs: RunsTable;
  readonly events: EventsTable;
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
    this.runs = new RunsTable(connection);
    this.events = new EventsTable(connection);
    this.transcripts = new TranscriptsTable(connection);
    this.providers = new ProvidersTable(connection);
    this.prices = new PricesTable(connection);
    this.settings = new SettingsTable(connection);
    this.usage = new UsageTable(connection);
    this.customCli = new CustomCliTable(connection);
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
  mkdirSync(dirname(file), { recursive: true });
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
    return new FlotillaDb(connection);
  } catch (err) {
    connection.close();
    throw err;
  }
}
