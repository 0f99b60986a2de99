/**
 * The bridge between the sandboxed renderer and the main process. It exposes exactly the
 * contract's four operations as `window.flotilla` and never hands out ipcRenderer itself.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { IPC as ContractIpc } from '../shared/contract';
import type { Result } from '../shared/types';

/**
 * The contract's channel names, restated because a sandboxed preload can only load 'electron'
 * at runtime (the contract pulls in zod); the type makes any mismatch a compile error.
 */
const IPC: typeof ContractIpc = {
  invoke: 'flotilla:invoke',
  notify: 'flotilla:notify',
  event: 'flotilla:event',
  terminalData: 'flotilla:terminal-data',
};

/** What `window.flotilla` offers; the renderer's IPC client turns it into a FlotillaClient. */
export interface FlotillaBridge {
  invoke(method: string, params: unknown): Promise<Result<unknown>>;
  notify(name: string, params: unknown): void;
  /** Every core event; returns a function that removes the listener. */
  onEvent(listener: (name: string, payload: unknown) => void): () => void;
  /** Every terminal output chunk; returns a function that removes the listener. */
  onTerminalData(listener: (agentId: string, data: Uint8Array) => void): () => void;
}

const bridge: FlotillaBridge = {
  invoke: (method, params) => ipcRenderer.invoke(IPC.invoke, String(method), params) as Promise<Result<unknown>>,
  notify: (name, params) => ipcRenderer.send(IPC.notify, String(name), params),
  onEvent: (listener) => {
    const handler = (_event: IpcRendererEvent, name: string, payload: unknown): void => listener(name, payload);
    ipcRenderer.on(IPC.event, handler);
    return () => void ipcRenderer.removeListener(IPC.event, handler);
  },
  onTerminalData: (listener) => {
    const handler = (_event: IpcRendererEvent, agentId: string, data: Uint8Array): void => listener(agentId, data);
    ipcRenderer.on(IPC.terminalData, handler);
    return () => void ipcRenderer.removeListener(IPC.terminalData, handler);
  },
};

contextBridge.exposeInMainWorld('flotilla', bridge);
