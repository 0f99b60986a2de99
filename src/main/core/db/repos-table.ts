/** The repositories the user has opened, most recent first. */
import { randomUUID } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';

/** A repository Flotilla knows, keyed by its real top-level path. */
export interface RepoRow {
  id: string;
  path: string;
  name: string;
  addedAt: number;
  lastOpenedAt: number;
}

interface RepoRecord {
  id: string;
  path: string;
  name: string;
  added_at: number;
  last_opened_at: number;
}

function toRow(r: RepoRecord): RepoRow {
  return { id: r.id, path: r.path, name: r.name, addedAt: r.added_at, lastOpenedAt: r.last_opened_at };
}

/** Statements over `repos`, prepared once. */
export class ReposTable {
  private readonly upsertStmt: Statement<[string, string, string, number, number], RepoRecord>;
  private readonly getStmt: Statement<[string], RepoRecord>;
  private readonly recentStmt: Statement<[number], RepoRecord>;
  private readonly removeStmt: Statement<[string]>;

  constructor(db: Database) {
    this.upsertStmt = db.prepare(
      `INSERT INTO repos (id, path, name, added_at, last_opened_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (path) DO UPDATE SET name = excluded.name, last_opened_at = excluded.last_opened_at
       RETURNING *`,
    );
    this.getStmt = db.prepare('SELECT * FROM repos WHERE id = ?');
    this.recentStmt = db.prepare('SELECT * FROM repos ORDER BY last_opened_at DESC, rowid DESC LIMIT ?');
    this.removeStmt = db.prepare('DELETE FROM repos WHERE id = ?');
  }

  /** Records that `path` was opened now; an existing path keeps its id and addedAt. */
  upsert(path: string, name: string): RepoRow {
    const now = Date.now();
    return toRow(this.upsertStmt.get(randomUUID(), path, name, now, now)!);
  }

  get(id: string): RepoRow | undefined {
    const r = this.getStmt.get(id);
    return r ? toRow(r) : undefined;
  }

  /** The most recently opened repositories, newest first. */
  recent(limit = 20): RepoRow[] {
    return this.recentStmt.all(limit).map(toRow);
  }

  /** Forgets a repository. Fails while agents still reference it (their worktrees matter). */
  remove(id: string): void {
    this.removeStmt.run(id);
  }
}
