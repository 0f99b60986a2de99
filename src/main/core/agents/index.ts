/**
 * The agents service: agents as records, one runtime per agent (its process, watchers, gateway
 * and cancellation scope), and the leftovers a hard stop can leave. `AgentService` is what the
 * other services use.
 */
export { AgentService } from './agent-service';
export { DEFAULT_COLS, DEFAULT_ROWS, type AgentServiceDeps, type CreateAgentParams } from './agent-types';
export { AgentRuntime } from './agent-runtime';
export { AgentProcess } from './agent-process';
export { checkPassEnvNames } from './agent-env';
export { AgentLeftovers, type Leftovers } from './leftovers';
export type { MergedEvent } from './merged-work';
export type { OrphanWorktree, Survivor } from './orphans';
