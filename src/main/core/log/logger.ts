/**
 * The core's logger: one line per event in a daily file under `<dataDir>/logs`, for the detail a
 * user-facing message leaves out (git's arguments and stderr, a stack). Every line is redacted
 * (redact.ts) before it is written. Until `openLog` is called, lines go nowhere.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LogFile } from './log-file';
import { redact, rememberSecret } from './redact';

export { redact, rememberSecret } from './redact';
export { logFileName } from './log-file';

/** Days of files kept, and the most one day's file may grow to. */
export const LOG_KEEP_DAYS = 7;
export const LOG_MAX_BYTES_PER_DAY = 5 * 1024 * 1024;
/** The same line (level, event and fields) within this window is written once. */
export const LOG_REPEAT_WINDOW_MS = 60_000;

export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

/** Environment variables whose values are treated as secrets. */
const SECRET_ENV_NAME = /(KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL)/i;

let file: LogFile | null = null;
const recent = new Map<string, number>();

/** Where the log files of `dataDir` live. */
export function logsFolderOf(dataDir: string): string {
  return join(dataDir, 'logs');
}

/** Starts writing to `<dataDir>/logs`; the options are for tests. */
export function openLog(dataDir: string, options: { keepDays?: number; maxBytesPerDay?: number; now?: () => Date } = {}): void {
  file = new LogFile({
    dir: logsFolderOf(dataDir),
    keepDays: options.keepDays ?? LOG_KEEP_DAYS,
    maxBytesPerDay: options.maxBytesPerDay ?? LOG_MAX_BYTES_PER_DAY,
    now: options.now,
  });
  recent.clear();
  // Keys handed to Flotilla through its environment (ANTHROPIC_API_KEY, a token for a CLI).
  for (const [name, value] of Object.entries(process.env)) if (SECRET_ENV_NAME.test(name)) rememberSecret(value);
}

/** Stops writing (the core is disposed). */
export function closeLog(): void {
  file = null;
  recent.clear();
}

/** The folder being written to, or null before `openLog`. */
export function logsFolder(): string | null {
  return file?.folder ?? null;
}

/** Writes `<time> <level> <event> <fields as JSON>`, redacted; the same line twice a minute once. */
export function log(level: LogLevel, event: string, fields: LogFields = {}): void {
  if (!file) return;
  const body = redact(`${level} ${event} ${JSON.stringify(fields, jsonSafe)}`);
  const now = Date.now();
  const seen = recent.get(body);
  if (seen !== undefined && now - seen < LOG_REPEAT_WINDOW_MS) return;
  recent.set(body, now);
  if (recent.size > 500) for (const [key, at] of recent) if (now - at >= LOG_REPEAT_WINDOW_MS) recent.delete(key);
  file.append(`${new Date(now).toISOString()} ${body}`);
}

/** An error's name, message and stack as log fields (never shown to a user). */
export function errorFields(err: unknown): LogFields {
  if (err instanceof Error) return { error: err.name, message: err.message, stack: err.stack };
  return { error: String(err) };
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  return value;
}

/** Makes sure the logs folder exists and opens it with `open` when there is one (the desktop app). */
export async function openLogsFolder(dataDir: string, open?: (path: string) => Promise<void>): Promise<{ path: string; opened: boolean }> {
  const path = logsFolderOf(dataDir);
  mkdirSync(path, { recursive: true, mode: 0o700 });
  if (!open) return { path, opened: false };
  await open(path);
  return { path, opened: true };
}
