/**
 * The handler table: one thin function per contract method. Each validates nothing more
 * (the connection already parsed its params), calls one service method, and returns its result.
 */
import type { MethodName, ParsedParamsOf, ResultOf } from '../../shared/contract';
import { getGitVersion } from './git';
import { detectSandbox } from './sandbox';
import { AppError } from './errors';
import { openLogsFolder } from './log';
import type { ClientSink, CoreOptions } from './index';
import type { Services } from './services';

export interface CallContext {
  clientId: string;
  sink: ClientSink;
}

export type Handlers = {
  [M in MethodName]: (params: ParsedParamsOf<M>, ctx: CallContext) => Promise<ResultOf<M>>;
};

/** Binds every contract method to the services. */
export function createHandlers(s: Services, options: CoreOptions): Handlers {
  return {
    'app.info': async () => ({
      version: options.version,
      mode: options.mode,
      dataDir: s.dataDir,
      gitVersion: await getGitVersion(),
      canPickFolder: Boolean(options.pickFolder),
      homeDir: s.homeDir,
    }),

    'app.openLogs': () => openLogsFolder(s.dataDir, options.openFolder),

    'repos.open': (p) => s.repos.open(p.path),
    'repos.recent': async () => s.repos.recent(),
    'repos.complete': (p) => s.repos.complete(p.partial),
    'repos.pickFolder': async () => {
      if (!options.pickFolder) throw new AppError('unsupported', 'Folder dialogs are only available in the desktop app. Type the path instead.');
      return options.pickFolder();
    },
    'repos.branches': (p) => s.repos.branches(p.repoId),
    'repos.forget': async (p) => {
      s.repos.forget(p.repoId);
      return null;
    },

    'agents.list': async (p) => s.agents.list(p.repoId),
    'agents.suggestName': async (p) => s.agents.suggestName(p.repoId),
    'agents.create': (p) => s.agents.create(p),
    'agents.restart': (p) => s.agents.restart(p.agentId, { stopSurvivors: p.stopSurvivors }),
    'agents.stop': (p) => s.agents.stop(p.agentId),
    'agents.removalCheck': (p) => s.agents.removalCheck(p.agentId),
    'agents.leftovers': (p) => s.leftovers.find(p.repoId),
    'agents.removeOrphan': (p) => s.leftovers.remove(p.repoId, p.slug, p.confirm),
    'agents.adoptOrphan': (p) => s.agents.adoptOrphan(p.repoId, p.slug),
    'agents.remove': (p) => s.agents.remove(p.agentId, p.confirm),

    'terminal.attach': (p, ctx) => s.agents.attach(p.agentId, ctx.clientId, (data) => ctx.sink.terminalData(p.agentId, data)),
    'terminal.detach': async (p, ctx) => {
      s.pty.unsubscribe(p.agentId, ctx.clientId);
      return null;
    },
    'terminal.resize': async (p) => {
      s.agents.resize(p.agentId, p.cols, p.rows);
      return null;
    },

    'changes.list': (p) => s.changes.list(p.agentId),
    'changes.file': (p) => s.changes.file(p.agentId, p.path, { oldPath: p.oldPath ?? null, force: p.force }),

    'catalog.list': () => s.catalog.list(),
    'catalog.saveCustom': (p) => s.catalog.saveCustom(p),
    'catalog.removeCustom': (p) => s.catalog.removeCustom(p.id),
    'providers.list': async () => s.providers.list(),
    'providers.save': async (p) => s.providers.save(p),
    'providers.remove': async (p) => {
      s.providers.remove(p.id);
      return null;
    },
    'providers.setKey': async (p) => s.providers.setKey(p.id, p.key, p.allowPlaintext),
    'providers.clearKey': async (p) => s.providers.clearKey(p.id),
    'settings.agentEnv': async () => s.db.settings.agentEnvPassthrough(),
    'settings.setAgentEnv': async (p) => s.agents.setEnvPassthrough(p.names),
    'prices.list': async () => s.providers.listPrices(),
    'prices.save': async (p) => s.providers.savePrice(p),
    'usage.summary': async (p) => s.providers.summary(p.repoId),
    'sandbox.info': () => detectSandbox(),

    'merge.preview': (p) => s.merges.preview(p.agentId, p.targetBranch),
    'merge.run': (p) => s.merges.run(p.agentId, p.targetBranch, p.message),
  };
}
