import { useAnnotationsStore } from '../changes/diff-annotations';

/** What the rest of the UI may ask of a mounted terminal. */
export interface TerminalHandle {
  focus(): void;
  /** All lines of the active buffer joined by '\n', trailing spaces trimmed. */
  text(): string;
  /** Output bytes xterm has parsed so far. */
  writtenBytes(): number;
  /** Calls `listener` with each chunk xterm finishes writing; returns the unsubscribe. */
  onWrite(listener: (data: Uint8Array) => void): () => void;
  /** Sends `data` as if typed. */
  input(data: string): void;
}

const terminals = new Map<string, TerminalHandle>();

/** Registers a pane's terminal by agent id; returns the unregister function. */
export function registerTerminal(agentId: string, handle: TerminalHandle): () => void {
  terminals.set(agentId, handle);
  return () => {
    if (terminals.get(agentId) === handle) terminals.delete(agentId);
  };
}

/** Moves keyboard focus into an agent's terminal, if it is mounted. */
export function focusTerminal(agentId: string): void {
  terminals.get(agentId)?.focus();
}

/** The end-to-end test and benchmark seam: `window.__flotilla` (terminals, and annotations on diffs). */
export function installTerminalTestSeam(): void {
  window.__flotilla = {
    terminalText: (agentId: string) => terminals.get(agentId)?.text() ?? '',
    terminalWrittenBytes: (agentId: string) => terminals.get(agentId)?.writtenBytes() ?? 0,
    onTerminalWrite: (agentId: string, listener: (data: Uint8Array) => void) => terminals.get(agentId)?.onWrite(listener) ?? (() => undefined),
    terminalInput: (agentId: string, data: string) => terminals.get(agentId)?.input(data),
    setAnnotations: (agentId, path, annotations) => useAnnotationsStore.getState().set(agentId, path, annotations),
  };
}
