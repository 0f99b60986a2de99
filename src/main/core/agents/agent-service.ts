/**
 * Agents: each one a branch `flotilla/<slug>`, a worktree under the data folder and a process
 * in a PTY whose working directory is that worktree. This service ties the worktree, PTY and
 * database services together and keeps each agent's status and diff stat current.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Activity, AgentInfo, AgentKind, DiffStat, NetworkMode, PermissionMode, RemovalCheck } from '../../../shared/types';
import type { AgentRow, FlotillaDb } from '../db';
import type { EventBus } from '../events/event-bus';
import { AppError } from '../errors';
import { gitText, toAppError } from '../git/core';
import type { RepoLocks } from '../git/lock';
import { type Disposable, DisposableStore, toDisposable } from '../lifecycle';
import type { PtyService } from '../pty';
import { resolveBase } from '../repos';
import {
  BRANCH_PREFIX,
  chooseBranch,
  createWorktree,
  initSubmodules,
  inspectWork,
  listWorktrees,
  removeWorktree,
  slugify,
  suggestAgentName,
  worktreeRoot,
} from '../worktrees';
import { computeDiffStatFromBase } from '../changes';
import type { RepoService } from '../repos/repo-service';
import type { CatalogService } from '../catalog';
import type { ProviderService } from '../providers';
import { ActivityTracker, CliUsageWatcher, OpencodeUsageWatcher, opencodeDatabase, ReportWatcher, usageDirsFor, type ReportLine } from '../status';
import { ensureSocketFilterFile, ProviderGatewayHub, type ProviderGateway } from '../sandbox';
import { preparePrivateGit, repairWorktreeLinks } from '../git/agent-branch';
import type { WorktreeView } from '../git/worktree-view';
import { AgentViews } from './agent-views';
import { sandboxGitconfig } from './sandbox-home';
import { ChangeWatcher } from './change-watcher';
import { launchConfigFor } from './launch-config';
import { agentStateDir, planLaunch } from './launch';
import { isAlreadyMerged, recordedMerges, type MergedEvent } from './merged-work';
import { nameClash } from './agent-names';
import { describeSurvivors, findOrphans, findSurvivors, removeOrphanWorktree, stopSurvivors, type OrphanWorktree, type Survivor } from './orphans';


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
  dataDir: string;
  homeDir: string;
  ownAgentEntry: string | null;
  /** out/main/netBridge.js, for network mode 'provider'. */
  netBridgeEntry?: string | null;
}

export class AgentService implements Disposable {
  private readonly store = new DisposableStore();
  private readonly diffStats = new Map<string, DiffStat>();
  /** When each agent's diff stat is measured again (events, not a fast poll). */
  private readonly changes: ChangeWatcher;
  private readonly stopping = new Set<string>();
  private readonly sizes = new Map<string, { cols: number; rows: number }>();
  /** Network 'provider': each running confined agent's way to its provider. */
  private readonly gateways = new Map<string, ProviderGateway>();
  /** Every agent's way to its provider; holds the keys, so agents never do. */
  private readonly gatewayHub = new ProviderGatewayHub();
  private readonly reports = new Map<string, ReportWatcher>();
  private readonly cliUsage = new Map<string, CliUsageWatcher | OpencodeUsageWatcher>();
  /** The open run of each running agent, to close it on exit and to attribute usage. */
  private readonly runIds = new Map<string, number>();
  /** How Flotilla's git calls see each agent's worktree (git/worktree-view.ts). */
  private readonly agentViews: AgentViews;
  /**
   * Merges to compare an agent's work with, loaded from its events; emptied once new work
   * appears, so only an agent still showing "merged" pays for the comparison.
   */
  private readonly mergeRecords = new Map<string, MergedEvent[]>();
  /** Agents whose work is exactly what they merged. */
  private readonly mergedIds = new Set<string>();
  private readonly db: FlotillaDb;
  private readonly pty: PtyService;
  private readonly repos: RepoService;
  private readonly locks: RepoLocks;
  private readonly events: EventBus;
  private readonly catalog: CatalogService;
  private readonly providers: ProviderService;
  private readonly dataDir: string;
  private readonly activity: ActivityTracker;

  constructor(private readonly deps: AgentServiceDeps) {
    ({ db: this.db, pty: this.pty, repos: this.repos, locks: this.locks, events: this.events } = deps);
    ({ catalog: this.catalog, providers: this.providers, dataDir: this.dataDir } = deps);
    this.agentViews = new AgentViews(this.dataDir, (repoId) => this.repos.get(repoId).path);
    this.activity = new ActivityTracker((agentId, activity) => this.setActivity(agentId, activity));
    this.store.add(toDisposable(() => this.activity.dispose()));
    this.store.add(this.pty.onDidExit((e) => this.handleExit(e.id, e.exitCode)));
    this.changes = this.store.add(new ChangeWatcher((id) => this.refreshDiffStat(id)));
    // Agents change files while they print: measure again soon after output.
    this.store.add(
      this.pty.onDidOutput((id) => {
        this.activity.noteOutput(id);
        this.changes.schedule(id);
      }),
    );
  }

  /** Marks agents that were running when Flotilla stopped as interrupted, and missing worktrees. */
  async reconcile(): Promise<void> {
    this.db.runs.interruptOpen();
    for (const row of this.db.agents.all()) {
      if (row.status === 'running' || row.status === 'starting') {
        this.db.agents.update(row.id, { status: 'interrupted', activity: null, updatedAt: Date.now() });
      }
    }
    const byRepo = new Map<string, AgentRow[]>();
    for (const row of this.db.agents.all()) {
      const list = byRepo.get(row.repoId) ?? [];
      list.push(row);
      byRepo.set(row.repoId, list);
    }
    for (const [repoId, rows] of byRepo) {
      const repo = this.db.repos.get(repoId);
      if (!repo) continue;
      await this.reconcileRepo(repo.path, rows);
      for (const row of rows) await this.viewOf(row).catch(() => undefined);
    }
    await this.reportLeftovers(byRepo);
  }

  /**
   * After a hard stop: records processes still running in agents' worktrees (as an event of each
   * agent) and says which repositories hold worktrees or branches no agent owns. The UI asks
   * `leftovers` for the details; nothing is stopped or removed here.
   */
  private async reportLeftovers(byRepo: Map<string, AgentRow[]>): Promise<void> {
    const rows = [...byRepo.values()].flat();
    const survivors = await findSurvivors(rows.map((r) => r.worktreePath));
    for (const row of rows) {
      const found = survivors.get(row.worktreePath) ?? [];
      if (found.length > 0) this.db.events.add(row.id, 'survivors-found', { processes: found });
    }
    for (const repo of this.db.repos.recent(1000)) {
      const orphans = await this.orphansOf(repo.path, byRepo.get(repo.id) ?? []).catch(() => []);
      if (orphans.length > 0) {
        console.warn(`[flotilla] ${repo.path}: ${orphans.length} worktree(s) or branch(es) no agent owns: ${orphans.map((o) => o.slug).join(', ')}`);
      }
    }
  }

  private orphansOf(topLevel: string, rows: AgentRow[]): Promise<OrphanWorktree[]> {
    return findOrphans({ topLevel, dataDir: this.dataDir, owned: rows });
  }

  /**
   * What a hard stop left in a repository: worktrees and `flotilla/*` branches no agent owns
   * (creation cut short), and processes still running in agents' worktrees that this Flotilla
   * did not start.
   */
  async leftovers(repoId: string): Promise<{ orphans: OrphanWorktree[]; survivors: { agentId: string; name: string; processes: Survivor[] }[] }> {
    const repo = this.repos.get(repoId);
    const rows = this.db.agents.listByRepo(repoId);
    let orphans: OrphanWorktree[];
    try {
      // Under the repository lock: a creation between its worktree and its record is not a leftover.
      orphans = await this.locks.run(repo.path, () => this.orphansOf(repo.path, this.db.agents.listByRepo(repoId)));
    } catch (err) {
      throw toAppError(err, 'Could not list the worktrees of this repository');
    }
    const found = await findSurvivors(rows.map((r) => r.worktreePath));
    const survivors = rows
      .map((row) => ({ agentId: row.id, name: row.name, processes: found.get(row.worktreePath) ?? [] }))
      .filter((s) => s.processes.length > 0);
    return { orphans, survivors };
  }

  /**
   * Removes a worktree and branch no agent owns. With work in it (files, commits not in the
   * repository's current branch) it needs `confirm`, and saves a snapshot ref first.
   */
  async removeOrphan(repoId: string, slug: string, confirm: boolean): Promise<{ snapshotRef: string | null }> {
    const repo = this.repos.get(repoId);
    return this.locks.run(repo.path, async () => {
      const orphans = await this.orphansOf(repo.path, this.db.agents.listByRepo(repoId)).catch((err) => {
        throw toAppError(err, 'Could not list the worktrees of this repository');
      });
      const orphan = orphans.find((o) => o.slug === slug);
      if (!orphan) throw new AppError('not-found', `Flotilla found no leftover worktree or branch named ${slug}; it may have been removed already.`);
      const base = await resolveBase(repo.path);
      return removeOrphanWorktree({ topLevel: repo.path, dataDir: this.dataDir, orphan, baseRef: base.baseRef, confirm });
    });
  }

  /** The view of an agent's worktree (agent-views.ts); a new one also starts watching for changes. */
  private async viewOf(row: AgentRow): Promise<WorktreeView> {
    const { view, opened } = await this.agentViews.open(row);
    if (!this.db.agents.get(row.id)) throw new AppError('not-found', 'That agent no longer exists.');
    if (opened) this.watchChanges(row.id, view);
    return view;
  }

  /** Watches the agent's top folder, its index and HEAD (the admin folder), and its private branch ref. */
  private watchChanges(agentId: string, view: WorktreeView): void {
    const watched = [view.worktreePath, view.adminDir];
    if (view.privateGitDir) watched.push(join(view.privateGitDir, 'refs'));
    this.changes.watch(agentId, watched);
  }

  /** Compares records with `git worktree list --porcelain`; reports rather than guesses. */
  async reconcileRepo(topLevel: string, rows: AgentRow[]): Promise<void> {
    let listed: Set<string> | null = null;
    try {
      listed = new Set((await listWorktrees(topLevel)).map((w) => w.path));
    } catch {
      listed = null; // The repository itself is gone or unreadable: mark every worktree by disk state.
    }
    for (const row of rows) {
      const missing = !existsSync(row.worktreePath) || (listed !== null && !listed.has(row.worktreePath));
      if (missing !== row.missing) {
        this.db.agents.update(row.id, { missing, updatedAt: Date.now() });
        this.db.events.add(row.id, missing ? 'worktree-missing' : 'worktree-found');
        this.emitChanged(row.id);
      }
    }
  }

  list(repoId: string): AgentInfo[] {
    const rows = this.db.agents.listByRepo(repoId);
    for (const row of rows) if (!this.diffStats.has(row.id)) this.changes.schedule(row.id, 0);
    return rows.map((row) => this.toInfo(row));
  }

  get(agentId: string): AgentRow {
    const row = this.db.agents.get(agentId);
    if (!row) throw new AppError('not-found', 'That agent no longer exists.');
    return row;
  }

  info(agentId: string): AgentInfo {
    return this.toInfo(this.get(agentId));
  }

  suggestName(repoId: string): string {
    this.repos.get(repoId);
    const taken = new Set(this.db.agents.listByRepo(repoId).map((a) => a.slug));
    return suggestAgentName(taken);
  }

  /** Creates the branch and worktree (serialized per repository), then starts the process. */
  async create(params: CreateAgentParams): Promise<AgentInfo> {
    const repo = this.repos.get(params.repoId);
    if (params.kind === 'command' && !params.command?.trim()) {
      throw new AppError('invalid-params', 'A Command agent needs a command line, for example `claude` or `aider --model x`.');
    }
    const launch = await launchConfigFor(params, { catalog: this.catalog, providers: this.providers, netBridgeEntry: this.deps.netBridgeEntry ?? null });
    const taken = new Set(this.db.agents.listByRepo(repo.id).map((a) => a.slug));
    const name = params.name?.trim() || suggestAgentName(taken);
    const row = await this.locks.run(repo.path, async () => {
      // Checked under the repository lock so that two creations at once cannot both take a name.
      const suggestion = nameClash(name, this.db.agents.listByRepo(repo.id).map((a) => a.name));
      if (suggestion) {
        throw new AppError('invalid-params', `An agent named “${name}” already exists in this repository. Choose another name, such as “${suggestion}”.`, {
          suggestion,
        });
      }
      const base = await resolveBase(repo.path, params.base?.trim() || undefined);
      const { slug, branch } = await chooseBranch(repo.path, slugify(name));
      const worktreePath = join(worktreeRoot(this.dataDir, repo.path), slug);
      if (existsSync(worktreePath)) {
        throw new AppError('branch-exists', `A folder for ${slug} already exists at ${worktreePath}. Remove it or choose another name.`);
      }
      try {
        await createWorktree({ topLevel: repo.path, worktreePath, branch, baseSha: base.baseSha });
      } catch (err) {
        throw toAppError(err, 'Could not create the worktree');
      }
      // Before the agent first runs (and before its view exists): the submodules the user's
      // checkout has, cloned from the user's copies. A submodule that cannot be set up stays
      // empty, as `git worktree add` left it; that never stops the agent from being made.
      const submodules = await initSubmodules({ userCheckout: repo.path, worktreePath, commit: base.baseSha }).catch((err: unknown) => [
        { path: '', name: '', state: 'skipped' as const, reason: err instanceof Error ? err.message : String(err) },
      ]);
      const now = Date.now();
      const newRow: AgentRow = {
        id: randomUUID(),
        repoId: repo.id,
        name,
        slug,
        branch,
        baseRef: base.baseRef,
        baseIsBranch: base.baseIsBranch,
        baseSha: base.baseSha,
        kind: params.kind,
        command: params.kind === 'command' ? params.command!.trim() : null,
        task: params.task?.trim() ? params.task : null,
        worktreePath,
        status: 'starting',
        exitCode: null,
        missing: false,
        createdAt: now,
        updatedAt: now,
        launch,
        activity: null,
      };
      this.db.agents.insert(newRow);
      this.db.events.add(newRow.id, 'created', { branch, baseRef: base.baseRef, baseSha: base.baseSha });
      if (submodules.length > 0) this.db.events.add(newRow.id, 'submodules', { submodules });
      return newRow;
    });
    this.diffStats.set(row.id, { files: 0, additions: 0, deletions: 0 });
    await this.viewOf(row);
    this.emitChanged(row.id);
    await this.start(row, { cols: params.cols ?? DEFAULT_COLS, rows: params.rows ?? DEFAULT_ROWS }, false);
    return this.info(row.id);
  }

  /**
   * Gives a leftover worktree a record again: a Shell agent (unconfined, as the user would get by
   * default) named after its folder, based on the repository's current branch, started in it.
   */
  async adoptOrphan(repoId: string, slug: string, size?: { cols: number; rows: number }): Promise<AgentInfo> {
    const repo = this.repos.get(repoId);
    const row = await this.locks.run(repo.path, async () => {
      const orphans = await this.orphansOf(repo.path, this.db.agents.listByRepo(repoId)).catch((err) => {
        throw toAppError(err, 'Could not list the worktrees of this repository');
      });
      const orphan = orphans.find((o) => o.slug === slug);
      if (!orphan) throw new AppError('not-found', `Flotilla found no leftover worktree named ${slug}; it may have been removed already.`);
      if (!orphan.registered || !orphan.worktreePath || !existsSync(orphan.worktreePath) || !orphan.branch) {
        throw new AppError('invalid-params', `Only a leftover worktree on its own ${BRANCH_PREFIX}${slug} branch can be adopted; remove this one instead.`);
      }
      const base = await resolveBase(repo.path);
      const forkPoint = await gitText(['merge-base', '--end-of-options', base.baseSha, `refs/heads/${orphan.branch}`], { cwd: repo.path, okExitCodes: [1] });
      const names = this.db.agents.listByRepo(repoId).map((a) => a.name);
      const name = nameClash(slug, names) ?? slug;
      const now = Date.now();
      const newRow: AgentRow = {
        id: randomUUID(),
        repoId: repo.id,
        name,
        slug,
        branch: orphan.branch,
        baseRef: base.baseRef,
        baseIsBranch: base.baseIsBranch,
        baseSha: forkPoint || base.baseSha,
        kind: 'shell',
        command: null,
        task: null,
        worktreePath: orphan.worktreePath,
        status: 'starting',
        exitCode: null,
        missing: false,
        createdAt: now,
        updatedAt: now,
        launch: null,
        activity: null,
      };
      this.db.agents.insert(newRow);
      this.db.events.add(newRow.id, 'adopted', { branch: orphan.branch, baseRef: base.baseRef });
      return newRow;
    });
    await this.viewOf(row);
    this.emitChanged(row.id);
    await this.start(row, size ?? { cols: DEFAULT_COLS, rows: DEFAULT_ROWS }, false);
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
    await this.clearSurvivors(row, Boolean(opts.stopSurvivors));
    await this.start(this.get(agentId), this.sizes.get(agentId) ?? { cols: DEFAULT_COLS, rows: DEFAULT_ROWS }, resume);
    return this.info(agentId);
  }

  /** Refuses while survivors run in the agent's worktree, or stops them when the user said so. */
  private async clearSurvivors(row: AgentRow, stop: boolean): Promise<void> {
    const survivors = (await findSurvivors([row.worktreePath])).get(row.worktreePath) ?? [];
    if (survivors.length === 0) return;
    const pids = survivors.map((s) => s.pid);
    if (!stop) throw new AppError('agent-running', describeSurvivors(row.name, survivors), { pids });
    const left = await stopSurvivors(row.worktreePath, pids);
    this.db.events.add(row.id, 'survivors-stopped', { pids, left });
    if (left.length > 0) {
      throw new AppError('agent-running', `Flotilla could not stop ${left.join(', ')} in the worktree of ${row.name}. Stop them yourself, then restart.`, { pids: left });
    }
  }

  /** Stops the agent's process; the worktree stays. */
  async stop(agentId: string): Promise<AgentInfo> {
    this.get(agentId);
    if (!this.pty.isRunning(agentId)) throw new AppError('agent-not-running', 'This agent is not running.');
    await this.stopProcess(agentId);
    return this.info(agentId);
  }

  async removalCheck(agentId: string): Promise<RemovalCheck> {
    const row = this.get(agentId);
    if (!existsSync(row.worktreePath)) {
      return { uncommitted: 0, untracked: 0, commitsAhead: 0, hasWork: false };
    }
    try {
      const check = await inspectWork(row.worktreePath, row.baseRef);
      // Squash-merged work is in the base as a new commit: the agent's own commits are not.
      if (check.hasWork && (await this.alreadyMerged(row))) return { ...check, hasWork: false };
      return check;
    } catch (err) {
      throw toAppError(err, 'Could not inspect the worktree');
    }
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
      if (check.hasWork) {
        throw new AppError('needs-confirmation', describeWork(row.name, row.baseRef, check), { ...check });
      }
    }
    if (this.pty.isRunning(agentId)) await this.stopProcess(agentId);
    const result = await this.locks.run(repo.path, () =>
      removeWorktree({
        topLevel: repo.path,
        worktreePath: row.worktreePath,
        branch: row.branch,
        slug: row.slug,
        baseRef: row.baseRef,
        confirm,
        isAlreadyMerged: () => this.alreadyMerged(row),
      }),
    );
    this.mergeRecords.delete(agentId);
    this.mergedIds.delete(agentId);
    this.changes.unwatch(agentId);
    this.stopWatchingReport(agentId);
    this.activity.forget(agentId);
    rmSync(agentStateDir(this.dataDir, agentId), { recursive: true, force: true });
    this.agentViews.forget(row);
    this.diffStats.delete(agentId);
    this.sizes.delete(agentId);
    this.db.agents.delete(agentId);
    this.events.emit('agents.removed', { agentId, repoId: row.repoId });
    return result;
  }

  /** Remembers the terminal size so a restart starts at the pane's size. */
  resize(agentId: string, cols: number, rows: number): void {
    const previous = this.sizes.get(agentId);
    this.sizes.set(agentId, { cols, rows });
    // Only a real change makes the program redraw; told first so the redraw is never counted as work.
    if (!previous || previous.cols !== cols || previous.rows !== rows) this.activity.noteResize(agentId);
    this.pty.resize(agentId, cols, rows);
  }

  /** Recomputes the diff stat now and emits a change when it differs. */
  async refreshDiffStat(agentId: string): Promise<void> {
    const row = this.db.agents.get(agentId);
    if (!row || row.missing) return;
    try {
      if (!existsSync(row.worktreePath)) return;
      const stat = await computeDiffStatFromBase(row.worktreePath, { ref: row.baseRef, fallbackSha: row.baseSha });
      const mergedChanged = await this.refreshMerged(row);
      const previous = this.diffStats.get(agentId);
      if (!this.db.agents.get(agentId)) return;
      this.diffStats.set(agentId, stat);
      if (mergedChanged || !previous || previous.files !== stat.files || previous.additions !== stat.additions || previous.deletions !== stat.deletions) {
        this.emitChanged(agentId);
      }
    } catch {
      // A worktree in the middle of a git operation can fail to read; the next change retries.
    }
  }

  /** Measures the agent's diff stat again soon (after a merge, or when a client asks). */
  noteChanged(agentId: string): void {
    this.changes.schedule(agentId, 0);
  }

  /** The agent's work was just merged: compare it with what the merge recorded from now on. */
  noteMerged(agentId: string): void {
    this.mergeRecords.delete(agentId);
    this.changes.schedule(agentId, 0);
  }

  /** True when the agent's work is exactly a tree it merged and that merge is still in the base. */
  private alreadyMerged(row: AgentRow): Promise<boolean> {
    const merges = recordedMerges(this.db.events.list(row.id));
    return isAlreadyMerged({ worktreePath: row.worktreePath, branch: row.branch, merges });
  }

  /** Updates whether the pane shows "merged"; true when that changed. */
  private async refreshMerged(row: AgentRow): Promise<boolean> {
    let merges = this.mergeRecords.get(row.id);
    if (!merges) {
      merges = recordedMerges(this.db.events.list(row.id));
      this.mergeRecords.set(row.id, merges);
    }
    const merged = merges.length > 0 && (await isAlreadyMerged({ worktreePath: row.worktreePath, branch: row.branch, merges }));
    if (!merged) this.mergeRecords.set(row.id, []);
    if (merged === this.mergedIds.has(row.id)) return false;
    if (merged) this.mergedIds.add(row.id);
    else this.mergedIds.delete(row.id);
    return true;
  }

  /** Typing into an agent's terminal: it is no longer waiting for the user. */
  noteInput(agentId: string): void {
    this.activity.noteInput(agentId);
  }

  async dispose(): Promise<void> {
    for (const id of [...this.reports.keys()]) this.stopWatchingReport(id);
    await Promise.all([...this.gateways.keys()].map((id) => this.closeGateway(id)));
    await this.gatewayHub.dispose();
    await this.store.dispose();
  }

  private async start(row: AgentRow, size: { cols: number; rows: number }, resume: boolean): Promise<void> {
    this.sizes.set(row.id, size);
    const stateDir = agentStateDir(this.dataDir, row.id);
    const reportFile = join(stateDir, 'report.jsonl');
    try {
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      // Each run reports afresh: lines of an earlier run must not be counted again.
      writeFileSync(reportFile, '', { mode: 0o600 });
      // Derived from the repository, never from the worktree, whose .git file the agent can rewrite.
      const view = await this.viewOf(row);
      const confined = Boolean(row.launch?.confined);
      await repairWorktreeLinks(view);
      if (confined) {
        await preparePrivateGit(view);
        this.watchChanges(row.id, view);
      }
      const plan = planLaunch(row, {
        catalog: this.catalog,
        providers: this.providers,
        stateDir,
        reportFile,
        sandbox: {
          git: { commonDir: view.commonDir, adminDir: view.adminDir, privateGitDir: view.privateGitDir ?? join(stateDir, 'git') },
          dataDir: this.dataDir,
          socketFilterFile: confined ? ensureSocketFilterFile(this.dataDir) : null,
          homeFiles: confined ? [{ source: await sandboxGitconfig(stateDir, this.deps.homeDir), name: '.gitconfig' }] : [],
        },
        homeDir: this.deps.homeDir,
        ownAgentEntry: this.deps.ownAgentEntry,
        netBridgeEntry: this.deps.netBridgeEntry ?? null,
        resume,
        gatewayPort: await this.gatewayHub.port(),
        passEnv: this.db.settings.agentEnvPassthrough(),
      });
      await this.closeGateway(row.id);
      if (plan.gateway) this.gateways.set(row.id, await this.gatewayHub.add(plan.gateway));
      this.pty.spawn(row.id, { file: plan.file, args: plan.args, cwd: row.worktreePath, env: plan.env, cols: size.cols, rows: size.rows });
    } catch (err) {
      await this.closeGateway(row.id);
      this.db.agents.update(row.id, { status: 'exited', exitCode: -1, activity: 'failed', updatedAt: Date.now() });
      this.db.events.add(row.id, 'spawn-failed', { message: err instanceof Error ? err.message : String(err) });
      this.emitChanged(row.id);
      throw err instanceof AppError ? err : new AppError('internal', `Could not start ${row.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const runId = this.db.runs.start(row.id);
    this.runIds.set(row.id, runId);
    this.watchReport(row, reportFile);
    this.watchCliUsage(row, stateDir);
    // A quiet shell or command asked nothing: idle, not waiting for the user. Agents that report
    // their own status (Flotilla's agent, CLIs with hooks) are not judged by silence.
    const quiet = row.kind === 'shell' || row.kind === 'command' ? 'idle' : 'waiting';
    const reportsStatus = row.kind === 'flotilla' || (row.kind === 'cli' && Boolean(row.launch?.presetId && this.catalog.get(row.launch.presetId)?.hasStatusHooks));
    this.activity.start(row.id, reportsStatus, quiet);
    this.db.agents.update(row.id, { status: 'running', exitCode: null, updatedAt: Date.now() });
    this.db.events.add(row.id, 'started', { runId, resume });
    this.emitChanged(row.id);
  }

  /** Status and usage reported by the agent itself (hooks, Flotilla's agent) through its report file. */
  private watchReport(row: AgentRow, reportFile: string): void {
    this.stopWatchingReport(row.id);
    const watcher = new ReportWatcher(reportFile, (line: ReportLine) => {
      if (line.type === 'status') {
        this.activity.noteReport(row.id, line.activity);
      } else if (line.type === 'usage') {
        // Accounted to the configured provider (its id), not just the vendor kind the agent names.
        this.recordUsage(row, row.launch?.providerId ?? line.provider, line);
      }
    });
    watcher.start();
    this.reports.set(row.id, watcher);
  }

  /** Tokens a coding CLI records in its own session logs (in its per-agent config home). */
  private watchCliUsage(row: AgentRow, stateDir: string): void {
    const presetId = row.kind === 'cli' ? row.launch?.presetId : null;
    if (!presetId || !row.launch?.providerId) return;
    const onUsage = (u: { model: string; inputTokens: number; outputTokens: number }) =>
      this.recordUsage(row, row.launch?.providerId ?? this.catalog.get(presetId)?.providerKind ?? 'unknown', u);
    const stateFile = join(stateDir, 'cli-usage.json');
    let watcher: CliUsageWatcher | OpencodeUsageWatcher;
    if (presetId === 'opencode') {
      watcher = new OpencodeUsageWatcher({ dbFile: opencodeDatabase(join(stateDir, 'opencode', 'data')), stateFile, onUsage });
    } else {
      const dirs = usageDirsFor(presetId, stateDir);
      if (dirs.length === 0) return;
      watcher = new CliUsageWatcher({ presetId, dirs, stateFile, onUsage });
    }
    watcher.start();
    this.cliUsage.set(row.id, watcher);
  }

  private recordUsage(row: AgentRow, provider: string, u: { model: string; inputTokens: number; outputTokens: number }): void {
    this.providers.recordUsage({
      agentId: row.id,
      repoId: row.repoId,
      runId: this.runIds.get(row.id) ?? null,
      provider,
      model: u.model,
      inputTokens: u.inputTokens,
      outputTokens: u.outputTokens,
    });
    this.emitChanged(row.id);
  }

  private async closeGateway(agentId: string): Promise<void> {
    const gateway = this.gateways.get(agentId);
    this.gateways.delete(agentId);
    await gateway?.close();
  }

  private stopWatchingReport(agentId: string): void {
    this.reports.get(agentId)?.dispose();
    this.reports.delete(agentId);
    this.cliUsage.get(agentId)?.dispose();
    this.cliUsage.delete(agentId);
  }

  private setActivity(agentId: string, activity: Activity): void {
    const row = this.db.agents.get(agentId);
    if (!row || row.activity === activity) return;
    this.db.agents.update(agentId, { activity });
    this.emitChanged(agentId);
  }

  private async stopProcess(agentId: string): Promise<void> {
    this.stopping.add(agentId);
    try {
      await this.pty.kill(agentId);
    } finally {
      this.stopping.delete(agentId);
    }
  }

  private handleExit(agentId: string, exitCode: number | null): void {
    void this.closeGateway(agentId);
    const row = this.db.agents.get(agentId);
    if (!row) return;
    const status = this.stopping.has(agentId) ? 'stopped' : 'exited';
    const runId = this.runIds.get(agentId);
    if (runId !== undefined) {
      this.db.runs.finish(runId, status, exitCode);
      this.runIds.delete(agentId);
    }
    this.db.agents.update(agentId, { status, exitCode, updatedAt: Date.now() });
    this.db.events.add(agentId, status, { exitCode });
    // Stopped by the user counts as a clean exit, not a failure.
    this.activity.noteExit(agentId, status === 'stopped' ? 0 : exitCode);
    this.emitChanged(agentId);
    this.changes.schedule(agentId, 0);
  }

  private emitChanged(agentId: string): void {
    const row = this.db.agents.get(agentId);
    if (!row) return;
    this.events.emit('agents.changed', this.toInfo(row));
  }

  private toInfo(row: AgentRow): AgentInfo {
    const { updatedAt: _updatedAt, ...info } = row;
    return {
      ...info,
      diffStat: this.diffStats.get(row.id) ?? null,
      merged: this.mergedIds.has(row.id),
      usage: this.providers.usageForAgent(row.id),
    };
  }

}

/** "Brisk Otter has 2 uncommitted files, 1 untracked file and 3 commits not in main." */
export function describeWork(name: string, baseRef: string, check: RemovalCheck): string {
  const parts: string[] = [];
  if (check.uncommitted) parts.push(`${check.uncommitted} uncommitted ${check.uncommitted === 1 ? 'file' : 'files'}`);
  if (check.untracked) parts.push(`${check.untracked} untracked ${check.untracked === 1 ? 'file' : 'files'}`);
  if (check.commitsAhead) parts.push(`${check.commitsAhead} ${check.commitsAhead === 1 ? 'commit' : 'commits'} not in ${baseRef}`);
  const list = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts[0];
  return `${name} has ${list}. Confirm to save them to a snapshot ref (refs/flotilla/archive/...) and remove the agent.`;
}
