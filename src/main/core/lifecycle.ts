/**
 * Disposables discipline (after VS Code's base/common/lifecycle): whatever a service starts
 * (process, watcher, timer, listener) is registered with an owner and released with it.
 */
import { AppError } from './errors';

export interface Disposable {
  dispose(): void | Promise<void>;
}

export function toDisposable(fn: () => void | Promise<void>): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      return fn();
    },
  };
}

/** Owns a set of disposables and releases them all, newest first. */
export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposed = false;

  add<T extends Disposable>(item: T): T {
    if (this.disposed) {
      void item.dispose();
      return item;
    }
    this.items.add(item);
    return item;
  }

  delete(item: Disposable): void {
    this.items.delete(item);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const items = [...this.items].reverse();
    this.items.clear();
    for (const item of items) {
      try {
        await item.dispose();
      } catch {
        // Disposal keeps going: one stuck resource must not keep the others alive.
      }
    }
  }
}

/** A typed event emitter: `onDidX(listener)` returns a Disposable. */
export class Emitter<T> {
  private listeners = new Set<(value: T) => void>();

  readonly event = (listener: (value: T) => void): Disposable => {
    this.listeners.add(listener);
    return toDisposable(() => {
      this.listeners.delete(listener);
    });
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (err) {
        console.error('[flotilla] listener failed', err);
      }
    }
  }

  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  dispose(): void {
    this.listeners.clear();
  }
}

/**
 * How long quitting waits for the core to stop agents, abort long work and flush before the
 * database is closed anyway. The one shutdown deadline: the shells (Electron, `flotilla serve`)
 * wait for the core, and the core keeps to this.
 */
export const SHUTDOWN_DEADLINE_MS = 5_000;

/** Resolves true when `promise` settles within `ms`, false when the deadline passes first. */
export function withinDeadline(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref?.();
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    promise.then(done, done);
  });
}

/**
 * Disposables by key (after VS Code's DisposableMap): setting a key disposes what it held,
 * deleting disposes, and disposing the map disposes every value.
 */
export class DisposableMap<K, V extends Disposable = Disposable> implements Disposable {
  private readonly map = new Map<K, V>();
  private disposed = false;

  get size(): number {
    return this.map.size;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  keys(): K[] {
    return [...this.map.keys()];
  }

  values(): V[] {
    return [...this.map.values()];
  }

  /** Stores `value` under `key`, disposing the value it replaces. After dispose, `value` is disposed at once. */
  set(key: K, value: V): void {
    if (this.disposed) {
      void value.dispose();
      return;
    }
    const previous = this.map.get(key);
    this.map.set(key, value);
    if (previous && previous !== value) void previous.dispose();
  }

  /** Removes the key and disposes its value. */
  async deleteAndDispose(key: K): Promise<void> {
    const value = this.map.get(key);
    this.map.delete(key);
    await value?.dispose();
  }

  /** Removes the key and hands its value to the caller, who now owns it. */
  deleteAndLeak(key: K): V | undefined {
    const value = this.map.get(key);
    this.map.delete(key);
    return value;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const values = [...this.map.values()];
    this.map.clear();
    // All at once: one slow value (a process that takes its time to exit) must not hold up the rest.
    await Promise.all(
      values.map(async (value) => {
        try {
          await value.dispose();
        } catch {
          // Disposal keeps going: one stuck resource must not keep the others alive.
        }
      }),
    );
  }
}

/**
 * A cancellation scope: an AbortSignal for the work it owns, and child scopes cancelled with it.
 * Disposed means cancelled. Work started with `run` that the scope cancels ends with a
 * `cancelled` error saying why, whatever the aborted call threw.
 */
export class CancellationScope implements Disposable {
  private readonly controller = new AbortController();
  private readonly children = new Set<CancellationScope>();
  private detach: (() => void) | null = null;
  private why: string | null = null;

  /** The signal to hand to the work this scope owns (git calls, model calls). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get isCancelled(): boolean {
    return this.controller.signal.aborted;
  }

  /** Why it was cancelled, as the end of a sentence ("the agent was stopped"), once it was. */
  get reason(): string | null {
    return this.why;
  }

  /** A scope cancelled with this one; cancelling or disposing the child leaves this one running. */
  child(): CancellationScope {
    const child = new CancellationScope();
    if (this.isCancelled) {
      child.cancel(this.why ?? 'cancelled');
      return child;
    }
    this.children.add(child);
    child.detach = () => this.children.delete(child);
    return child;
  }

  /** Aborts this scope's signal and every child's, with the reason given. Idempotent. */
  cancel(why = 'cancelled'): void {
    if (this.isCancelled) return;
    this.why = why;
    this.controller.abort(new Error(why));
    for (const child of [...this.children]) child.cancel(why);
    this.children.clear();
  }

  /**
   * Runs `work` under a child scope, disposed when the work ends. If this scope is cancelled
   * first, the result is `AppError('cancelled')` naming `what` and why, not the aborted call's
   * own error.
   */
  async run<T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const scope = this.child();
    try {
      if (scope.isCancelled) throw new Error('cancelled before it started');
      return await work(scope.signal);
    } catch (err) {
      if (scope.isCancelled) {
        throw new AppError('cancelled', `${what} was cancelled because ${scope.reason ?? 'it was cancelled'}.`);
      }
      throw err;
    } finally {
      scope.dispose();
    }
  }

  dispose(): void {
    this.cancel('its owner was closed');
    this.detach?.();
    this.detach = null;
  }
}
