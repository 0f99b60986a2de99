/**
 * Keeps each agent's diff stat and "merged" flag current: measured when the change watcher says
 * the agent's work may have changed (change-watcher.ts), under the agent's cancellation scope,
 * and announced only when a figure changed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { computeDiffStatFromBase } from '../changes';
import type { AgentRow, FlotillaDb } from '../db';
import type { WorktreeView } from '../git';
import type { Disposable } from '../lifecycle';
import type { AgentRuntime } from './agent-runtime';
import { ChangeWatcher } from './change-watcher';
import { isAlreadyMerged, recordedMerges } from './merged-work';

export interface DiffStatsHost {
  db: FlotillaDb;
  runtimeOf(row: AgentRow): AgentRuntime;
  emitChanged(agentId: string): void;
}

export class DiffStats implements Disposable {
  private readonly watcher: ChangeWatcher;

  constructor(private readonly host: DiffStatsHost) {
    this.watcher = new ChangeWatcher((id) => this.refresh(id));
  }

  /** Watches the agent's top folder, its index and HEAD (the admin folder), and its private branch ref. */
  watch(agentId: string, view: WorktreeView): void {
    const watched = [view.worktreePath, view.adminDir];
    if (view.privateGitDir) watched.push(join(view.privateGitDir, 'refs'));
    this.watcher.watch(agentId, watched);
  }

  unwatch(agentId: string): void {
    this.watcher.unwatch(agentId);
  }

  /** Something may have changed: measure after `delayMs` (default: once a burst of changes settles). */
  schedule(agentId: string, delayMs?: number): void {
    this.watcher.schedule(agentId, delayMs);
  }

  /** Recomputes the diff stat now and emits a change when it differs. */
  async refresh(agentId: string): Promise<void> {
    const { db } = this.host;
    const row = db.agents.get(agentId);
    if (!row || row.missing || !existsSync(row.worktreePath)) return;
    const runtime = this.host.runtimeOf(row);
    try {
      const { stat, mergedChanged } = await runtime.run(`Measuring the changes of ${row.name}`, async (signal) => {
        const measured = await computeDiffStatFromBase(row.worktreePath, { ref: row.baseRef, fallbackSha: row.baseSha }, signal);
        return { stat: measured, mergedChanged: await this.refreshMerged(row, runtime) };
      });
      const previous = runtime.diffStat;
      if (!db.agents.get(agentId) || runtime.isDisposed) return;
      runtime.diffStat = stat;
      if (mergedChanged || !previous || previous.files !== stat.files || previous.additions !== stat.additions || previous.deletions !== stat.deletions) {
        this.host.emitChanged(agentId);
      }
    } catch {
      // A worktree in the middle of a git operation can fail to read, or the agent was stopped: the next change retries.
    }
  }

  /** True when the agent's work is exactly a tree it merged and that merge is still in the base. */
  alreadyMerged(row: AgentRow): Promise<boolean> {
    const merges = recordedMerges(this.host.db.journal.ofType({ kind: 'attempt', id: row.attemptId }, 'merged'));
    return isAlreadyMerged({ worktreePath: row.worktreePath, branch: row.branch, merges });
  }

  dispose(): void {
    this.watcher.dispose();
  }

  /** Updates whether the pane shows "merged"; true when that changed. */
  private async refreshMerged(row: AgentRow, runtime: AgentRuntime): Promise<boolean> {
    const merges = (runtime.mergeRecords ??= recordedMerges(this.host.db.journal.ofType({ kind: 'attempt', id: row.attemptId }, 'merged')));
    const merged = merges.length > 0 && (await isAlreadyMerged({ worktreePath: row.worktreePath, branch: row.branch, merges }));
    if (!merged) runtime.mergeRecords = [];
    if (merged === runtime.merged) return false;
    runtime.merged = merged;
    return true;
  }
}
