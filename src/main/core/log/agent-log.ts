/**
 * Agent launches and exits in the log, read off the core's event stream: one line when an
 * agent's process starts running, one when it exits or is stopped (with its exit code).
 */
import type { EventName, EventOf } from '../../../shared/contract';
import type { EventSink } from '../events/event-bus';
import { log } from './logger';

/** An event sink that logs agents' status transitions; subscribe it to the core's event bus. */
export function agentLogSink(): EventSink {
  const last = new Map<string, string>();
  return {
    event<E extends EventName>(name: E, payload: EventOf<E>): void {
      if (name === 'agents.removed') {
        const p = payload as EventOf<'agents.removed'>;
        last.delete(p.agentId);
        log('info', 'agent removed', { agentId: p.agentId });
        return;
      }
      if (name !== 'agents.changed') return;
      const a = payload as EventOf<'agents.changed'>;
      const before = last.get(a.id);
      if (before === a.status) return;
      last.set(a.id, a.status);
      const fields = { agentId: a.id, name: a.name, kind: a.kind, cli: a.launch?.presetId ?? null, confined: a.launch?.confined ?? null };
      if (a.status === 'running') log('info', 'agent launched', fields);
      else if (a.status === 'exited' || a.status === 'stopped' || a.status === 'interrupted') log('info', `agent ${a.status}`, { ...fields, exitCode: a.exitCode });
    },
  };
}
