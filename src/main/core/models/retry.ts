/**
 * Provider faults as data, and the retry policy: 429, 5xx and network errors are retried with
 * exponential backoff plus jitter (or the server's Retry-After), a bad key is never retried.
 */

/** Why a model request failed, as the agent acts on it. */
export type FailureKind = 'auth' | 'rate-limit' | 'server' | 'network' | 'timeout' | 'cancelled' | 'rejected';

/** A model request that failed, classified. */
export class ProviderFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status: number | null = null,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'ProviderFailure';
  }
}

/** The longest Retry-After we honour; a server asking for more is treated as this. */
export const MAX_RETRY_AFTER_MS = 60_000;
/** The longest computed backoff between two tries. */
export const MAX_BACKOFF_MS = 30_000;

/** Classifies whatever an SDK threw (OpenAI/Anthropic APIError, Gemini FetchError, fetch errors). */
export function classifyProviderError(err: unknown): ProviderFailure {
  if (err instanceof ProviderFailure) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as { status?: unknown; headers?: unknown; message?: unknown; name?: unknown; cause?: unknown };
  const message = firstLine(typeof e.message === 'string' ? e.message : String(err));
  const status = typeof e.status === 'number' ? e.status : null;
  if (status === null) {
    if (typeof e.name === 'string' && /abort/i.test(e.name)) return new ProviderFailure('cancelled', message);
    const cause = typeof e.cause === 'object' && e.cause !== null && 'message' in e.cause ? String((e.cause as { message: unknown }).message) : '';
    return new ProviderFailure('network', cause && !message.includes(cause) ? `${message} (${firstLine(cause)})` : message);
  }
  const retryAfterMs = parseRetryAfter(headerValue(e.headers, 'retry-after-ms'), headerValue(e.headers, 'retry-after'));
  if (status === 401 || status === 403) return new ProviderFailure('auth', message, status);
  if (status === 429) return new ProviderFailure('rate-limit', message, status, retryAfterMs);
  if (status >= 500 || status === 408 || status === 409) return new ProviderFailure('server', message, status, retryAfterMs);
  return new ProviderFailure('rejected', message, status);
}

/** Whether another try may succeed. */
export function isRetryable(failure: ProviderFailure): boolean {
  return failure.kind === 'rate-limit' || failure.kind === 'server' || failure.kind === 'network';
}

/**
 * Milliseconds to wait before try `attempt + 1` (attempt counts from 1): the server's Retry-After
 * when it sent one, else base·2^(attempt-1) capped, plus up to 25% jitter so a fleet of agents
 * hitting the same limit does not retry in lockstep.
 */
export function backoffDelayMs(attempt: number, baseMs: number, retryAfterMs: number | null, random: () => number = Math.random): number {
  if (retryAfterMs !== null) return Math.min(Math.max(0, retryAfterMs), MAX_RETRY_AFTER_MS);
  const exp = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1));
  return Math.round(exp * (1 + 0.25 * random()));
}

/** Parses `retry-after-ms` or `retry-after` (seconds or an HTTP date). Pure. */
export function parseRetryAfter(ms: string | null, value: string | null, now: number = Date.now()): number | null {
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export interface RetryOptions {
  maxTries: number;
  baseMs: number;
  signal: AbortSignal;
  /** Injected in tests; waits `ms` or rejects when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  onRetry?: (failure: ProviderFailure, attempt: number, delayMs: number) => void;
}

/** Runs `fn` until it succeeds, fails for a reason retrying cannot fix, or `maxTries` are used. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? abortableSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const failure = classifyProviderError(err);
      if (!isRetryable(failure) || attempt >= options.maxTries || options.signal.aborted) throw new RetryExhausted(failure, attempt);
      const delay = backoffDelayMs(attempt, options.baseMs, failure.retryAfterMs, options.random);
      options.onRetry?.(failure, attempt, delay);
      try {
        await sleep(delay, options.signal);
      } catch {
        throw new RetryExhausted(new ProviderFailure('cancelled', 'cancelled'), attempt);
      }
    }
  }
}

/** The last failure after `tries` attempts. */
export class RetryExhausted extends Error {
  constructor(
    readonly failure: ProviderFailure,
    readonly tries: number,
  ) {
    super(failure.message);
    this.name = 'RetryExhausted';
  }
}

/** Waits `ms`, or rejects at once when `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The sentence a user reads when a request finally failed. Never a stack trace. `again` says
 * what the user can do next where waiting may help (the agent's default: type a follow-up).
 */
export function describeFailure(failure: ProviderFailure, providerName: string, tries: number, timeoutMs: number, again = 'Type a follow-up to try again.'): string {
  switch (failure.kind) {
    case 'auth':
      return `The ${providerName} API key was refused (${failure.status ?? 401}). Check the key in Settings → Providers.`;
    case 'rate-limit':
      return `${providerName} kept answering 429 (rate limited) after ${tries} ${plural(tries, 'try', 'tries')}; stopped. ${again}`;
    case 'server':
      return `${providerName} failed with ${failure.status ?? 'a server error'} after ${tries} ${plural(tries, 'try', 'tries')}; stopped. ${again}`;
    case 'network':
      return `Could not reach ${providerName} after ${tries} ${plural(tries, 'try', 'tries')}: ${failure.message}. ${again}`;
    case 'timeout':
      return `${providerName} sent nothing for ${formatSeconds(timeoutMs)}; the request timed out and was stopped. ${again}`;
    case 'cancelled':
      return 'Stopped.';
    case 'rejected':
      return `${providerName} rejected the request (${failure.status ?? '?'}): ${failure.message}`;
  }
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 300);
}

function headerValue(headers: unknown, name: string): string | null {
  if (!headers || typeof headers !== 'object') return null;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  const v = (headers as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : null;
}
