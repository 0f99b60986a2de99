/**
 * The merge service: previews and runs the squash merge of an agent's work into its base, under
 * the agent's cancellation scope (stopping the agent or quitting aborts the git calls that
 * prepare it; the last step, a compare-and-swap ref update, is never cut in half), serialized
 * with other changes to the repository, and recorded in the agent's events.
 */
import type { MergePreview, MergeResult } from '../../../shared/types';
import type { MergedEvent } from '../agents';
import type { AgentWorkHost } from '../changes';
import type { FlotillaDb } from '../db';
import type { EventBus } from '../events/event-bus';
import type { RepoLocks } from '../git';
import type { RepoService } from '../repos';
import { previewMerge, runMerge } from './squash-merge';

/** What the merge service needs from the agents service. */
export interface MergeHost extends AgentWorkHost {
  /** The agent's work was just merged. */
  noteMerged(agentId: string): void;
}

export interface MergeServiceDeps {
  agents: MergeHost;
  repos: RepoService;
  locks: RepoLocks;
  db: FlotillaDb;
  events: EventBus;
}

export class MergeService {
  constructor(private readonly deps: MergeServiceDeps) {}

  /** What merging the agent's work would do, and whether it can run now; changes nothing. */
  preview(agentId: string, targetBranch?: string): Promise<MergePreview> {
    const row = this.deps.agents.liveWorktree(agentId);
    const repo = this.deps.repos.get(row.repoId);
    return this.deps.agents.runFor(agentId, `Previewing the merge of ${row.name}`, (signal) =>
      previewMerge({
        topLevel: repo.path,
        worktreePath: row.worktreePath,
        branch: row.branch,
        baseRef: row.baseRef,
        baseIsBranch: row.baseIsBranch,
        targetBranch,
        defaultMessage: defaultMergeMessage(row.name, row.branch, row.task),
        signal,
      }),
    );
  }

  /** Squash-merges the agent's work into its base (or `targetBranch` for a detached start) and records it. */
  async run(agentId: string, targetBranch: string | undefined, message: string): Promise<MergeResult> {
    const { agents, locks, db, events } = this.deps;
    const row = agents.liveWorktree(agentId);
    const repo = this.deps.repos.get(row.repoId);
    const { agentTree, ...result } = await agents.runFor(agentId, `Merging ${row.name}`, (signal) =>
      locks.run(repo.path, () =>
        runMerge({
          topLevel: repo.path,
          worktreePath: row.worktreePath,
          branch: row.branch,
          baseRef: row.baseRef,
          baseIsBranch: row.baseIsBranch,
          targetBranch,
          message,
          signal,
        }),
      ),
    );
    db.journal.append({ kind: 'attempt', id: row.attemptId }, 'merged', { ...result, agentTree } satisfies MergedEvent);
    events.emit('repos.changed', { repoId: repo.id });
    agents.noteMerged(row.id);
    return result;
  }
}

/** The commit message offered for a merge: the task's first line, else the agent's name. */
export function defaultMergeMessage(name: string, branch: string, task: string | null): string {
  const firstLine = task?.split('\n').find((line) => line.trim())?.trim();
  const subject = firstLine ? (firstLine.length > 72 ? `${firstLine.slice(0, 69)}...` : firstLine) : `${name}: changes from ${branch}`;
  return `${subject}\n\nSquash-merged from ${branch} by Flotilla.`;
}
