/// <reference types="vite/client" />

/** The end-to-end test seam registered by terminal panes. */
interface FlotillaTestSeam {
  /** All lines of the agent's active terminal buffer joined by '\n', trailing spaces trimmed. */
  terminalText(agentId: string): string;
}

interface Window {
  __flotilla?: FlotillaTestSeam;
}
