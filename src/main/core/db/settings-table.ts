/** App-wide settings the user changes in Settings, one JSON value per key. */
import type { Database, Statement } from 'better-sqlite3';

/** The key under which the names passed from Flotilla's environment to agents are stored. */
const AGENT_ENV_PASSTHROUGH = 'agent-env-passthrough';

/** Statements over `settings`, prepared once. */
export class SettingsTable {
  private readonly getStmt: Statement<[string], { value: string }>;
  private readonly setStmt: Statement<[string, string, number]>;

  constructor(db: Database) {
    this.getStmt = db.prepare('SELECT value FROM settings WHERE key = ?');
    this.setStmt = db.prepare(
      `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
  }

  /** Names of variables passed from Flotilla's environment to every agent (empty by default). */
  agentEnvPassthrough(): string[] {
    const row = this.getStmt.get(AGENT_ENV_PASSTHROUGH);
    if (!row) return [];
    try {
      const value: unknown = JSON.parse(row.value);
      return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    } catch {
      return [];
    }
  }

  /** Replaces the passed-through names (validated by the caller). */
  setAgentEnvPassthrough(names: readonly string[]): void {
    this.setStmt.run(AGENT_ENV_PASSTHROUGH, JSON.stringify(names), Date.now());
  }
}
