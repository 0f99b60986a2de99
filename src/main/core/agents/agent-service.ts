/**
 * Agents: each one a branch `flotilla/<slug>`, a worktree under the data folder and a process
 * in a PTY whose working directory is that worktree. This service keeps the records and events;
 * what it holds for each agent lives in one runtime per agent (agent-runtime.ts), disposed as a
 * whole; worktrees are made and removed by the WorktreeService.
 */
import { existsSync, rmSync } from 'node:fs';
import type { Activity, AgentInfo, RemovalCheck } from '../../../shared/types';
import type { AgentRow, FlotillaDb } from '../db';
import type { EventBus } from '../events/event-bus';
import { AppError } from '../errors';
import { toAppError, type WorktreeView } from '../git';
import { CancellationScope, type Disposable, DisposableMap, DisposableStore, toDisposable } from '../lifecycle';
import type { PtyService } from '../pty';
import type { RepoService } from '../repos';
import { describeWork, suggestAgentName, type WorktreeService } from '../worktrees';
import { ActivityTracker } from '../status';
import { ProviderGatewayHub } from '../sandbox';
import { AgentProcess, type ProcessHost } from './agent-process';
import { AgentRuntime } from './agent-runtime';
import { DEFAULT_COLS, DEFAULT_ROWS, type AgentServiceDeps, type CreateAgentParams } from './agent-types';
import { recordNewAgent } from './agent-creation';
import { AgentViews } from './agent-views';
import { DiffStats } from './diff-stats';
import { agentStateDir } from './launch';
import { checkPassEnvNames } from './agent-env';

export { DEFAULT_COLS, DEFAULT_ROWS, type AgentServiceDeps, type CreateAgentParams } from './agent-types';

export class AgentService implements Disposable {
  private readonly store = new DisposableStore();
  /** Everything held for each agent, by agent id; removing an agent disposes its runtime. */
  private readonly runtimes = new DisposableMap<string, AgentRuntime>();
  /** Every agent's long work runs under a child of this; quitting cancels it. */
  private readonly scope = new CancellationScope();
  /** Each agent's diff stat and "merged" flag, measured when its work may have changed. */
  private readonly changes: DiffStats;
  /** Every agent's way to its provider; holds the keys, so agents never do. */
  private readonly gatewayHub = new ProviderGatewayHub();
  /** How Flotilla's git calls see each agent's worktree (git/worktree-view.ts). */
  private readonly agentViews: AgentViews;
  private readonly activity: ActivityTracker;
  private readonly processHost: ProcessHost;
  private readonly db: FlotillaDb;
  private readonly pty: PtyService;
  private readonly repos: RepoService;
  private readonly events: EventBus;
  private readonly worktrees: WorktreeService;

  constructor(private readonly deps: AgentServiceDeps) {
    ({ db: this.db, pty: this.pty, repos: this.repos, events: this.events, worktrees: this.worktrees } = deps);
    this.agentViews = new AgentViews(deps.dataDir, (repoId) => this.repos.get(repoId).path);
    this.activity = new ActivityTracker((agentId, activity) => this.setActivity(agentId, activity));
    this.store.add(toDisposable(() => this.activity.dispose()));
    this.store.add(this.pty.onDidExit((e) => this.handleExit(e.id, e.exitCode)));
    this.changes = this.store.add(new DiffStats({ db: deps.db, runtimeOf: (row) => this.runtimeOf(row), emitChanged: (id) => this.emitChanged(id) }));
    // Agents change files while they print: measure again soon after output.
    this.store.add(
      this.pty.onDidOutput((id) => {
        this.activity.noteOutput(id);
        this.changes.schedule(id);
      }),
    );
    this.processHost = {
      deps,
      gatewayHub: this.gatewayHub,
      activity: this.activity,
      emitChanged: (id) => this.emitChanged(id),
      rewatch: (id, view) => this.changes.watch(id, view),
    };
  }

  /** Marks agents that were running when Flotilla stopped as interrupted, and missing worktrees. */
  async reconcile(): Promise<void> {
    this.db.processes.interruptOpen();
    for (const row of this.db.agents.all()) {
      if (row.status === 'running' || row.status === 'starting') {
        this.db.agents.update(row.id, { status: 'interrupted', activity: null, updatedAt: Date.now() });
      }
    }
    const byRepo = new Map<string, AgentRow[]>();
    for (const row of this.db.agents.all()) byRepo.set(row.repoId, [...(byRepo.get(row.repoId) ?? []), row]);
    for (const [repoId, rows] of byRepo) {
      const repo = this.db.repos.get(repoId);
      if (!repo) continue;
      await this.reconcileRepo(repo.path, rows);
      for (const row of rows) await this.viewOf(row).catch(() => undefined);
    }
    await this.deps.leftovers.report(byRepo);
  }

  /** Compares records with `git worktree list --porcelain`; records what is missing or found again. */
  async reconcileRepo(topLevel: string, rows: AgentRow[]): Promise<void> {
    for (const { id, missing } of await this.worktrees.reconcile(topLevel, rows)) {
      this.db.agents.update(id, { missing, updatedAt: Date.now() });
      this.db.journal.append({ kind: 'agent', id }, missing ? 'worktree-missing' : 'worktree-found');
      this.emitChanged(id);
    }
  }

  /** Gives a leftover worktree a record again (a Shell agent named after its folder) and starts it. */
  async adoptOrphan(repoId: string, slug: string, size?: { cols: number; rows: number }): Promise<AgentInfo> {
    const row = await this.deps.leftovers.adopt(repoId, slug);
    await this.viewOf(row);
    this.emitChanged(row.id);
    await this.start(row, size ?? { cols: DEFAULT_COLS, rows: DEFAULT_ROWS }, false);
    return this.info(row.id);
  }

  /** The repository's agents, each with its diff stat (measured soon where not yet known). */
  list(repoId: string): AgentInfo[] {
    this.repos.get(repoId);
    const rows = this.db.agents.listByRepo(repoId);
    for (const row of rows) if (!this.runtimes.get(row.id)?.diffStat) this.changes.schedule(row.id, 0);
    return rows.map((row) => this.toInfo(row));
  }

  get(agentId: string): AgentRow {
    const row = this.db.agents.get(agentId);
    if (!row) throw new AppError('not-found', 'That agent no longer exists.');
    return row;
  }

  /** The agent's record, refusing when its worktree is missing (nothing to read or merge). */
  liveWorktree(agentId: string): AgentRow {
    const row = this.get(agentId);
    if (row.missing) throw new AppError('worktree-missing', `The worktree of ${row.name} is missing (${row.worktreePath}).`);
    return row;
  }

  info(agentId: string): AgentInfo {
    return this.toInfo(this.get(agentId));
  }

  /** What Flotilla holds for a running or known agent; undefined for an unknown one. For tests and diagnostics. */
  runtime(agentId: string): AgentRuntime | undefined {
    return this.runtimes.get(agentId);
  }

  /**
   * Runs long work on an agent's worktree (a diff, a merge) under the agent's scope: stopping or
   * removing the agent, or quitting, aborts its git calls and it ends with a `cancelled` error.
   */
  runFor<T>(agentId: string, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.runtimeOf(this.get(agentId)).run(what, work);
  }

  /** Subscribes a client to the agent's terminal: the recent screen first, then live output. */
  attach(agentId: string, clientId: string, sink: (data: Uint8Array) => void): Promise<{ replayedBytes: number }> {
    this.get(agentId);
    return this.pty.subscribe(agentId, clientId, sink);
  }

  /** Sets which of the user's environment variables every agent also gets; returns the checked names. */
  setEnvPassthrough(names: string[]): string[] {
    const checked = checkPassEnvNames(names);
    this.db.settings.setAgentEnvPassthrough(checked);
    return checked;
  }

  suggestName(repoId: string): string {
    this.repos.get(repoId);
    const taken = new Set(this.db.agents.listByRepo(repoId).map((a) => a.slug));
    return suggestAgentName(taken);
  }

  /** Creates the branch, worktree and record (serialized per repository), then starts the process. */
  async create(params: CreateAgentParams): Promise<AgentInfo> {
    const row = await recordNewAgent(this.deps, params);
    this.runtimeOf(row).diffStat = { files: 0, additions: 0, deletions: 0 };
    await this.viewOf(row);
    this.emitChanged(row.id);
    await this.start(row, { cols: params.cols ?? DEFAULT_COLS, rows: params.rows ?? DEFAULT_ROWS }, false);
    return this.info(row.id);
  }

  /**
   * Stops the agent's process if it runs, then starts it again in the same worktree. Processes
   * still running there that this Flotilla did not start (survivors of a hard stop) refuse the
   * restart unless `stopSurvivors`, which stops them first.
   */
  async restart(agentId: string, opts: { stopSurvivors?: boolean } = {}): Promise<AgentInfo> {
    const row = this.get(agentId);
    if (row.missing || !existsSync(row.worktreePath)) {
      throw new AppError('worktree-missing', `The worktree of ${row.name} is missing (${row.worktreePath}). Remove the agent to clean up its record.`);
    }
    // A CLI that was interrupted picks up its previous session where it supports that.
    const resume = row.kind === 'cli' && row.status === 'interrupted';
    if (this.pty.isRunning(agentId)) await this.stopProcess(agentId);
    await this.deps.leftovers.clearSurvivors(row, Boolean(opts.stopSurvivors));
    await this.start(this.get(agentId), this.runtimeOf(row).size ?? { cols: DEFAULT_COLS, rows: DEFAULT_ROWS }, resume);
    return this.info(agentId);
  }

  /** Stops the agent's process, and aborts its long work (diffs, merges) in progress; the worktree stays. */
  async stop(agentId: string): Promise<AgentInfo> {
    this.get(agentId);
    if (!this.pty.isRunning(agentId)) throw new AppError('agent-not-running', 'This agent is not running.');
    await this.stopProcess(agentId);
    return this.info(agentId);
  }

  async removalCheck(agentId: string): Promise<RemovalCheck> {
    const row = this.get(agentId);
    const check = await this.worktrees.inspect(row.worktreePath, row.baseRef);
    try {
      // Squash-merged work is in the base as a new commit: the agent's own commits are not.
      if (check.hasWork && (await this.changes.alreadyMerged(row))) return { ...check, hasWork: false };
    } catch (err) {
      throw toAppError(err, 'Could not inspect the worktree');
    }
    return check;
  }

  /**
   * Removes an agent: stops its process, snapshots any work to `refs/flotilla/archive/...`,
   * then removes the worktree and branch. Without `confirm`, work to lose is refused first.
   */
  async remove(agentId: string, confirm: boolean): Promise<{ snapshotRef: string | null }> {
    const row = this.get(agentId);
    const repo = this.repos.get(row.repoId);
    if (!confirm) {
      const check = await this.removalCheck(agentId);
      if (check.hasWork) throw new AppError('needs-confirmation', describeWork(row.name, row.baseRef, check), { ...check });
    }
    this.runtimes.get(agentId)?.cancelWork('the agent is being removed');
    if (this.pty.isRunning(agentId)) await this.stopProcess(agentId);
    const result = await this.worktrees.remove(
      { topLevel: repo.path, worktreePath: row.worktreePath, branch: row.branch, slug: row.slug, baseRef: row.baseRef, isAlreadyMerged: () => this.changes.alreadyMerged(row) },
      confirm,
    );
    // The record goes first, so that nothing in flight (a measurement) makes the runtime again.
    // The attempt and the journal stay: they are the record of what was tried and merged.
    this.db.transaction(() => {
      this.db.agents.delete(agentId);
      this.db.attempts.close(row.attemptId);
      this.db.journal.append({ kind: 'agent', id: agentId }, 'removed', { attemptId: row.attemptId, snapshotRef: result.snapshotRef });
    });
    await this.runtimes.deleteAndDispose(agentId);
    rmSync(agentStateDir(this.deps.dataDir, agentId), { recursive: true, force: true });
    this.agentViews.forget(row);
    this.events.emit('agents.removed', { agentId, repoId: row.repoId });
    return result;
  }

  /** Remembers the terminal size so a restart starts at the pane's size. */
  resize(agentId: string, cols: number, rows: number): void {
    const row = this.db.agents.get(agentId);
    const runtime = row ? this.runtimeOf(row) : null;
    const previous = runtime?.size;
    if (runtime) runtime.size = { cols, rows };
    // Only a real change makes the program redraw; told first so the redraw is never counted as work.
    if (!previous || previous.cols !== cols || previous.rows !== rows) this.activity.noteResize(agentId);
    this.pty.resize(agentId, cols, rows);
  }

  /** The agent's work was just merged: compare it with what the merge recorded from now on. */
  noteMerged(agentId: string): void {
    const runtime = this.runtimes.get(agentId);
    if (runtime) runtime.mergeRecords = null;
    this.changes.schedule(agentId, 0);
  }

  /** Typing into an agent's terminal: it is no longer waiting for the user. */
  noteInput(agentId: string): void {
    this.activity.noteInput(agentId);
  }

  /** Aborts every agent's long work, then releases each runtime (watchers, gateways) and the rest. */
  async dispose(): Promise<void> {
    this.scope.cancel('Flotilla is shutting down');
    await this.runtimes.dispose();
    await this.gatewayHub.dispose();
    await this.store.dispose();
  }

  /** The agent's runtime, made on first use. */
  private runtimeOf(row: AgentRow): AgentRuntime {
    let runtime = this.runtimes.get(row.id);
    if (!runtime) {
      runtime = new AgentRuntime(row.id, this.scope);
      runtime.own(
        toDisposable(() => {
          this.changes.unwatch(row.id);
          this.activity.forget(row.id);
        }),
      );
      this.runtimes.set(row.id, runtime);
    }
    return runtime;
  }

  /** The view of an agent's worktree (agent-views.ts); a new one also starts watching for changes. */
  private async viewOf(row: AgentRow): Promise<WorktreeView> {
    const { view, opened } = await this.agentViews.open(row);
    if (!this.db.agents.get(row.id)) throw new AppError('not-found', 'That agent no longer exists.');
    if (opened) this.changes.watch(row.id, view);
    return view;
  }

  private async start(row: AgentRow, size: { cols: number; rows: number }, resume: boolean): Promise<void> {
    const runtime = this.runtimeOf(row);
    runtime.size = size;
    // Derived from the repository, never from the worktree, whose .git file the agent can rewrite.
    const view = await this.viewOf(row);
    await runtime.settle();
    runtime.attach(await AgentProcess.start(this.processHost, row, view, size, resume));
  }

  private setActivity(agentId: string, activity: Activity): void {
    const row = this.db.agents.get(agentId);
    if (!row || row.activity === activity) return;
    this.db.agents.update(agentId, { activity });
    this.emitChanged(agentId);
  }

  /** Stops the process as the user's doing (its end is "stopped"), aborting the agent's long work first. */
  private async stopProcess(agentId: string): Promise<void> {
    const runtime = this.runtimes.get(agentId);
    runtime?.cancelWork('the agent was stopped');
    if (runtime?.process) runtime.process.stopping = true;
    await this.pty.kill(agentId);
  }

  private handleExit(agentId: string, exitCode: number | null): void {
    const runtime = this.runtimes.get(agentId);
    const process = runtime?.process;
    if (!runtime || !process) return;
    process.exited(exitCode);
    this.changes.schedule(agentId, 0);
    // What it reported last is still read and credited to it; then its watchers stop.
    void runtime.detach(process);
  }

  private emitChanged(agentId: string): void {
    const row = this.db.agents.get(agentId);
    if (!row) return;
    this.events.emit('agents.changed', this.toInfo(row));
  }

  private toInfo(row: AgentRow): AgentInfo {
    const { updatedAt: _updatedAt, attemptId: _attemptId, ...info } = row;
    const runtime = this.runtimes.get(row.id);
    return {
      ...info,
      diffStat: runtime?.diffStat ?? null,
      merged: runtime?.merged ?? false,
      usage: this.deps.providers.usageForAgent(row.id),
    };
  }
}
