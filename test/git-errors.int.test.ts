/**
 * Failures that used to be reported as something else: a worktree deleted from outside Flotilla
 * ("Git is not installed"), and a stale index.lock in the user's checkout ("main changed").
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Core } from '../src/main/core/index';
import { runMerge } from '../src/main/core/merge';
import type { AgentInfo, Result } from '../src/shared/types';
import { makeRepo, removeDir, sh, tempDir, writeFile } from './helpers/repo';

const cleanups: string[] = [];
afterEach(() => {
  for (const dir of cleanups.splice(0)) removeDir(dir);
});

describe('git failures say what happened', () => {
  it('names a worktree deleted from outside Flotilla as missing, not git as not installed', async () => {
    const repo = makeRepo();
    const dataDir = tempDir('flotilla-data-');
    cleanups.push(repo, dataDir);
    const core = await Core.create({ dataDir, mode: 'web', version: 'test' });
    try {
      const conn = core.connect({ event: () => undefined, terminalData: () => undefined });
      const call = async <T,>(method: string, params: unknown): Promise<Result<T>> => (await conn.invoke(method, params)) as Result<T>;
      const opened = await call<{ id: string }>('repos.open', { path: repo });
      if (!opened.ok) throw new Error(opened.error.message);
      const created = await call<AgentInfo>('agents.create', { repoId: opened.value.id, name: 'Gone', kind: 'command', command: 'true' });
      if (!created.ok) throw new Error(created.error.message);
      rmSync(created.value.worktreePath, { recursive: true, force: true });
      for (const method of ['changes.list', 'merge.preview'] as const) {
        const r = await call(method, { agentId: created.value.id });
        expect(r.ok, method).toBe(false);
        if (r.ok) continue;
        expect(r.error.code, method).toBe('worktree-missing');
        expect(r.error.message, method).toMatch(/no longer exists/);
        expect(r.error.message, method).not.toMatch(/not installed/);
      }
    } finally {
      await core.dispose();
    }
  });

  it("says that a stale index.lock blocks the merge in the user's checkout, and changes nothing", async () => {
    const repo = makeRepo({ 'a.txt': 'a\n' });
    const parent = tempDir('flotilla-wt-');
    cleanups.push(repo, parent);
    const wt = join(parent, 'x');
    sh(repo, 'worktree', 'add', '-q', '-b', 'flotilla/x', wt, 'main');
    writeFile(wt, 'b.txt', 'b\n');
    sh(wt, 'add', '-A');
    sh(wt, 'commit', '-q', '-m', 'agent work');
    const main = sh(repo, 'rev-parse', 'main');
    writeFileSync(join(repo, '.git', 'index.lock'), '');
    const target = { topLevel: repo, worktreePath: wt, branch: 'flotilla/x', baseRef: 'main', baseIsBranch: true };
    const failure = await runMerge({ ...target, message: 'Merge' }).then(
      () => null,
      (err: unknown) => err as { code: string; message: string },
    );
    expect(failure?.code).toBe('git-failed');
    expect(failure?.message).toMatch(/index\.lock exists/);
    expect(failure?.message).not.toMatch(/changed while Flotilla was merging/);
    expect(sh(repo, 'rev-parse', 'main')).toBe(main);
  });
});
