/**
 * Fans core events out to every connected client. Terminal bytes do not travel here: they go
 * from the PTY service straight to each subscribed client's sink.
 */
import type { EventName, EventOf } from '../../../shared/contract';

export interface EventSink {
  event<E extends EventName>(name: E, payload: EventOf<E>): void;
}

export class EventBus {
  private readonly sinks = new Set<EventSink>();

  /** Adds a client; returns the function that removes it. */
  subscribe(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => {
      this.sinks.delete(sink);
    };
  }

  emit<E extends EventName>(name: E, payload: EventOf<E>): void {
    for (const sink of [...this.sinks]) {
      try {
        sink.event(name, payload);
      } catch (err) {
        console.error('[flotilla] event sink failed', err);
      }
    }
  }
}
