import { create } from 'zustand';

/** Which overlay is open; one at a time keeps focus handling simple. */
export type Overlay =
  | { kind: 'none' }
  | { kind: 'new-agent' }
  | { kind: 'settings' }
  | { kind: 'changes'; agentId: string }
  | { kind: 'merge'; agentId: string }
  | { kind: 'remove'; agentId: string };

interface UiState {
  overlay: Overlay;
  open(overlay: Overlay): void;
  close(): void;
}

/** Dialog and panel state of the window. */
export const useUiStore = create<UiState>((set) => ({
  overlay: { kind: 'none' },
  open: (overlay) => set({ overlay }),
  close: () => set({ overlay: { kind: 'none' } }),
}));
