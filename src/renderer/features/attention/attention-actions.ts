import type { AgentInfo } from '../../../shared/types';
import { useAgentsStore } from '../../stores/agents-store';
import { useAttentionStore } from '../../stores/attention-store';
import { toastError, toastInfo } from '../../stores/toast-store';
import { jumpToAgent } from '../fleet/pane-focus';
import { attentionItems, attentionMessage, attentionTransition, effectiveActivity, nextAttentionId, shouldNotify } from './attention';

/** 'unsupported' where the page has no Notification API (e.g. an insecure origin). */
export function notificationPermission(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

function userIsLookingAt(agentId: string): boolean {
  return document.hasFocus() && useAgentsStore.getState().focusedId === agentId;
}

/**
 * Called with an agent's previous and new state on `agents.changed`: records exits the user has
 * not seen and shows one notification per transition to waiting, exited or failed.
 */
export function handleAgentChanged(prev: AgentInfo | undefined, next: AgentInfo): void {
  const attention = useAttentionStore.getState();
  const activity = effectiveActivity(next);
  if (activity !== 'exited' && activity !== 'failed') attention.acknowledge(next.id);
  const reason = attentionTransition(prev, next);
  if (!reason) return;
  if (reason !== 'waiting' && !userIsLookingAt(next.id)) attention.markUnseenExit(next.id);
  const allowed = attention.notificationsEnabled && notificationPermission() === 'granted';
  if (!shouldNotify(next.id, { allowed, windowFocused: document.hasFocus(), focusedAgentId: useAgentsStore.getState().focusedId })) return;
  const { title, body } = attentionMessage(next.name, reason);
  try {
    // One tag per agent: a newer state replaces an older notification instead of piling up.
    const notification = new Notification(title, { body, tag: `flotilla-${next.id}` });
    notification.onclick = () => {
      window.focus();
      jumpToAgent(next.id);
      notification.close();
    };
  } catch {
    // Some browsers only allow notifications from a service worker; the attention list still shows it.
  }
}

/**
 * Keeps the unseen exits honest: focusing a pane acknowledges it, and agents that left the
 * fleet (removed, or another repository opened) are dropped. Returns the unsubscribe function.
 */
export function installAttentionTracking(): () => void {
  const unsubscribe = useAgentsStore.subscribe((s, prev) => {
    const attention = useAttentionStore.getState();
    if (s.focusedId && (s.focusedId !== prev.focusedId || attention.unseenExits[s.focusedId]) && document.hasFocus()) {
      attention.acknowledge(s.focusedId);
    }
    if (s.byId !== prev.byId) {
      for (const id of Object.keys(attention.unseenExits)) if (!s.byId[id]) attention.acknowledge(id);
    }
  });
  const onWindowFocus = () => {
    const focusedId = useAgentsStore.getState().focusedId;
    if (focusedId) useAttentionStore.getState().acknowledge(focusedId);
  };
  window.addEventListener('focus', onWindowFocus);
  return () => {
    unsubscribe();
    window.removeEventListener('focus', onWindowFocus);
  };
}

/** Ctrl+Shift+A: jumps to the next agent that needs the user; true when there was one. */
export function jumpToNextAttention(): boolean {
  const { order, byId, focusedId } = useAgentsStore.getState();
  const items = attentionItems(order, byId, useAttentionStore.getState().unseenExits);
  const next = nextAttentionId(order, items, focusedId);
  if (!next) return false;
  jumpToAgent(next);
  useAttentionStore.getState().acknowledge(next);
  return true;
}

/**
 * The bell: asks for permission on first use (it must come from a click), then toggles.
 * Explains in a toast when the browser cannot or will not show notifications.
 */
export async function toggleNotifications(): Promise<void> {
  const attention = useAttentionStore.getState();
  if (attention.notificationsEnabled) {
    attention.setNotificationsEnabled(false);
    return;
  }
  let permission = notificationPermission();
  if (permission === 'unsupported') {
    toastError('This browser does not offer notifications here. The attention list still shows agents that need you.');
    return;
  }
  if (permission === 'default') {
    try {
      permission = await Notification.requestPermission();
    } catch {
      permission = Notification.permission;
    }
  }
  if (permission !== 'granted') {
    toastError('Notifications are blocked for this page. Allow them in the browser’s site settings, then try again.');
    return;
  }
  attention.setNotificationsEnabled(true);
  toastInfo('Notifications on: you will hear when an agent waits for you, finishes or fails.');
}
