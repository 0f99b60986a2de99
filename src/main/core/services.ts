/**
 * Builds the core's services in dependency order and disposes them in reverse:
 * processes first, then watchers, the database last.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type FlotillaDb } from './db';
import { EventBus } from './events/event-bus';
import { RepoLocks, sweepStaleIndexCopies } from './git';
import { PtyService } from './pty';
import { RepoService } from './repos';
import { AgentLeftovers, AgentService } from './agents';
import { FileSecretStore, ProviderService } from './providers';
import { CatalogService } from './catalog';
import { ChangesService } from './changes';
import { MergeService } from './merge';
import { WorktreeService } from './worktrees';
import { SHUTDOWN_DEADLINE_MS, withinDeadline } from './lifecycle';
import type { CoreOptions } from './index';

export interface Services {
  db: FlotillaDb;
  events: EventBus;
  locks: RepoLocks;
  pty: PtyService;
  repos: RepoService;
  agents: AgentService;
  leftovers: AgentLeftovers;
  worktrees: WorktreeService;
  changes: ChangesService;
  merges: MergeService;
  providers: ProviderService;
  catalog: CatalogService;
  dataDir: string;
  homeDir: string;
  dispose(): Promise<void>;
}

export async function createServices(options: CoreOptions): Promise<Services> {
  mkdirSync(options.dataDir, { recursive: true });
  // git records worktree paths with symlinks resolved (/var → /private/var on macOS); so do we.
  const dataDir = realpathSync(options.dataDir);
  const db = openDatabase(join(dataDir, 'flotilla.db'), { nativeBinding: options.sqliteNativeBinding });
  const events = new EventBus();
  const locks = new RepoLocks();
  const pty = new PtyService({ transcripts: db.transcripts });
  const homeDir = homedir();
  const providers = new ProviderService(db, options.secretStore ?? new FileSecretStore(dataDir));
  let agents: AgentService | undefined;
  const repos = new RepoService(
    db,
    homeDir,
    async (row) => {
      await agents?.reconcileRepo(row.path, db.agents.listByRepo(row.id));
    },
    dataDir,
  );
  const catalog = new CatalogService(db);
  const worktrees = new WorktreeService(dataDir, locks);
  const leftovers = new AgentLeftovers(db, repos, locks, dataDir);
  agents = new AgentService({
    db,
    pty,
    repos,
    locks,
    events,
    catalog,
    providers,
    worktrees,
    leftovers,
    dataDir,
    homeDir,
    ownAgentEntry: options.ownAgentEntry ?? null,
    netBridgeEntry: options.netBridgeEntry ?? null,
  });
  const changes = new ChangesService(agents);
  const merges = new MergeService({ agents, repos, locks, db, events });
  await agents.reconcile();
  void sweepStaleIndexCopies();

  let disposed: Promise<void> | null = null;
  return {
    db,
    events,
    locks,
    pty,
    repos,
    agents,
    leftovers,
    worktrees,
    changes,
    merges,
    providers,
    catalog,
    dataDir,
    homeDir,
    dispose() {
      disposed ??= (async () => {
        catalog.dispose();
        // Agents first (their long work aborted, watchers and gateways closed), then their
        // processes; whatever is still stuck at the deadline does not keep the database open.
        const work = (async () => {
          await agents!.dispose();
          await pty.dispose();
        })();
        const inTime = await withinDeadline(work, SHUTDOWN_DEADLINE_MS);
        if (!inTime) console.error(`[flotilla] shutdown: agents did not stop within ${SHUTDOWN_DEADLINE_MS / 1000} s; closing the database anyway.`);
        db.close();
      })();
      return disposed;
    },
  };
}
