/**
 * The "confined by default" rule, in one place: the New-agent dialog shows it as the default and
 * the core applies it when a request does not say.
 */
import type { AgentKind, PermissionMode } from './types';

/**
 * Whether an agent is confined when the user does not choose: where a sandbox exists, always for
 * Flotilla's agent and for a CLI in the modes that act without asking; a Shell or Command agent
 * only when asked.
 */
export function confinedByDefault(kind: AgentKind, mode: PermissionMode, sandboxAvailable: boolean): boolean {
  if (kind === 'shell' || kind === 'command') return false;
  return sandboxAvailable && (kind === 'flotilla' || mode !== 'ask');
}
