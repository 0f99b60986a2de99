import { useAgentsStore } from '../../stores/agents-store';
import { useRepoStore } from '../../stores/repo-store';
import { call, callOrToast } from '../common/call';

/** Refreshes the recent-repositories list. */
export async function loadRecent(): Promise<void> {
  const recent = await call('repos.recent', {});
  if (recent.ok) useRepoStore.getState().setRecent(recent.value);
}

/** Loads the fleet of the open repository into the agents store. */
export async function loadAgents(): Promise<void> {
  const repo = useRepoStore.getState().repo;
  if (!repo) return;
  const agents = await callOrToast('agents.list', { repoId: repo.id });
  // The user may have switched repositories while the list was loading.
  if (agents && useRepoStore.getState().repo?.id === repo.id) useAgentsStore.getState().reset(agents);
}

/**
 * Opens a repository by path; on failure keeps the current one and records the error's
 * message for the path field to show. Returns whether it opened.
 */
export async function openRepo(path: string): Promise<boolean> {
  const trimmed = path.trim();
  const store = useRepoStore.getState();
  if (!trimmed) {
    store.setOpening(false, 'Type the path of a git repository, or pick a recent one.');
    return false;
  }
  store.setOpening(true);
  const result = await call('repos.open', { path: trimmed });
  if (!result.ok) {
    useRepoStore.getState().setOpening(false, result.error.message);
    return false;
  }
  const previous = useRepoStore.getState().repo;
  rememberOpenRepo(result.value.path);
  useRepoStore.getState().setRepo(result.value);
  useRepoStore.getState().setOpening(false);
  if (previous?.id !== result.value.id) useAgentsStore.getState().reset([]);
  await Promise.all([loadAgents(), loadRecent()]);
  return true;
}

const OPEN_REPO_KEY = 'flotilla.openRepo';

/** Keeps the open repository's path in this tab, so a reload opens it again. */
function rememberOpenRepo(path: string): void {
  try {
    window.sessionStorage.setItem(OPEN_REPO_KEY, path);
  } catch {
    // Storage disabled: a reload shows the start screen.
  }
}

/** Reopens the repository this tab had open before a reload, if any. */
export async function restoreOpenRepo(): Promise<void> {
  let path: string | null = null;
  try {
    path = window.sessionStorage.getItem(OPEN_REPO_KEY);
  } catch {
    return;
  }
  if (path && !useRepoStore.getState().repo) await openRepo(path);
}

/** Shows the desktop folder picker and opens what the user picked. */
export async function browseAndOpen(): Promise<void> {
  const picked = await callOrToast('repos.pickFolder', {});
  if (picked) await openRepo(picked);
}

/** Re-reads the current branch after `repos.changed`. */
export async function refreshBranch(repoId: string): Promise<void> {
  const repo = useRepoStore.getState().repo;
  if (!repo || repo.id !== repoId) return;
  const branches = await call('repos.branches', { repoId });
  if (branches.ok) useRepoStore.getState().setBranch(branches.value.current, branches.value.headSha);
}
