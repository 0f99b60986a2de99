/// <reference types="vite/client" />

/** The end-to-end test seam registered by terminal panes. */
interface FlotillaTestSeam {
  /** All lines of the agent's active terminal buffer joined by '\n', trailing spaces trimmed. */
  terminalText(agentId: string): string;
  /** Output bytes of the agent's pane that xterm has parsed (counted in write callbacks). */
  terminalWrittenBytes(agentId: string): number;
  /** Calls `listener` with each chunk xterm finishes writing to the agent's pane; returns the unsubscribe. */
  onTerminalWrite(agentId: string, listener: (data: Uint8Array) => void): () => void;
  /** Sends `data` as if typed in the agent's pane (through xterm's own input path). */
  terminalInput(agentId: string, data: string): void;
  /** Publishes annotations for an agent's file, as a review would (see features/changes/diff-annotations.ts). */
  setAnnotations(agentId: string, path: string, annotations: import('./features/changes/diff-annotations').LineAnnotation[]): void;
}

interface Window {
  __flotilla?: FlotillaTestSeam;
}
