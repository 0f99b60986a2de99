import { useAgentsStore } from '../../stores/agents-store';
import { call, callOrToast } from '../common/call';
import { toastError } from '../../stores/toast-store';
import { loadLeftovers } from '../leftovers/leftovers-actions';

/** Stops an agent's process; the new state also arrives as `agents.changed`. */
export async function stopAgent(agentId: string): Promise<void> {
  const agent = await callOrToast('agents.stop', { agentId });
  if (agent) useAgentsStore.getState().upsert(agent);
}

/**
 * Restarts an agent's process in its worktree. Refused while processes of a previous Flotilla
 * still run there: the leftovers bar then offers to stop them and restart.
 */
export async function restartAgent(agentId: string): Promise<void> {
  const result = await call('agents.restart', { agentId });
  if (result.ok) {
    useAgentsStore.getState().upsert(result.value);
    return;
  }
  toastError(result.error.message);
  if (result.error.code === 'agent-running') await loadLeftovers();
}
