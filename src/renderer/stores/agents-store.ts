import { create } from 'zustand';
import type { AgentInfo } from '../../shared/types';

interface AgentsState {
  /** Agents of the open repository by id. */
  byId: Record<string, AgentInfo>;
  /** Ids in display order (creation time). */
  order: string[];
  focusedId: string | null;
  maximizedId: string | null;
  reset(agents: AgentInfo[]): void;
  upsert(agent: AgentInfo): void;
  remove(agentId: string): void;
  focus(agentId: string | null): void;
  setMaximized(agentId: string | null): void;
}

function sortedIds(byId: Record<string, AgentInfo>): string[] {
  return Object.values(byId)
    .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
    .map((a) => a.id);
}

/** The fleet of the open repository, kept current by `agents.changed`/`agents.removed`. */
export const useAgentsStore = create<AgentsState>((set) => ({
  byId: {},
  order: [],
  focusedId: null,
  maximizedId: null,
  reset(agents) {
    const byId = Object.fromEntries(agents.map((a) => [a.id, a]));
    set({ byId, order: sortedIds(byId), focusedId: null, maximizedId: null });
  },
  upsert(agent) {
    set((s) => {
      const byId = { ...s.byId, [agent.id]: agent };
      const order = s.byId[agent.id] ? s.order : sortedIds(byId);
      return { byId, order };
    });
  },
  remove(agentId) {
    set((s) => {
      if (!s.byId[agentId]) return {};
      const { [agentId]: _removed, ...byId } = s.byId;
      return {
        byId,
        order: s.order.filter((id) => id !== agentId),
        focusedId: s.focusedId === agentId ? null : s.focusedId,
        maximizedId: s.maximizedId === agentId ? null : s.maximizedId,
      };
    });
  },
  focus: (focusedId) => set({ focusedId }),
  setMaximized: (maximizedId) => set({ maximizedId }),
}));
