import { useAgentsStore } from '../../stores/agents-store';
import { useLeftoversStore } from '../../stores/leftovers-store';
import { useRepoStore } from '../../stores/repo-store';
import { toastError } from '../../stores/toast-store';
import { call, callOrToast } from '../common/call';

/** Asks the core what a hard stop left in the open repository (orphan worktrees, surviving processes). */
export async function loadLeftovers(): Promise<void> {
  const repoId = useRepoStore.getState().repo?.id;
  if (!repoId) return;
  const result = await call('agents.leftovers', { repoId });
  // Only the repository still open gets the answer; a failed look shows nothing rather than stale data.
  if (useRepoStore.getState().repo?.id === repoId) useLeftoversStore.getState().set(repoId, result.ok ? result.value : null);
}

/**
 * Removes an orphan worktree and branch. Returns the core's description of the work in it when
 * that needs confirming; with `confirm` the work is saved to a snapshot ref first.
 */
export async function removeOrphan(slug: string, confirm: boolean): Promise<{ needsConfirmation: string } | null> {
  const repoId = useRepoStore.getState().repo?.id;
  if (!repoId) return null;
  const result = await call('agents.removeOrphan', { repoId, slug, confirm });
  await loadLeftovers();
  if (result.ok) return null;
  if (result.error.code === 'needs-confirmation') return { needsConfirmation: result.error.message };
  toastError(result.error.message);
  return null;
}

/** Gives a leftover worktree a record again, as a Shell agent started in it. */
export async function adoptOrphan(slug: string): Promise<void> {
  const repoId = useRepoStore.getState().repo?.id;
  if (!repoId) return;
  const agent = await callOrToast('agents.adoptOrphan', { repoId, slug });
  if (agent) useAgentsStore.getState().upsert(agent);
  await loadLeftovers();
}

/** Stops the processes a previous Flotilla left in the agent's worktree, then restarts the agent. */
export async function stopSurvivorsAndRestart(agentId: string): Promise<void> {
  const agent = await callOrToast('agents.restart', { agentId, stopSurvivors: true });
  if (agent) useAgentsStore.getState().upsert(agent);
  await loadLeftovers();
}
