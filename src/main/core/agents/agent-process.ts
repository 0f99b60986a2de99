/**
 * One start of an agent's process: its record (a run), the way to its provider (a gateway), and
 * the watchers of what it reports itself (status and usage). Owned by the agent's runtime. When
 * the process exits, what it wrote last is read once more and credited to this process, then
 * everything it owns stops: an exited agent polls nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentRow } from '../db';
import { AppError } from '../errors';
import { preparePrivateGit, repairWorktreeLinks, type WorktreeView } from '../git';
import { type Disposable, DisposableStore, toDisposable } from '../lifecycle';
import { ensureSocketFilterFile, type ProviderGateway, type ProviderGatewayHub } from '../sandbox';
import { ActivityTracker, CliUsageWatcher, OpencodeUsageWatcher, opencodeDatabase, ReportWatcher, usageDirsFor, type ReportLine } from '../status';
import type { AgentServiceDeps } from './agent-types';
import { agentStateDir, planLaunch } from './launch';
import { sandboxGitconfig } from './sandbox-home';

type UsageWatcher = CliUsageWatcher | OpencodeUsageWatcher;
type Usage = { model: string; inputTokens: number; outputTokens: number };

/** What a process needs from the service that starts it. */
export interface ProcessHost {
  deps: AgentServiceDeps;
  gatewayHub: ProviderGatewayHub;
  activity: ActivityTracker;
  emitChanged(agentId: string): void;
  /** Watches the agent's folders again (a confined agent's private git folder now exists). */
  rewatch(agentId: string, view: WorktreeView): void;
}

export class AgentProcess implements Disposable {
  private readonly store = new DisposableStore();
  private reportWatcher: ReportWatcher | null = null;
  private usageWatcher: UsageWatcher | null = null;
  /** Set while Flotilla itself stops the process: its end is "stopped", not "exited". */
  stopping = false;
  private ending: Promise<void> | null = null;

  private constructor(
    readonly row: AgentRow,
    /** The run this process is recorded as; usage read after its exit is still credited to it. */
    readonly runId: number,
    private readonly host: ProcessHost,
    gateway: ProviderGateway | null,
  ) {
    if (gateway) this.store.add(toDisposable(() => gateway.close()));
  }

  /**
   * Starts the agent's process in its worktree: its report file afresh, its git links repaired
   * (and a confined agent's private git prepared), its gateway, then the PTY. On failure the
   * agent is marked failed and nothing it started is left running.
   */
  static async start(host: ProcessHost, row: AgentRow, view: WorktreeView, size: { cols: number; rows: number }, resume: boolean): Promise<AgentProcess> {
    const { deps } = host;
    const stateDir = agentStateDir(deps.dataDir, row.id);
    const reportFile = join(stateDir, 'report.jsonl');
    let gateway: ProviderGateway | null = null;
    try {
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      // Each run reports afresh: lines of an earlier run must not be counted again.
      writeFileSync(reportFile, '', { mode: 0o600 });
      const confined = Boolean(row.launch?.confined);
      await repairWorktreeLinks(view);
      if (confined) {
        await preparePrivateGit(view);
        host.rewatch(row.id, view);
      }
      const plan = planLaunch(row, {
        catalog: deps.catalog,
        providers: deps.providers,
        stateDir,
        reportFile,
        sandbox: {
          git: { commonDir: view.commonDir, adminDir: view.adminDir, privateGitDir: view.privateGitDir ?? join(stateDir, 'git') },
          dataDir: deps.dataDir,
          socketFilterFile: confined ? ensureSocketFilterFile(deps.dataDir) : null,
          homeFiles: confined ? [{ source: await sandboxGitconfig(stateDir, deps.homeDir), name: '.gitconfig' }] : [],
        },
        homeDir: deps.homeDir,
        ownAgentEntry: deps.ownAgentEntry,
        netBridgeEntry: deps.netBridgeEntry ?? null,
        resume,
        gatewayPort: await host.gatewayHub.port(),
        passEnv: deps.db.settings.agentEnvPassthrough(),
      });
      if (plan.gateway) gateway = await host.gatewayHub.add(plan.gateway);
      deps.pty.spawn(row.id, { file: plan.file, args: plan.args, cwd: row.worktreePath, env: plan.env, cols: size.cols, rows: size.rows });
    } catch (err) {
      await gateway?.close();
      deps.db.agents.update(row.id, { status: 'exited', exitCode: -1, activity: 'failed', updatedAt: Date.now() });
      deps.db.journal.append({ kind: 'agent', id: row.id }, 'spawn-failed', { message: err instanceof Error ? err.message : String(err) });
      host.emitChanged(row.id);
      throw err instanceof AppError ? err : new AppError('internal', `Could not start ${row.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const runId = deps.db.processes.start(row.id);
    const process = new AgentProcess(row, runId, host, gateway);
    process.watchReport(reportFile);
    process.watchCliUsage(stateDir);
    // A quiet shell or command asked nothing: idle, not waiting for the user. Agents that report
    // their own status (Flotilla's agent, CLIs with hooks) are not judged by silence; Flotilla's
    // agent even reports its first status itself, so it is working until it does.
    const quiet = row.kind === 'shell' || row.kind === 'command' ? 'idle' : 'waiting';
    const reportsStatus = row.kind === 'flotilla' || (row.kind === 'cli' && Boolean(row.launch?.presetId && deps.catalog.get(row.launch.presetId)?.hasStatusHooks));
    host.activity.start(row.id, reportsStatus, quiet, row.kind === 'flotilla');
    deps.db.agents.update(row.id, { status: 'running', exitCode: null, updatedAt: Date.now() });
    deps.db.journal.append({ kind: 'agent', id: row.id }, 'started', { processId: runId, resume });
    host.emitChanged(row.id);
    return process;
  }

  get isDisposed(): boolean {
    return this.store.isDisposed;
  }

  /** The watchers this process owns (null when it has none of that kind); for tests and diagnostics. */
  get watchers(): { report: ReportWatcher | null; usage: UsageWatcher | null } {
    return { report: this.reportWatcher, usage: this.usageWatcher };
  }

  /** Records the exit: the run ends, the agent shows "stopped" (Flotilla stopped it) or "exited". */
  exited(exitCode: number | null): void {
    const { db } = this.host.deps;
    const id = this.row.id;
    const status = this.stopping ? 'stopped' : 'exited';
    db.processes.finish(this.runId, status, exitCode);
    if (!db.agents.get(id)) return;
    db.agents.update(id, { status, exitCode, updatedAt: Date.now() });
    db.journal.append({ kind: 'agent', id }, status, { exitCode });
    // Stopped by the user counts as a clean exit, not a failure.
    this.host.activity.noteExit(id, status === 'stopped' ? 0 : exitCode);
    this.host.emitChanged(id);
  }

  /**
   * The process exited: reads what it reported last (hooks and buffered writes can land just
   * after the exit), credited to this process, then stops everything it owns.
   */
  ended(): Promise<void> {
    this.ending ??= (async () => {
      // One turn of the event loop: lines written as the exit was being handled are read too.
      await new Promise((resolve) => setImmediate(resolve));
      await this.reportWatcher?.flush().catch(() => undefined);
      await Promise.resolve(this.usageWatcher?.flush()).catch(() => undefined);
      await this.dispose();
    })();
    return this.ending;
  }

  dispose(): Promise<void> {
    return this.store.dispose();
  }

  /** Status and usage reported by the agent itself (hooks, Flotilla's agent) through its report file. */
  private watchReport(reportFile: string): void {
    const { row, host } = this;
    const watcher = new ReportWatcher(reportFile, (line: ReportLine) => {
      if (line.type === 'status') {
        host.activity.noteReport(row.id, line.activity);
      } else if (line.type === 'usage') {
        // Accounted to the configured provider (its id), not just the vendor kind the agent names.
        this.recordUsage(row.launch?.providerId ?? line.provider, line);
      }
    });
    this.reportWatcher = this.store.add(watcher);
    watcher.start();
  }

  /** Tokens a coding CLI records in its own session logs (in its per-agent config home). */
  private watchCliUsage(stateDir: string): void {
    const { row } = this;
    const presetId = row.kind === 'cli' ? row.launch?.presetId : null;
    if (!presetId || !row.launch?.providerId) return;
    const onUsage = (u: Usage) => this.recordUsage(row.launch?.providerId ?? this.host.deps.catalog.get(presetId)?.providerKind ?? 'unknown', u);
    const stateFile = join(stateDir, 'cli-usage.json');
    let watcher: UsageWatcher;
    if (presetId === 'opencode') {
      watcher = new OpencodeUsageWatcher({ dbFile: opencodeDatabase(join(stateDir, 'opencode', 'data')), stateFile, onUsage });
    } else {
      const dirs = usageDirsFor(presetId, stateDir);
      if (dirs.length === 0) return;
      watcher = new CliUsageWatcher({ presetId, dirs, stateFile, onUsage });
    }
    this.usageWatcher = this.store.add(watcher);
    watcher.start();
  }

  private recordUsage(provider: string, u: Usage): void {
    const { row, host } = this;
    host.deps.providers.recordUsage({
      agentId: row.id,
      repoId: row.repoId,
      processId: this.runId,
      provider,
      model: u.model,
      inputTokens: u.inputTokens,
      outputTokens: u.outputTokens,
    });
    host.emitChanged(row.id);
  }
}
