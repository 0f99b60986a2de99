/**
 * What the agents service is made from, what creating an agent takes, and a new agent's record;
 * shared by the service and the parts it owns (runtime, process, leftovers) so none of them
 * imports the service.
 */
import { randomUUID } from 'node:crypto';
import type { AgentKind, NetworkMode, PermissionMode } from '../../../shared/types';
import type { CatalogService } from '../catalog';
import { adHocAttempt, type AgentRow, type FlotillaDb } from '../db';
import type { EventBus } from '../events/event-bus';
import type { RepoLocks } from '../git';
import type { ProviderService } from '../providers';
import type { PtyService } from '../pty';
import type { RepoService } from '../repos';
import type { WorktreeService } from '../worktrees';
import type { AgentLeftovers } from './leftovers';

export const DEFAULT_COLS = 100;
export const DEFAULT_ROWS = 30;

export interface CreateAgentParams {
  repoId: string;
  name?: string;
  base?: string;
  kind: AgentKind;
  command?: string;
  task?: string;
  cols?: number;
  rows?: number;
  presetId?: string;
  providerId?: string;
  model?: string;
  permissionMode?: PermissionMode;
  confined?: boolean;
  network?: NetworkMode;
}

export interface AgentServiceDeps {
  db: FlotillaDb;
  pty: PtyService;
  repos: RepoService;
  locks: RepoLocks;
  events: EventBus;
  catalog: CatalogService;
  providers: ProviderService;
  worktrees: WorktreeService;
  /** What hard stops left behind: found at start-up, adopted, and in the way of a restart. */
  leftovers: AgentLeftovers;
  dataDir: string;
  homeDir: string;
  ownAgentEntry: string | null;
  /** out/main/netBridge.js, for network mode 'provider'. */
  netBridgeEntry?: string | null;
}

/** A new agent's record, about to start: what is fixed at creation, and a fresh status. */
export function newAgentRow(
  fields: Pick<AgentRow, 'repoId' | 'name' | 'slug' | 'branch' | 'baseRef' | 'baseIsBranch' | 'baseSha' | 'kind' | 'command' | 'task' | 'worktreePath' | 'launch'>,
): AgentRow {
  const now = Date.now();
  return { id: randomUUID(), attemptId: randomUUID(), ...fields, status: 'starting', exitCode: null, missing: false, createdAt: now, updatedAt: now, activity: null };
}

/**
 * Records a new agent with its ad-hoc attempt (no task) and its first journal entry, in one
 * transaction: either all three exist afterwards or none does.
 */
export function insertAgentRecord(db: FlotillaDb, row: AgentRow, entry: { type: 'created' | 'adopted'; payload: Record<string, unknown> }, more: () => void = () => undefined): void {
  db.transaction(() => {
    db.attempts.insert(adHocAttempt(row));
    db.agents.insert(row);
    db.journal.append({ kind: 'agent', id: row.id }, entry.type, { ...entry.payload, attemptId: row.attemptId });
    more();
  });
}
