/**
 * Merging an agent that started from a detached commit: the user picks the branch to merge
 * into. Real repositories whose checkout is in detached HEAD, through the core's contract.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Core } from '../src/main/core/index';
import { previewMerge, runMerge } from '../src/main/core/merge';
import type { AgentInfo, MergePreview, MergeResult, Result } from '../src/shared/types';
import { makeRepo, removeDir, sh, tempDir, writeFile } from './helpers/repo';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A repository with `main` and `release`, its checkout detached at main's first commit. */
function detachedRepo(): string {
  const repo = makeRepo({ 'a.txt': 'a\n' });
  cleanups.push(() => removeDir(repo));
  sh(repo, 'branch', 'release');
  sh(repo, 'checkout', '-q', '--detach');
  return repo;
}

describe('merging an agent based on a detached commit', () => {
  it('merges into the branch the user picks, through the contract, leaving the detached checkout alone', async () => {
    const repo = detachedRepo();
    const detachedAt = sh(repo, 'rev-parse', 'HEAD');
    const dataDir = tempDir('flotilla-data-');
    const core = await Core.create({ dataDir, mode: 'web', version: 'test' });
    cleanups.push(() => removeDir(dataDir));
    cleanups.push(() => core.dispose());
    const conn = core.connect({ event: () => undefined, terminalData: () => undefined });
    const call = async <T,>(method: string, params: unknown): Promise<Result<T>> => (await conn.invoke(method, params)) as Result<T>;
    const ok = async <T,>(method: string, params: unknown): Promise<T> => {
      const r = await call<T>(method, params);
      if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
      return r.value;
    };

    const opened = await ok<{ id: string; currentBranch: string | null }>('repos.open', { path: repo });
    expect(opened.currentBranch).toBeNull();
    const agent = await ok<AgentInfo>('agents.create', { repoId: opened.id, name: 'Detached', kind: 'shell' });
    expect(agent).toMatchObject({ baseRef: detachedAt, baseIsBranch: false });
    writeFileSync(join(agent.worktreePath, 'agent.txt'), 'from the agent\n');

    // Without a target there is nowhere to merge; the dialog offers the branches instead.
    const blocked = await ok<MergePreview>('merge.preview', { agentId: agent.id });
    expect(blocked.canMerge).toBe(false);
    expect(blocked.blocker?.code).toBe('unsupported');

    const preview = await ok<MergePreview>('merge.preview', { agentId: agent.id, targetBranch: 'main' });
    expect(preview).toMatchObject({ baseBranch: 'main', canMerge: true, blocker: null, uncommittedFiles: 1 });

    const result = await ok<MergeResult>('merge.run', { agentId: agent.id, message: 'Agent work', targetBranch: 'main' });
    expect(result).toMatchObject({ baseBranch: 'main', checkoutUpdated: false });
    expect(sh(repo, 'rev-parse', 'main')).toBe(result.commit);
    expect(sh(repo, 'rev-parse', 'main^')).toBe(detachedAt);
    expect(sh(repo, 'show', 'main:agent.txt')).toBe('from the agent');
    // The user's detached checkout and the other branch did not move.
    expect(sh(repo, 'rev-parse', 'HEAD')).toBe(detachedAt);
    expect(sh(repo, 'rev-parse', 'release')).toBe(detachedAt);
    expect(sh(repo, 'status', '--porcelain')).toBe('');

    // A target with a NUL is refused at the boundary, as not a valid branch name.
    const bad = await call('merge.run', { agentId: agent.id, message: 'x', targetBranch: 'main\u0000' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-params', message: expect.stringContaining('not a valid branch name') } });
  });

  it('fast-forwards a clean checkout of the picked branch, like any merge', async () => {
    const repo = detachedRepo();
    const parent = tempDir('flotilla-wt-');
    cleanups.push(() => removeDir(parent));
    const releaseCheckout = join(parent, 'release');
    sh(repo, 'worktree', 'add', '-q', releaseCheckout, 'release');
    const agentWt = join(parent, 'agent');
    sh(repo, 'worktree', 'add', '-q', '-b', 'flotilla/x', agentWt, 'HEAD');
    writeFile(agentWt, 'a.txt', 'agent\n');
    const target = { topLevel: repo, worktreePath: agentWt, branch: 'flotilla/x', baseRef: sh(repo, 'rev-parse', 'HEAD'), baseIsBranch: false };

    const result = await runMerge({ ...target, targetBranch: 'release', message: 'To release' });
    expect(result).toMatchObject({ baseBranch: 'release', checkoutUpdated: true });
    expect(readFileSync(join(releaseCheckout, 'a.txt'), 'utf8')).toBe('agent\n');
    expect(sh(repo, 'rev-parse', 'main')).toBe(target.baseRef);
  });

  it('refuses a picked branch that does not exist, changing nothing', async () => {
    const repo = detachedRepo();
    const parent = tempDir('flotilla-wt-');
    cleanups.push(() => removeDir(parent));
    const agentWt = join(parent, 'agent');
    sh(repo, 'worktree', 'add', '-q', '-b', 'flotilla/x', agentWt, 'HEAD');
    writeFile(agentWt, 'a.txt', 'agent\n');
    const target = { topLevel: repo, worktreePath: agentWt, branch: 'flotilla/x', baseRef: sh(repo, 'rev-parse', 'HEAD'), baseIsBranch: false };
    const preview = await previewMerge({ ...target, targetBranch: 'nope', defaultMessage: 'm' });
    expect(preview.blocker?.code).toBe('base-not-found');
    await expect(runMerge({ ...target, targetBranch: '--all', message: 'm' })).rejects.toMatchObject({ code: 'base-not-found' });
    expect(sh(agentWt, 'status', '--porcelain')).toBe('M a.txt');
    expect(sh(repo, 'rev-parse', 'main')).toBe(target.baseRef);
  });

  it('keeps an agent based on a branch merging into that branch only', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n' });
    const parent = tempDir('flotilla-wt-');
    cleanups.push(() => removeDir(repo), () => removeDir(parent));
    sh(repo, 'branch', 'release');
    const agentWt = join(parent, 'agent');
    sh(repo, 'worktree', 'add', '-q', '-b', 'flotilla/x', agentWt, 'main');
    writeFile(agentWt, 'a.txt', 'agent\n');
    const target = { topLevel: repo, worktreePath: agentWt, branch: 'flotilla/x', baseRef: 'main', baseIsBranch: true };
    await expect(runMerge({ ...target, targetBranch: 'release', message: 'm' })).rejects.toMatchObject({
      code: 'invalid-params',
      message: 'flotilla/x started from main and merges only into it, not into release.',
    });
    expect((await previewMerge({ ...target, targetBranch: 'main', defaultMessage: 'm' })).canMerge).toBe(true);
  });
});
