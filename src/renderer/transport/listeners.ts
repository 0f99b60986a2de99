/**
 * Fan-out shared by both transports: one incoming stream, many listeners, each removable,
 * and one listener's exception never starves the others.
 */

/** A set of listeners for one kind of message. */
export class ListenerSet<A extends unknown[]> {
  private readonly listeners = new Set<(...args: A) => void>();

  /** Adds a listener; returns a function that removes it. */
  add(listener: (...args: A) => void): () => void {
    // Wrap so the same function added twice is two subscriptions, each removable on its own.
    const entry = (...args: A): void => listener(...args);
    this.listeners.add(entry);
    return () => void this.listeners.delete(entry);
  }

  /** Calls every listener with `args`. */
  fire(...args: A): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(...args);
      } catch (err) {
        console.error('flotilla: a listener failed', err);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}

/** Listeners keyed by event name. */
export class EventListeners {
  private readonly byName = new Map<string, ListenerSet<[unknown]>>();

  /** Adds a listener for `name`; returns a function that removes it. */
  add(name: string, listener: (payload: unknown) => void): () => void {
    let set = this.byName.get(name);
    if (!set) {
      set = new ListenerSet();
      this.byName.set(name, set);
    }
    return set.add(listener);
  }

  /** Delivers `payload` to the listeners of `name`. */
  fire(name: string, payload: unknown): void {
    this.byName.get(name)?.fire(payload);
  }
}
