/**
 * Decides when an agent's diff stat is measured again. Measuring costs several git processes, so
 * an idle fleet must not measure on a timer: a measurement follows a sign that something changed
 * (the agent printed, its process exited, a file event in its worktree's top folder, its index,
 * HEAD or private branch ref), settles for a moment so a burst of events costs one measurement,
 * and runs with at most a few others at once. A slow safety poll, spread over its interval,
 * catches what no event announced (a quiet edit deep in the tree).
 */
import { watch, type FSWatcher } from 'node:fs';
import type { Disposable } from '../lifecycle';

/**
 * The slow safety poll: every agent is measured at least this often. A measurement of a large
 * worktree costs about a CPU-second, so this is what an idle fleet costs: keep it rare.
 */
export const CHANGE_SAFETY_POLL_MS = 300_000;
/** A sign of change is followed by a measurement this much later (events in between coalesce). */
export const CHANGE_SETTLE_MS = 750;
/** Measurements running at once, across the fleet. */
export const MAX_CONCURRENT_MEASUREMENTS = 2;

/** How often the safety poll looks for an agent due for a measurement (one per look). */
const POLL_TICK_MS = 1_000;

interface Watched {
  watchers: FSWatcher[];
  timer: NodeJS.Timeout | null;
  /** When its last measurement started. */
  measuredAt: number;
}

/** Schedules `measure(agentId)` when an agent's work may have changed; owns its watchers and timers. */
export class ChangeWatcher implements Disposable {
  private readonly agents = new Map<string, Watched>();
  private readonly queue: string[] = [];
  private readonly running = new Set<string>();
  private readonly poll: NodeJS.Timeout;
  private disposed = false;

  constructor(
    private readonly measure: (agentId: string) => Promise<void>,
    private readonly options: { safetyPollMs?: number; settleMs?: number } = {},
  ) {
    // At most one agent per tick: the safety poll never measures the whole fleet at once.
    this.poll = setInterval(() => this.pollNext(), POLL_TICK_MS);
    this.poll.unref();
  }

  /** Watches an agent's folders (missing ones are skipped) and measures it soon. */
  watch(agentId: string, paths: string[]): void {
    this.unwatch(agentId);
    const watchers: FSWatcher[] = [];
    for (const path of paths) {
      try {
        const watcher = watch(path, { persistent: false }, () => this.schedule(agentId));
        watcher.on('error', () => watcher.close());
        watchers.push(watcher);
      } catch {
        // Gone or unwatchable: the safety poll still covers it.
      }
    }
    this.agents.set(agentId, { watchers, timer: null, measuredAt: 0 });
    this.schedule(agentId, 0);
  }

  /** Stops watching an agent and drops its pending measurement. */
  unwatch(agentId: string): void {
    const entry = this.agents.get(agentId);
    if (!entry) return;
    for (const watcher of entry.watchers) watcher.close();
    if (entry.timer) clearTimeout(entry.timer);
    this.agents.delete(agentId);
    const queued = this.queue.indexOf(agentId);
    if (queued >= 0) this.queue.splice(queued, 1);
  }

  /** Something may have changed: measure after `delayMs` (pending requests coalesce). */
  schedule(agentId: string, delayMs = this.options.settleMs ?? CHANGE_SETTLE_MS): void {
    const entry = this.agents.get(agentId);
    if (!entry || entry.timer || this.disposed) return;
    entry.timer = setTimeout(() => {
      entry.timer = null;
      this.enqueue(agentId);
    }, delayMs);
    entry.timer.unref();
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.poll);
    for (const id of [...this.agents.keys()]) this.unwatch(id);
  }

  private pollNext(): void {
    const due = Date.now() - (this.options.safetyPollMs ?? CHANGE_SAFETY_POLL_MS);
    let oldest: [string, Watched] | null = null;
    for (const entry of this.agents) if (entry[1].measuredAt <= due && (!oldest || entry[1].measuredAt < oldest[1].measuredAt)) oldest = entry;
    if (oldest) this.enqueue(oldest[0]);
  }

  private enqueue(agentId: string): void {
    if (!this.agents.has(agentId) || this.queue.includes(agentId) || this.disposed) return;
    this.queue.push(agentId);
    this.drain();
  }

  private drain(): void {
    while (this.running.size < MAX_CONCURRENT_MEASUREMENTS && this.queue.length > 0) {
      const id = this.queue.shift()!;
      if (this.running.has(id)) {
        // Measured right now: measure again afterwards, the change may have come after it read.
        this.queue.push(id);
        if (this.queue.every((q) => this.running.has(q))) return;
        continue;
      }
      this.running.add(id);
      const entry = this.agents.get(id);
      if (entry) entry.measuredAt = Date.now();
      void this.measure(id)
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(id);
          this.drain();
        });
    }
  }
}
