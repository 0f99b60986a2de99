/**
 * One log file per day in a folder (`flotilla-YYYY-MM-DD.log`), bounded two ways: files older
 * than the newest `keepDays` are deleted, and a day's file stops growing at `maxBytesPerDay`
 * (one line says so). Lines are appended synchronously: log lines are rare (failures, launches),
 * and a line written just before a crash must not be lost in a buffer.
 */
import { appendFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface LogFileOptions {
  dir: string;
  keepDays: number;
  maxBytesPerDay: number;
  /** The clock, for tests. */
  now?: () => Date;
}

const FILE_PATTERN = /^flotilla-\d{4}-\d{2}-\d{2}\.log$/;

/** "flotilla-2026-12-03.log" for a date (UTC, so a day's file is the same wherever it is read). */
export function logFileName(date: Date): string {
  return `flotilla-${date.toISOString().slice(0, 10)}.log`;
}

export class LogFile {
  private day = '';
  private bytes = 0;
  private capped = false;

  constructor(private readonly options: LogFileOptions) {}

  /** Appends one line (a newline is added); never throws: logging must not break what it logs. */
  append(line: string): void {
    try {
      const now = (this.options.now ?? (() => new Date()))();
      const name = logFileName(now);
      if (name !== this.day) this.openDay(name);
      const text = `${line}\n`;
      const size = Buffer.byteLength(text);
      if (this.bytes + size > this.options.maxBytesPerDay) {
        if (!this.capped) {
          this.capped = true;
          const note = `${now.toISOString()} warn log: this file reached its limit of ${this.options.maxBytesPerDay} bytes; later lines of the day are dropped\n`;
          appendFileSync(this.path(), note, { mode: 0o600 });
        }
        return;
      }
      appendFileSync(this.path(), text, { mode: 0o600 });
      this.bytes += size;
    } catch {
      // A full disk or a removed folder: the log is best effort.
    }
  }

  /** The folder the files are in. */
  get folder(): string {
    return this.options.dir;
  }

  private path(): string {
    return join(this.options.dir, this.day);
  }

  private openDay(name: string): void {
    mkdirSync(this.options.dir, { recursive: true, mode: 0o700 });
    this.day = name;
    this.capped = false;
    try {
      this.bytes = statSync(this.path()).size;
    } catch {
      this.bytes = 0;
    }
    this.prune();
  }

  /** Deletes all but the newest `keepDays` files, today's included (names sort by date). */
  private prune(): void {
    const files = readdirSync(this.options.dir)
      .filter((f) => FILE_PATTERN.test(f) && f !== this.day)
      .sort();
    for (const old of files.slice(0, Math.max(0, files.length - (this.options.keepDays - 1)))) {
      rmSync(join(this.options.dir, old), { force: true });
    }
  }
}
