import { create } from 'zustand';

const NOTIFICATIONS_KEY = 'flotilla.notifications';

function storedEnabled(): boolean {
  try {
    return window.localStorage.getItem(NOTIFICATIONS_KEY) === 'on';
  } catch {
    return false;
  }
}

interface AttentionState {
  /** Agents that exited or failed while the user was not looking at them. */
  unseenExits: Record<string, true>;
  /** The user asked for desktop notifications (permission is checked separately). */
  notificationsEnabled: boolean;
  markUnseenExit(agentId: string): void;
  /** The user looked at the agent (focused its pane) or it started again. */
  acknowledge(agentId: string): void;
  reset(): void;
  setNotificationsEnabled(enabled: boolean): void;
}

/** What needs the user: unseen exits and the notification preference. Plain data only. */
export const useAttentionStore = create<AttentionState>((set) => ({
  unseenExits: {},
  notificationsEnabled: storedEnabled(),
  markUnseenExit: (agentId) => set((s) => (s.unseenExits[agentId] ? {} : { unseenExits: { ...s.unseenExits, [agentId]: true } })),
  acknowledge: (agentId) =>
    set((s) => {
      if (!s.unseenExits[agentId]) return {};
      const { [agentId]: _seen, ...unseenExits } = s.unseenExits;
      return { unseenExits };
    }),
  reset: () => set({ unseenExits: {} }),
  setNotificationsEnabled(enabled) {
    try {
      window.localStorage.setItem(NOTIFICATIONS_KEY, enabled ? 'on' : 'off');
    } catch {
      // Storage disabled: the preference lasts for this page only.
    }
    set({ notificationsEnabled: enabled });
  },
}));
