import { create } from 'zustand';

/** Which overlay is open; one at a time keeps focus handling simple. */
export type Overlay =
  | { kind: 'none' }
  | { kind: 'new-agent' }
  | { kind: 'settings' }
  | { kind: 'changes'; agentId: string }
  | { kind: 'merge'; agentId: string }
  | { kind: 'remove'; agentId: string };

/**
 * The work surface in the window's main area, under the overlays. The fleet is the home view;
 * task, review and compare views join this union (and the router's table) as they are built.
 */
export type View = { kind: 'fleet' };

interface UiState {
  overlay: Overlay;
  view: View;
  /** Views left by navigate(), most recent last; back() returns to them. */
  history: View[];
  open(overlay: Overlay): void;
  close(): void;
  navigate(view: View): void;
  back(): void;
}

const HOME: View = { kind: 'fleet' };
/** Enough to walk back through a session's views without keeping every step forever. */
const HISTORY_LIMIT = 50;

/** Dialog, panel and view state of the window. */
export const useUiStore = create<UiState>((set) => ({
  overlay: { kind: 'none' },
  view: HOME,
  history: [],
  open: (overlay) => set({ overlay }),
  close: () => set({ overlay: { kind: 'none' } }),
  navigate: (view) =>
    set((s) => (sameView(s.view, view) ? s : { view, history: [...s.history, s.view].slice(-HISTORY_LIMIT), overlay: { kind: 'none' } })),
  back: () => set((s) => ({ view: s.history.at(-1) ?? HOME, history: s.history.slice(0, -1) })),
}));

/** Views are plain data: equal when every field is. */
export function sameView(a: View, b: View): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
