/**
 * Everything Flotilla holds for one agent while it exists: its terminal size, its last diff stat,
 * whether its work is exactly what it merged, its change watch, the scope its long work runs
 * under, and its running process (agent-process.ts). Disposed as a whole when the agent is
 * removed or Flotilla quits, instead of one entry in each of many parallel maps.
 */
import type { DiffStat } from '../../../shared/types';
import { CancellationScope, type Disposable, DisposableStore } from '../lifecycle';
import type { AgentProcess } from './agent-process';
import type { MergedEvent } from './merged-work';

export class AgentRuntime implements Disposable {
  private readonly store = new DisposableStore();
  private work: CancellationScope;
  private current: AgentProcess | null = null;
  /** Processes that exited and are still reading what they reported last. */
  private readonly ending = new Set<Promise<void>>();
  /** The terminal size last asked for, so a restart starts at the pane's size. */
  size: { cols: number; rows: number } | null = null;
  diffStat: DiffStat | null = null;
  /** The agent's work is exactly a tree it merged, still in the base. */
  merged = false;
  /**
   * Merges to compare the agent's work with, loaded from its events; emptied once new work
   * appears, so only an agent still showing "merged" pays for the comparison. Null: not loaded.
   */
  mergeRecords: MergedEvent[] | null = null;

  constructor(
    readonly agentId: string,
    private readonly parentScope: CancellationScope,
  ) {
    this.work = parentScope.child();
  }

  /** The running process, if any. */
  get process(): AgentProcess | null {
    return this.current;
  }

  get isDisposed(): boolean {
    return this.store.isDisposed;
  }

  /** Owns `item` until the agent goes (its change watch, its activity state). */
  own<T extends Disposable>(item: T): T {
    return this.store.add(item);
  }

  /** Takes over a newly started process; the previous one must have ended. */
  attach(process: AgentProcess): void {
    if (this.store.isDisposed) {
      void process.dispose();
      return;
    }
    this.current = process;
  }

  /** The process ended: it reads what it reported last and stops its watchers. */
  async detach(process: AgentProcess): Promise<void> {
    if (this.current === process) this.current = null;
    const ending = process.ended();
    this.ending.add(ending);
    try {
      await ending;
    } finally {
      this.ending.delete(ending);
    }
  }

  /** Waits until no earlier process holds anything (its gateway's socket, its watchers), before a new start. */
  async settle(): Promise<void> {
    const process = this.current;
    this.current = null;
    await process?.dispose();
    await Promise.all([...this.ending]);
  }

  /**
   * Runs long work for this agent (a diff, a merge, a measurement) under its scope: stopping or
   * removing the agent, or quitting, aborts its git calls and it ends with a `cancelled` error.
   */
  run<T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.work.run(what, work);
  }

  /** Aborts the agent's long work in progress (it is being stopped); later work runs in a fresh scope. */
  cancelWork(why: string): void {
    this.work.cancel(why);
    this.work.dispose();
    this.work = this.parentScope.child();
  }

  async dispose(): Promise<void> {
    if (this.store.isDisposed) return;
    this.work.dispose();
    const process = this.current;
    this.current = null;
    await process?.dispose();
    await this.store.dispose();
  }
}
