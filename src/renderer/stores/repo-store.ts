import { create } from 'zustand';
import type { AppInfo, RepoInfo } from '../../shared/types';

interface RepoState {
  appInfo: AppInfo | null;
  repo: RepoInfo | null;
  recent: RepoInfo[];
  /** True while the web transport is disconnected. */
  disconnected: boolean;
  /** Why the last attempt to open a repository failed; shown inline under the path field. */
  openError: string | null;
  /** True while `repos.open` is in flight. */
  opening: boolean;
  setAppInfo(info: AppInfo): void;
  setRepo(repo: RepoInfo | null): void;
  setRecent(recent: RepoInfo[]): void;
  setBranch(currentBranch: string | null, headSha: string): void;
  setDisconnected(disconnected: boolean): void;
  setOpening(opening: boolean, openError?: string | null): void;
}

/** The open repository, recent repositories and app facts: plain data only. */
export const useRepoStore = create<RepoState>((set) => ({
  appInfo: null,
  repo: null,
  recent: [],
  disconnected: false,
  openError: null,
  opening: false,
  setAppInfo: (appInfo) => set({ appInfo }),
  setRepo: (repo) => set({ repo }),
  setRecent: (recent) => set({ recent }),
  setBranch: (currentBranch, headSha) =>
    set((s) => (s.repo ? { repo: { ...s.repo, currentBranch, headSha } } : {})),
  setDisconnected: (disconnected) => set({ disconnected }),
  setOpening: (opening, openError = null) => set({ opening, openError }),
}));
