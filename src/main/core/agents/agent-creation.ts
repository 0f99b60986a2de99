/**
 * Making a new agent's record: its launch settings checked first (nothing is created for a
 * launch that cannot work), then, under the repository's lock, its name, branch and worktree,
 * and the record with its first events.
 */
import type { AgentRow } from '../db';
import { AppError } from '../errors';
import { suggestAgentName } from '../worktrees';
import { nameClash } from './agent-names';
import { insertAgentRecord, newAgentRow, type AgentServiceDeps, type CreateAgentParams } from './agent-types';
import { launchConfigFor } from './launch-config';

/** Creates the branch, worktree and record of a new agent (serialized per repository); the caller starts it. */
export async function recordNewAgent(deps: AgentServiceDeps, params: CreateAgentParams): Promise<AgentRow> {
  const { db } = deps;
  const repo = deps.repos.get(params.repoId);
  if (params.kind === 'command' && !params.command?.trim()) {
    throw new AppError('invalid-params', 'A Command agent needs a command line, for example `claude` or `aider --model x`.');
  }
  const launch = await launchConfigFor(params, { catalog: deps.catalog, providers: deps.providers, netBridgeEntry: deps.netBridgeEntry ?? null });
  const taken = new Set(db.agents.listByRepo(repo.id).map((a) => a.slug));
  const name = params.name?.trim() || suggestAgentName(taken);
  return deps.locks.run(repo.path, async () => {
    // Checked under the repository lock so that two creations at once cannot both take a name.
    const suggestion = nameClash(name, db.agents.listByRepo(repo.id).map((a) => a.name));
    if (suggestion) {
      throw new AppError('invalid-params', `An agent named “${name}” already exists in this repository. Choose another name, such as “${suggestion}”.`, {
        suggestion,
      });
    }
    const made = await deps.worktrees.create(repo.path, name, params.base);
    const row = newAgentRow({
      repoId: repo.id,
      name,
      slug: made.slug,
      branch: made.branch,
      baseRef: made.base.baseRef,
      baseIsBranch: made.base.baseIsBranch,
      baseSha: made.base.baseSha,
      kind: params.kind,
      command: params.kind === 'command' ? params.command!.trim() : null,
      task: params.task?.trim() ? params.task : null,
      worktreePath: made.worktreePath,
      launch,
    });
    insertAgentRecord(db, row, { type: 'created', payload: { branch: made.branch, baseRef: made.base.baseRef, baseSha: made.base.baseSha } }, () => {
      if (made.submodules.length > 0) db.journal.append({ kind: 'agent', id: row.id }, 'submodules', { submodules: made.submodules });
    });
    return row;
  });
}
