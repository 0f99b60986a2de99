import { useAgentsStore } from '../../stores/agents-store';
import { callOrToast } from '../common/call';

/** Stops an agent's process; the new state also arrives as `agents.changed`. */
export async function stopAgent(agentId: string): Promise<void> {
  const agent = await callOrToast('agents.stop', { agentId });
  if (agent) useAgentsStore.getState().upsert(agent);
}

/** Restarts an agent's process in its worktree. */
export async function restartAgent(agentId: string): Promise<void> {
  const agent = await callOrToast('agents.restart', { agentId });
  if (agent) useAgentsStore.getState().upsert(agent);
}
