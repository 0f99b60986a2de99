import { create } from 'zustand';
import type { ResultOf } from '../../shared/contract';

export type Leftovers = ResultOf<'agents.leftovers'>;

interface LeftoversState {
  /** What a hard stop of Flotilla left in the open repository; null until loaded. */
  leftovers: Leftovers | null;
  repoId: string | null;
  set(repoId: string, leftovers: Leftovers | null): void;
}

/** Leftover worktrees, branches and processes of the open repository: plain data only. */
export const useLeftoversStore = create<LeftoversState>((set) => ({
  leftovers: null,
  repoId: null,
  set: (repoId, leftovers) => set({ repoId, leftovers }),
}));
