/**
 * The changes service: what an agent changed, as a file list and per-file contents, read under
 * the agent's cancellation scope so that stopping or removing the agent, or quitting, aborts the
 * git calls in flight. A thin owner over the functions beside it.
 */
import type { ChangeList, FileDiff } from '../../../shared/types';
import type { AgentRow } from '../db';
import { listChangesFromBase } from './change-list';
import { readFileDiff } from './file-diff';
import { mergeBaseFor } from './refs';

/** What the changes service needs from the agents service. */
export interface AgentWorkHost {
  /** The agent's record; refuses when its worktree is missing. */
  liveWorktree(agentId: string): AgentRow;
  /** Runs `work` under the agent's scope; a cancelled run ends with a `cancelled` error. */
  runFor<T>(agentId: string, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

export class ChangesService {
  constructor(private readonly agents: AgentWorkHost) {}

  /** Every file the agent changed since the merge base with its base branch. */
  list(agentId: string): Promise<ChangeList> {
    const row = this.agents.liveWorktree(agentId);
    return this.agents.runFor(agentId, `Reading the changes of ${row.name}`, async (signal) => {
      return listChangesFromBase(row.worktreePath, { ref: row.baseRef, fallbackSha: row.baseSha }, signal);
    });
  }

  /** Both sides of one changed file. */
  file(agentId: string, path: string, opts: { oldPath?: string | null; force?: boolean }): Promise<FileDiff> {
    const row = this.agents.liveWorktree(agentId);
    return this.agents.runFor(agentId, `Reading ${path} of ${row.name}`, async (signal) => {
      const from = await mergeBaseFor(row.worktreePath, row.baseRef, row.baseSha);
      signal.throwIfAborted();
      return readFileDiff(row.worktreePath, from, path, { oldPath: opts.oldPath ?? null, force: opts.force });
    });
  }
}
