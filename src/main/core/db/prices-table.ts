/** The user's price overrides, per model, in USD per million tokens (defaults live in code). */
import type { Database, Statement } from 'better-sqlite3';
import type { PriceEntry } from '../../../shared/types';

interface PriceRecord {
  model: string;
  input_per_mtok: number;
  output_per_mtok: number;
  updated_at: number;
}

function toEntry(r: PriceRecord): PriceEntry {
  return { model: r.model, inputPerMTok: r.input_per_mtok, outputPerMTok: r.output_per_mtok };
}

/** Statements over `prices`, prepared once. */
export class PricesTable {
  private readonly upsertStmt: Statement<[string, number, number, number]>;
  private readonly listStmt: Statement<[], PriceRecord>;
  private readonly removeStmt: Statement<[string]>;

  constructor(db: Database) {
    this.upsertStmt = db.prepare(
      `INSERT INTO prices (model, input_per_mtok, output_per_mtok, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (model) DO UPDATE SET input_per_mtok = excluded.input_per_mtok,
         output_per_mtok = excluded.output_per_mtok, updated_at = excluded.updated_at`,
    );
    this.listStmt = db.prepare('SELECT * FROM prices ORDER BY model');
    this.removeStmt = db.prepare('DELETE FROM prices WHERE model = ?');
  }

  /** Sets the price of a model. */
  upsert(p: PriceEntry): void {
    this.upsertStmt.run(p.model, p.inputPerMTok, p.outputPerMTok, Date.now());
  }

  /** Every override, by model name. */
  list(): PriceEntry[] {
    return this.listStmt.all().map(toEntry);
  }

  /** Drops an override; returns whether one existed. */
  remove(model: string): boolean {
    return this.removeStmt.run(model).changes > 0;
  }
}
