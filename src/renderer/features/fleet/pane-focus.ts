import { useAgentsStore } from '../../stores/agents-store';
import { focusTerminal } from '../terminal/terminal-registry';

/**
 * Brings an agent's pane to the user: focuses it (maximizing it instead of the current one when
 * a pane is maximized), scrolls it into view and puts the keyboard in its terminal.
 */
export function jumpToAgent(agentId: string): void {
  const agents = useAgentsStore.getState();
  if (!agents.byId[agentId]) return;
  if (agents.maximizedId && agents.maximizedId !== agentId) agents.setMaximized(agentId);
  agents.focus(agentId);
  // After a possible layout change, so the pane is visible when it scrolls and takes focus.
  requestAnimationFrame(() => {
    document.querySelector(`[data-testid="agent-pane"][data-agent-id="${CSS.escape(agentId)}"]`)?.scrollIntoView({ block: 'nearest' });
    focusTerminal(agentId);
  });
}
