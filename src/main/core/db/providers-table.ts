/** Providers the user added, and overrides of the built-in ones (no keys: those live in the SecretStore). */
import type { Database, Statement } from 'better-sqlite3';
import type { ProviderKind } from '../../../shared/types';

/** A provider as stored. */
export interface ProviderRow {
  id: string;
  kind: ProviderKind;
  name: string;
  baseUrl: string | null;
  models: string[];
  createdAt: number;
  updatedAt: number;
}

interface ProviderRecord {
  id: string;
  kind: ProviderKind;
  name: string;
  base_url: string | null;
  models: string;
  created_at: number;
  updated_at: number;
}

function parseModels(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((m): m is string => typeof m === 'string') : [];
  } catch {
    return [];
  }
}

function toRow(r: ProviderRecord): ProviderRow {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    baseUrl: r.base_url,
    models: parseModels(r.models),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Statements over `providers`, prepared once. */
export class ProvidersTable {
  private readonly upsertStmt: Statement<[string, string, string, string | null, string, number, number], ProviderRecord>;
  private readonly getStmt: Statement<[string], ProviderRecord>;
  private readonly listStmt: Statement<[], ProviderRecord>;
  private readonly removeStmt: Statement<[string]>;

  constructor(db: Database) {
    this.upsertStmt = db.prepare(
      `INSERT INTO providers (id, kind, name, base_url, models, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, base_url = excluded.base_url,
         models = excluded.models, updated_at = excluded.updated_at
       RETURNING *`,
    );
    this.getStmt = db.prepare('SELECT * FROM providers WHERE id = ?');
    this.listStmt = db.prepare('SELECT * FROM providers ORDER BY created_at, id');
    this.removeStmt = db.prepare('DELETE FROM providers WHERE id = ?');
  }

  /** Inserts or replaces a provider; an existing id keeps its createdAt. */
  upsert(p: Pick<ProviderRow, 'id' | 'kind' | 'name' | 'baseUrl' | 'models'>): ProviderRow {
    const now = Date.now();
    return toRow(this.upsertStmt.get(p.id, p.kind, p.name, p.baseUrl, JSON.stringify(p.models), now, now)!);
  }

  get(id: string): ProviderRow | undefined {
    const r = this.getStmt.get(id);
    return r ? toRow(r) : undefined;
  }

  /** All stored providers, oldest first. */
  list(): ProviderRow[] {
    return this.listStmt.all().map(toRow);
  }

  /** Deletes a row; returns whether one existed. */
  remove(id: string): boolean {
    return this.removeStmt.run(id).changes > 0;
  }
}
