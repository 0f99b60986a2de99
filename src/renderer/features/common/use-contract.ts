import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import type { MethodName, ParamsOf, ResultOf } from '../../../shared/contract';
import type { Result } from '../../../shared/types';
import { call } from './call';

/** Something loaded from the core: still loading, the value, or why it could not be loaded. */
export type Loaded<T> = { state: 'loading' } | { state: 'ok'; value: T } | { state: 'error'; message: string };

/**
 * Runs loads one after another and publishes only the latest one's outcome: an answer that
 * arrives after a newer load started, or after disposal (the component went away), is dropped.
 */
export function latestOnly<T>(publish: (loaded: Loaded<T>) => void): {
  load(run: () => Promise<Result<T>>): Promise<void>;
  dispose(): void;
} {
  let generation = 0;
  let disposed = false;
  return {
    async load(run) {
      const mine = ++generation;
      publish({ state: 'loading' });
      const result = await run();
      if (disposed || mine !== generation) return;
      publish(result.ok ? { state: 'ok', value: result.value } : { state: 'error', message: result.error.message });
    },
    dispose() {
      disposed = true;
    },
  };
}

export interface ContractQuery<T> {
  loaded: Loaded<T>;
  /** The value once loaded (undefined while loading or after an error). */
  value: T | undefined;
  /** Loads again with the same parameters. */
  reload(): void;
  /** Replaces the value, e.g. with what a save returned. */
  set(value: T): void;
}

/**
 * Calls a contract method when the component mounts and whenever `deps` change, with loading and
 * error state and stale answers dropped. `params` null means "nothing to load yet". `onLoad` runs
 * once per successful answer (to seed form fields from it).
 */
export function useContract<M extends MethodName>(
  method: M,
  params: ParamsOf<M> | null,
  deps: DependencyList,
  onLoad?: (value: ResultOf<M>) => void,
): ContractQuery<ResultOf<M>> {
  const [loaded, setLoaded] = useState<Loaded<ResultOf<M>>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  // The latest params and callback without making them effect dependencies: callers list the
  // values that matter in `deps`, as with useEffect.
  const latest = useRef({ params, onLoad });
  latest.current = { params, onLoad };

  useEffect(() => {
    const query = latestOnly<ResultOf<M>>((next) => {
      setLoaded(next);
      if (next.state === 'ok') latest.current.onLoad?.(next.value);
    });
    const current = latest.current.params;
    if (current !== null) void query.load(() => call(method, current));
    return () => query.dispose();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- deps are the caller's
  }, [method, round, ...deps]);

  const reload = useCallback(() => setRound((r) => r + 1), []);
  const set = useCallback((value: ResultOf<M>) => setLoaded({ state: 'ok', value }), []);
  return { loaded, value: loaded.state === 'ok' ? loaded.value : undefined, reload, set };
}
