/** Custom coding-CLI entries the user adds in settings (the presets live in code as data). */
import type { Database, Statement } from "better-sqlite3";
import type { ProviderKind } from "../../../shared/types";

/** One user-defined CLI: a command line run through the user's shell. */
export interface CustomCliRow {
  id: string;
  name: string;
  command: string;
  providerKind: ProviderKind | null;
  createdAt: number;
}

interface CustomCliRecord {
  id: string;
  name: string;
  command: string;
  provider_kind: string | null;
  created_at: number;
}

function toRow(r: CustomCliRecord): CustomCliRow {
  return {
    id: r.id,
    name: r.name,
    command: r.command,
    providerKind: r.provider_kind as ProviderKind | null,
    createdAt: r.created_at,
  };
}

/** Statements over `custom_cli`, prepared once. */
export class CustomCliTable {
  private readonly upsertStmt: Statement<
    [string, string, string, string | null, number]
  >;
  private readonly listStmt: Statement<[], CustomCliRecord>;
  private readonly getStmt: Statement<[string], CustomCliRecord>;
  private readonly removeStmt: Statement<[string]>;

  constructor(db: Database) {
    // Replacing keeps the original created_at so the list order stays stable across edits.
    this.upsertStmt = db.prepare(
      `INSERT INTO custom_cli (id, name, command, provider_kind, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, command = excluded.command,
         provider_kind = excluded.provider_kind`,
    );
    this.listStmt = db.prepare(
      "SELECT * FROM custom_cli ORDER BY created_at, id",
    );
    this.getStmt = db.prepare("SELECT * FROM custom_cli WHERE id = ?");
    this.removeStmt = db.prepare("DELETE FROM custom_cli WHERE id = ?");
  }

  /** Adds or replaces the entry with `row.id`. */
  upsert(row: Omit<CustomCliRow, "createdAt">): void {
    this.upsertStmt.run(
      row.id,
      row.name,
      row.command,
      row.providerKind,
      Date.now(),
    );
  }

  /** All custom entries, oldest first. */
  list(): CustomCliRow[] {
    return this.listStmt.all().map(toRow);
  }

  get(id: string): CustomCliRow | undefined {
    const r = this.getStmt.get(id);
    return r ? toRow(r) : undefined;
  }

  /** Removes an entry; returns whether one existed. */
  remove(id: string): boolean {
    return this.removeStmt.run(id).changes > 0;
  }
}
