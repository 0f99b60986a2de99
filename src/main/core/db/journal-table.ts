/**
 * The journal: append-only events about tasks, workflow runs, attempts and agents. No foreign
 * keys and triggers that refuse UPDATE and DELETE: removing a subject never erases its history.
 */
import type { Database, Statement } from 'better-sqlite3';
import { isJournalEventType, type JournalEntry, type JournalEventType, type JournalSubject } from '../../../shared/journal';
import { AppError } from '../errors';

interface JournalRecord {
  id: number;
  created_at: number;
  subject_kind: JournalSubject['kind'];
  subject_id: string;
  type: JournalEventType;
  payload: string | null;
}

function toEntry(r: JournalRecord): JournalEntry {
  return {
    id: r.id,
    time: r.created_at,
    subject: { kind: r.subject_kind, id: r.subject_id },
    type: r.type,
    payload: r.payload === null ? undefined : JSON.parse(r.payload),
  };
}

/** Statements over `journal`, prepared once. */
export class JournalTable {
  private readonly appendStmt: Statement<[number, string, string, string, string | null]>;
  private readonly listStmt: Statement<[string, string, number], JournalRecord>;
  private readonly ofTypeStmt: Statement<[string, string, string], JournalRecord>;

  constructor(db: Database) {
    this.appendStmt = db.prepare('INSERT INTO journal (created_at, subject_kind, subject_id, type, payload) VALUES (?, ?, ?, ?, ?)');
    this.listStmt = db.prepare(
      `SELECT * FROM (SELECT * FROM journal WHERE subject_kind = ? AND subject_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id ASC`,
    );
    this.ofTypeStmt = db.prepare('SELECT * FROM journal WHERE subject_kind = ? AND subject_id = ? AND type = ? ORDER BY id ASC');
  }

  /** Appends an entry about `subject`; payload is stored as JSON. Returns the entry's id. */
  append(subject: JournalSubject, type: JournalEventType, payload?: unknown): number {
    // The type system keeps the set closed for our code; this keeps it closed for a cast or a JS caller.
    if (!isJournalEventType(type)) throw new AppError('internal', `“${String(type)}” is not a journal event type.`);
    const json = payload === undefined ? null : JSON.stringify(payload);
    return Number(this.appendStmt.run(Date.now(), subject.kind, subject.id, type, json).lastInsertRowid);
  }

  /** The subject's most recent `limit` entries, oldest first. */
  list(subject: JournalSubject, limit = 200): JournalEntry[] {
    return this.listStmt.all(subject.kind, subject.id, limit).map(toEntry);
  }

  /** Every entry of one type about the subject, oldest first. */
  ofType(subject: JournalSubject, type: JournalEventType): JournalEntry[] {
    return this.ofTypeStmt.all(subject.kind, subject.id, type).map(toEntry);
  }
}
