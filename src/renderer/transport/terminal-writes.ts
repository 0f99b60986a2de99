/**
 * Counts terminal writes the page has handed to xterm and xterm has not parsed yet, so the
 * worker socket can ask for the next batch of output as soon as the terminals are through
 * with the last one (instead of waiting a frame while the page sits idle).
 */
let inFlight = 0;
let waiters: Array<() => void> = [];

/** Marks one write as started; call the returned function once xterm has parsed it (extra calls are ignored). */
export function trackWrite(): () => void {
  inFlight++;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    inFlight--;
    if (inFlight === 0 && waiters.length > 0) {
      const ready = waiters;
      waiters = [];
      for (const fn of ready) fn();
    }
  };
}

/** Calls `fn` once no write is in flight (at once if none is). */
export function whenWritesSettled(fn: () => void): void {
  if (inFlight === 0) fn();
  else waiters.push(fn);
}
