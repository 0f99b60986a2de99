import type { AckTimers } from '../terminal/ack-batcher';

// Arrow functions: a browser's setTimeout throws "Illegal invocation" when called as a method.
const realTimers: AckTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A call limiter; `dispose` drops a pending trailing call. */
export interface Throttled {
  (): void;
  dispose(): void;
}

/**
 * Runs `fn` at once, then at most once per `intervalMs`: calls in between collapse into one
 * trailing call at the end of the interval, so the last change is never missed.
 */
export function throttle(fn: () => void, intervalMs: number, timers: AckTimers = realTimers): Throttled {
  let timer: unknown = null;
  let pending = false;
  const open = (): void => {
    timer = timers.set(() => {
      timer = null;
      if (pending) {
        pending = false;
        fn();
        open();
      }
    }, intervalMs);
  };
  const throttled = (() => {
    if (timer !== null) {
      pending = true;
      return;
    }
    fn();
    open();
  }) as Throttled;
  throttled.dispose = () => {
    if (timer !== null) timers.clear(timer);
    timer = null;
    pending = false;
  };
  return throttled;
}
