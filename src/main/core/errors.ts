/**
 * The core's typed error. Services throw it; the API boundary turns it into
 * `{ ok: false, error: { code, message, details } }`. Anything else becomes `internal`.
 */
import type { AppErrorData, ErrorCode, Result } from '../../shared/types';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  toData(): AppErrorData {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

/** Maps any thrown value to error data fit for a user: never a stack trace. */
export function toErrorData(err: unknown): AppErrorData {
  if (err instanceof AppError) return err.toData();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message: `Something went wrong inside Flotilla: ${message.split('\n')[0]}` };
}

/** Runs `fn` and wraps its outcome as a Result. */
export async function toResult<T>(fn: () => Promise<T> | T): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, error: toErrorData(err) };
  }
}

export { assertNever } from '../../shared/assert-never';
