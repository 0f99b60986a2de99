/**
 * Which agents need the user, and when to tell them: pure functions over plain agent data so
 * the header's list, the Ctrl+Shift+A shortcut and the notifications agree.
 */
import { assertNever } from '../../../shared/assert-never';
import type { Activity, AgentInfo } from '../../../shared/types';

/** Why an agent is on the attention list. */
export type AttentionReason = 'waiting' | 'failed' | 'exited';

/** One entry of the attention list. */
export interface AttentionItem {
  agentId: string;
  reason: AttentionReason;
}

/**
 * The activity a pane shows. The core reports it for every agent it watches; where it does not
 * (null), a process that is no longer running still reads as exited or failed, so shell and
 * command agents get the same attention as coding CLIs. A shell or command never waits for the
 * user: nothing in it asked a question, so a quiet one is idle, whatever a core reported.
 */
export function effectiveActivity(agent: AgentInfo): Activity | null {
  if (agent.activity === 'waiting' && !canAsk(agent)) return 'idle';
  if (agent.activity !== null) return agent.activity;
  if (agent.missing) return null;
  switch (agent.status) {
    case 'exited':
      return agent.exitCode !== null && agent.exitCode !== 0 ? 'failed' : 'exited';
    case 'stopped':
    case 'interrupted':
      return 'exited';
    case 'starting':
    case 'running':
      return null;
    default:
      return assertNever(agent.status);
  }
}

/** Coding CLIs and Flotilla's agent end a turn by asking; a plain shell or command cannot. */
function canAsk(agent: AgentInfo): boolean {
  return agent.kind === 'cli' || agent.kind === 'flotilla';
}

/**
 * Why `agent` needs the user, or null. Waiting and failed agents stay on the list until their
 * activity changes; an exited one only until the user has looked at it (`unseenExits`).
 */
export function attentionReason(agent: AgentInfo, unseenExits: Readonly<Record<string, true>>): AttentionReason | null {
  const activity = effectiveActivity(agent);
  if (activity === 'waiting' || activity === 'failed') return activity;
  if (activity === 'exited' && unseenExits[agent.id]) return 'exited';
  return null;
}

/** The attention list in fleet order. */
export function attentionItems(
  order: readonly string[],
  byId: Readonly<Record<string, AgentInfo>>,
  unseenExits: Readonly<Record<string, true>>,
): AttentionItem[] {
  const items: AttentionItem[] = [];
  for (const agentId of order) {
    const agent = byId[agentId];
    const reason = agent ? attentionReason(agent, unseenExits) : null;
    if (reason) items.push({ agentId, reason });
  }
  return items;
}

/**
 * The activity `next` moved to when that move deserves the user's attention (waiting, exited,
 * failed), else null. An unknown previous state is no transition: loading the fleet or an
 * agent's first appearance must not notify.
 */
export function attentionTransition(prev: AgentInfo | undefined, next: AgentInfo): AttentionReason | null {
  if (!prev) return null;
  const before = effectiveActivity(prev);
  const after = effectiveActivity(next);
  if (after === before) return null;
  return after === 'waiting' || after === 'exited' || after === 'failed' ? after : null;
}

/**
 * The agent Ctrl+Shift+A jumps to: the first one needing attention after the focused pane in
 * fleet order, wrapping around; null when none does.
 */
export function nextAttentionId(order: readonly string[], attention: readonly AttentionItem[], focusedId: string | null): string | null {
  if (attention.length === 0) return null;
  const wanted = new Set(attention.map((a) => a.agentId));
  const start = focusedId ? order.indexOf(focusedId) : -1;
  for (let step = 1; step <= order.length; step++) {
    const id = order[(start + step + order.length) % order.length];
    if (wanted.has(id)) return id;
  }
  return attention[0].agentId;
}

/** What a notification decision needs to know about the window. */
export interface NotifyContext {
  /** The user turned notifications on and the browser granted permission. */
  allowed: boolean;
  windowFocused: boolean;
  focusedAgentId: string | null;
}

/** One notification per transition, and none for the pane the user is looking at. */
export function shouldNotify(agentId: string, context: NotifyContext): boolean {
  if (!context.allowed) return false;
  return !(context.windowFocused && context.focusedAgentId === agentId);
}

/** Notification text for a transition. */
export function attentionMessage(agentName: string, reason: AttentionReason): { title: string; body: string } {
  switch (reason) {
    case 'waiting':
      return { title: `${agentName} is waiting for you`, body: 'The agent needs your input.' };
    case 'exited':
      return { title: `${agentName} finished`, body: 'The agent’s process exited.' };
    case 'failed':
      return { title: `${agentName} failed`, body: 'The agent stopped with an error.' };
    default:
      return assertNever(reason);
  }
}
