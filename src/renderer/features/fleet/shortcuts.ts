import { useAgentsStore } from '../../stores/agents-store';
import { useRepoStore } from '../../stores/repo-store';
import { useUiStore } from '../../stores/ui-store';
import { jumpToNextAttention } from '../attention/attention-actions';
import { focusTerminal } from '../terminal/terminal-registry';
import { gridShape } from './grid-layout';
import { arrowDirection, neighborIndex } from './pane-navigation';

function focusPaneAt(index: number): void {
  const { order, focus } = useAgentsStore.getState();
  const id = order[index];
  if (!id) return;
  focus(id);
  focusTerminal(id);
  document.querySelector(`[data-agent-id="${CSS.escape(id)}"]`)?.scrollIntoView({ block: 'nearest' });
}

function handled(e: KeyboardEvent): true {
  e.preventDefault();
  e.stopPropagation();
  return true;
}

/**
 * The window's keyboard shortcuts. Runs in the capture phase so a focused terminal never
 * sees (and never sends to its PTY) a key that is an app shortcut.
 */
export function handleShortcut(e: KeyboardEvent): boolean {
  if (e.type !== 'keydown' || (e.repeat && e.key === 'Enter')) return false;
  const mod = e.ctrlKey || e.metaKey;
  const overlay = useUiStore.getState().overlay;
  const repo = useRepoStore.getState().repo;
  const agents = useAgentsStore.getState();

  if (mod && e.shiftKey && !e.altKey && e.code === 'KeyN') {
    if (repo && overlay.kind === 'none') useUiStore.getState().open({ kind: 'new-agent' });
    return handled(e);
  }
  if (overlay.kind !== 'none' || agents.order.length === 0) return false;

  if (mod && e.shiftKey && !e.altKey && e.code === 'KeyA') {
    jumpToNextAttention();
    return handled(e);
  }

  const direction = mod && e.shiftKey && !e.altKey ? arrowDirection(e.key) : null;
  if (direction) {
    const index = agents.focusedId ? agents.order.indexOf(agents.focusedId) : -1;
    const { cols } = gridShape(agents.order.length);
    const next = neighborIndex(index, agents.order.length, cols, direction);
    if (agents.maximizedId) agents.setMaximized(agents.order[next] ?? null);
    focusPaneAt(next);
    return handled(e);
  }
  if (e.ctrlKey && e.altKey && !e.shiftKey && /^Digit[1-9]$/.test(e.code)) {
    const index = Number(e.code.slice(5)) - 1;
    if (index < agents.order.length) {
      if (agents.maximizedId) agents.setMaximized(agents.order[index]);
      focusPaneAt(index);
    }
    return handled(e);
  }
  if (mod && e.shiftKey && e.key === 'Enter') {
    const target = agents.focusedId ?? agents.maximizedId ?? agents.order[0];
    agents.setMaximized(agents.maximizedId ? null : target);
    if (target) {
      agents.focus(target);
      // After the layout change, so the terminal is visible when it takes focus.
      requestAnimationFrame(() => focusTerminal(target));
    }
    return handled(e);
  }
  if (e.key === 'Escape' && !mod && agents.maximizedId) {
    const inTerminal = document.activeElement instanceof Element && document.activeElement.closest('.xterm');
    if (!inTerminal) {
      agents.setMaximized(null);
      return handled(e);
    }
  }
  return false;
}
