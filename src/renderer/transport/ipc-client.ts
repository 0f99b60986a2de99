/**
 * The renderer's client in Electron: wraps the preload bridge (`window.flotilla`).
 * One bridge subscription per stream, fanned out here, so each terminal pane does not pay
 * for its own copy of every chunk across the context bridge.
 */
import type { FlotillaClient, MethodName, ParamsOf, ResultOf } from '../../shared/contract';
import type { Result } from '../../shared/types';
import type { FlotillaBridge } from '../../preload';
import { EventListeners, ListenerSet } from './listeners';

/** Builds a FlotillaClient on top of the preload bridge. */
export function createIpcClient(bridge: FlotillaBridge): FlotillaClient {
  const events = new EventListeners();
  const terminal = new ListenerSet<[{ agentId: string; data: Uint8Array }]>();
  bridge.onEvent((name, payload) => events.fire(name, payload));
  bridge.onTerminalData((agentId, data) => terminal.fire({ agentId, data }));

  return {
    // The core validated the params and produced the result for this method: the cast only
    // restores the type the bridge's untyped channel erased.
    invoke<M extends MethodName>(method: M, params: ParamsOf<M>) {
      return bridge.invoke(method, params) as Promise<Result<ResultOf<M>>>;
    },
    notify: (name, params) => bridge.notify(name, params),
    onEvent: (name, listener) => events.add(name, listener as (payload: unknown) => void),
    onTerminalData: (listener) => terminal.add(listener),
  };
}
