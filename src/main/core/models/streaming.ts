/**
 * One streamed model call under an idle timeout and the caller's abort signal. Every request in
 * Flotilla streams, so a slow but living answer is never cut while a stalled one is.
 */
import { classifyProviderError, ProviderFailure } from './retry';

/** Default: a request with no streamed data for this long is abandoned. */
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;

/**
 * Runs `call` with a signal that aborts when `signal` does or when no streamed event arrived for
 * `timeoutMs` (each `onActivity` resets the clock). Races the SDK, so a stream stalled inside it
 * cannot outlive a cancel. Failures come out classified as ProviderFailure.
 */
export async function streamWithIdleTimeout<T>(
  call: (signal: AbortSignal, onActivity: () => void) => Promise<T>,
  options: { signal: AbortSignal; timeoutMs: number },
): Promise<T> {
  const { signal: outer, timeoutMs } = options;
  if (outer.aborted) throw new ProviderFailure('cancelled', 'cancelled');
  const inner = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  let rejectStop: (e: Error) => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => (rejectStop = reject));
  stopped.catch(() => undefined);
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      inner.abort();
      rejectStop(new ProviderFailure('timeout', 'timed out'));
    }, timeoutMs);
  };
  const onAbort = () => {
    inner.abort();
    rejectStop(new ProviderFailure('cancelled', 'cancelled'));
  };
  outer.addEventListener('abort', onAbort, { once: true });
  arm();
  try {
    const pending = call(inner.signal, arm);
    pending.catch(() => undefined);
    return await Promise.race([pending, stopped]);
  } catch (err) {
    if (outer.aborted) throw new ProviderFailure('cancelled', 'cancelled');
    if (timedOut) throw new ProviderFailure('timeout', 'timed out');
    throw classifyProviderError(err);
  } finally {
    clearTimeout(timer);
    outer.removeEventListener('abort', onAbort);
  }
}
