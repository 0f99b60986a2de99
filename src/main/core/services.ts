/**
 * Builds the core's services in dependency order and disposes them in reverse:
 * processes first, then watchers, the database last.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type FlotillaDb } from './db';
import { EventBus } from './events/event-bus';
import { RepoLocks } from './git/lock';
import { sweepStaleIndexCopies } from './git/work-state';
import { PtyService } from './pty';
import { RepoService } from './repos/repo-service';
import { AgentService } from './agents/agent-service';
import { FileSecretStore, ProviderService } from './providers';
import { CatalogService } from './catalog';
import type { CoreOptions } from './index';

/** How long quitting waits for agents to stop before the database is closed anyway. */
export const DISPOSE_DEADLINE_MS = 5_000;

export interface Services {
  db: FlotillaDb;
  events: EventBus;
  locks: RepoLocks;
  pty: PtyService;
  repos: RepoService;
  agents: AgentService;
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
  agents = new AgentService({
    db,
    pty,
    repos,
    locks,
    events,
    catalog,
    providers,
    dataDir,
    homeDir,
    ownAgentEntry: options.ownAgentEntry ?? null,
    netBridgeEntry: options.netBridgeEntry ?? null,
  });
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
    providers,
    catalog,
    dataDir,
    homeDir,
    dispose() {
      disposed ??= (async () => {
        catalog.dispose();
        const work = (async () => {
          await agents!.dispose();
          await pty.dispose();
        })();
        await Promise.race([work, new Promise((resolve) => setTimeout(resolve, DISPOSE_DEADLINE_MS).unref())]);
        db.close();
      })();
      return disposed;
    },
  };
}
