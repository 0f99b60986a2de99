/**
 * Token usage that opencode records in its own SQLite database. Flotilla gives each opencode
 * agent that uses a Flotilla provider its own data folder (XDG_DATA_HOME), so the database read
 * here holds only that agent's sessions (checked against opencode-ai 1.18.33):
 * `<XDG_DATA_HOME>/opencode/opencode.db`, table `message`, column `data` holding JSON with
 * `role: "assistant"`, `modelID`, `tokens { input, output, reasoning, cache { read, write } }`
 * and `time.completed` once the response is finished.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CliUsage } from './cli-usage';

/** Where an opencode agent's database lives, given the XDG_DATA_HOME Flotilla set for it. */
export function opencodeDatabase(dataHome: string): string {
  return join(dataHome, 'opencode', 'opencode.db');
}

interface MessageData {
  role?: string;
  modelID?: string;
  time?: { completed?: number };
  tokens?: { input?: number; output?: number; reasoning?: number; cache?: { read?: number; write?: number } };
}

/** Usage of one finished assistant message, or null (unfinished, not the assistant's, unreadable). */
export function parseOpencodeMessage(data: string): CliUsage | null {
  let d: MessageData;
  try {
    d = JSON.parse(data) as MessageData;
  } catch {
    return null;
  }
  if (d.role !== 'assistant' || !d.time?.completed || !d.tokens) return null;
  const t = d.tokens;
  // As for Claude: cached input is input the provider counted; reasoning is output it billed.
  const inputTokens = (t.input ?? 0) + (t.cache?.read ?? 0) + (t.cache?.write ?? 0);
  const outputTokens = (t.output ?? 0) + (t.reasoning ?? 0);
  if (inputTokens + outputTokens === 0) return null;
  return { model: d.modelID ?? 'unknown', inputTokens, outputTokens };
}

/** Polls an opencode database and reports each finished response once, across restarts too. */
export class OpencodeUsageWatcher {
  private readonly seen: Set<string>;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly opts: { dbFile: string; stateFile: string; onUsage(u: CliUsage): void; pollMs?: number },
  ) {
    this.seen = new Set(readSeen(opts.stateFile));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.flush(), this.opts.pollMs ?? 1000);
    this.timer.unref();
    this.flush();
  }

  /** Reads what is new now. */
  flush(): void {
    if (!existsSync(this.opts.dbFile)) return;
    let rows: { id: string; data: string }[];
    let db: Database.Database | undefined;
    try {
      // Opened per poll and closed again: opencode is writing, and we hold nothing in between.
      db = new Database(this.opts.dbFile, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 200');
      rows = db.prepare('SELECT id, data FROM message').all() as { id: string; data: string }[];
    } catch {
      return; // Not created yet, or busy: the next poll reads it.
    } finally {
      db?.close();
    }
    let added = false;
    for (const row of rows) {
      if (this.seen.has(row.id)) continue;
      const usage = parseOpencodeMessage(row.data);
      if (!usage) continue;
      this.seen.add(row.id);
      added = true;
      this.opts.onUsage(usage);
    }
    if (added) writeSeen(this.opts.stateFile, [...this.seen]);
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

function readSeen(file: string): string[] {
  try {
    const ids = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function writeSeen(file: string, ids: string[]): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(ids.slice(-20_000)));
}
