/**
 * The handler table: one thin function per contract method. Each validates nothing more
 * (the connection already parsed its params), calls one service, and returns its result.
 */
import type { MethodName, ParsedParamsOf, ResultOf } from '../../shared/contract';
import { previewMerge, runMerge } from './merge';
import { listChangesFromBase, mergeBaseFor, readFileDiff } from './changes';
import { getGitVersion } from './git/version';
import { detectSandbox } from './sandbox';
import { checkPassEnvNames } from './agents/agent-env';
import { AppError } from './errors';
import type { MergedEvent } from './agents/merged-work';
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
  const agentFor = (agentId: string) => s.agents.get(agentId);
  const liveWorktree = (agentId: string) => {
    const row = agentFor(agentId);
    if (row.missing) throw new AppError('worktree-missing', `The worktree of ${row.name} is missing (${row.worktreePath}).`);
    return row;
  };
  return {
    'app.info': async () => ({
      version: options.version,
      mode: options.mode,
      dataDir: s.dataDir,
      gitVersion: await getGitVersion(),
      canPickFolder: Boolean(options.pickFolder),
      homeDir: s.homeDir,
    }),

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

    'agents.list': async (p) => {
      s.repos.get(p.repoId);
      return s.agents.list(p.repoId);
    },
    'agents.suggestName': async (p) => s.agents.suggestName(p.repoId),
    'agents.create': (p) => s.agents.create(p),
    'agents.restart': (p) => s.agents.restart(p.agentId, { stopSurvivors: p.stopSurvivors }),
    'agents.stop': (p) => s.agents.stop(p.agentId),
    'agents.removalCheck': (p) => s.agents.removalCheck(p.agentId),
    'agents.leftovers': (p) => s.agents.leftovers(p.repoId),
    'agents.removeOrphan': (p) => s.agents.removeOrphan(p.repoId, p.slug, p.confirm),
    'agents.adoptOrphan': (p) => s.agents.adoptOrphan(p.repoId, p.slug),
    'agents.remove': (p) => s.agents.remove(p.agentId, p.confirm),

    'terminal.attach': async (p, ctx) => {
      agentFor(p.agentId);
      return s.pty.subscribe(p.agentId, ctx.clientId, (data) => ctx.sink.terminalData(p.agentId, data));
    },
    'terminal.detach': async (p, ctx) => {
      s.pty.unsubscribe(p.agentId, ctx.clientId);
      return null;
    },
    'terminal.resize': async (p) => {
      s.agents.resize(p.agentId, p.cols, p.rows);
      return null;
    },

    'changes.list': async (p) => {
      const row = liveWorktree(p.agentId);
      return listChangesFromBase(row.worktreePath, { ref: row.baseRef, fallbackSha: row.baseSha });
    },
    'changes.file': async (p) => {
      const row = liveWorktree(p.agentId);
      const from = await mergeBaseFor(row.worktreePath, row.baseRef, row.baseSha);
      return readFileDiff(row.worktreePath, from, p.path, { oldPath: p.oldPath ?? null, force: p.force });
    },

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
    'settings.setAgentEnv': async (p) => {
      const names = checkPassEnvNames(p.names);
      s.db.settings.setAgentEnvPassthrough(names);
      return names;
    },
    'prices.list': async () => s.providers.listPrices(),
    'prices.save': async (p) => s.providers.savePrice(p),
    'usage.summary': async (p) => s.providers.summary(p.repoId),
    'sandbox.info': () => detectSandbox(),

    'merge.preview': async (p) => {
      const row = liveWorktree(p.agentId);
      const repo = s.repos.get(row.repoId);
      return previewMerge({
        topLevel: repo.path,
        worktreePath: row.worktreePath,
        branch: row.branch,
        baseRef: row.baseRef,
        baseIsBranch: row.baseIsBranch,
        targetBranch: p.targetBranch,
        defaultMessage: defaultMergeMessage(row.name, row.branch, row.task),
      });
    },
    'merge.run': async (p) => {
      const row = liveWorktree(p.agentId);
      const repo = s.repos.get(row.repoId);
      const { agentTree, ...result } = await s.locks.run(repo.path, () =>
        runMerge({
          topLevel: repo.path,
          worktreePath: row.worktreePath,
          branch: row.branch,
          baseRef: row.baseRef,
          baseIsBranch: row.baseIsBranch,
          targetBranch: p.targetBranch,
          message: p.message,
        }),
      );
      s.db.events.add(row.id, 'merged', { ...result, agentTree } satisfies MergedEvent);
      s.events.emit('repos.changed', { repoId: repo.id });
      s.agents.noteMerged(row.id);
      return result;
    },
  };
}

/** The commit message offered for a merge: the task's first line, else the agent's name. */
export function defaultMergeMessage(name: string, branch: string, task: string | null): string {
  const firstLine = task?.split('\n').find((line) => line.trim())?.trim();
  const subject = firstLine ? (firstLine.length > 72 ? `${firstLine.slice(0, 69)}...` : firstLine) : `${name}: changes from ${branch}`;
  return `${subject}\n\nSquash-merged from ${branch} by Flotilla.`;
}
