/**
 * The changes list through an agent's view (one view preparation, one merge-base, one
 * diff-index per call) gives exactly what measuring the old way gives: a tree written from a
 * private index, two diff-trees and `ls-files --others`, run here with plain git.
 */
import { copyFileSync, mkdirSync, realpathSync, rmSync, unlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangedFile, ChangeList } from '../src/shared/types';
import { computeDiffStatFromBase, listChangesFromBase, parseNameStatusZ, parseNumstatZ } from '../src/main/core/changes';
import { openView } from '../src/main/core/git/agent-branch';
import { registerView, unregisterView } from '../src/main/core/git/worktree-view';
import { GIT_TEST_ENV, makeRepo, removeDir, sh, tempDir, writeFile } from './helpers/repo';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A repository and an agent worktree on `flotilla/x` seen through a registered view, as Flotilla sees an agent's. */
async function agentWorktree(files: Record<string, string>): Promise<{ repo: string; wt: string; baseSha: string }> {
  const repo = realpathSync(makeRepo(files));
  const data = realpathSync(tempDir('flotilla-data-'));
  const wt = join(data, 'worktrees', 'x');
  mkdirSync(join(data, 'worktrees'), { recursive: true });
  sh(repo, 'worktree', 'add', '-q', '-b', 'flotilla/x', wt, 'main');
  const view = await openView({ worktreePath: wt, commonDir: join(repo, '.git'), viewDir: join(data, 'views', 'x'), branch: 'flotilla/x', privateGitDir: null });
  registerView(view);
  cleanups.push(() => {
    unregisterView(wt);
    removeDir(repo);
    removeDir(data);
  });
  return { repo, wt, baseSha: sh(repo, 'rev-parse', 'main') };
}

function gitZ(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_TEST_ENV, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** The list as it was measured before: write-tree of a private index, diff-tree twice, ls-files --others. */
function measuredTheOldWay(wt: string, fromSha: string): ChangeList {
  const dir = tempDir('flotilla-old-index-');
  try {
    const index = join(dir, 'index');
    copyFileSync(gitZ(wt, ['rev-parse', '--path-format=absolute', '--git-path', 'index']).trim(), index);
    gitZ(wt, ['add', '-A', '--', '.'], { GIT_INDEX_FILE: index });
    const tree = gitZ(wt, ['write-tree'], { GIT_INDEX_FILE: index }).trim();
    const numstat = parseNumstatZ(gitZ(wt, ['diff-tree', '-r', '-z', '-M', '--numstat', fromSha, tree]));
    const statuses = parseNameStatusZ(gitZ(wt, ['diff-tree', '-r', '-z', '-M', '--name-status', fromSha, tree]));
    const untracked = new Set(gitZ(wt, ['ls-files', '--others', '--exclude-standard', '-z']).split('\0').filter(Boolean));
    const counts = new Map(numstat.map((e) => [e.path, e]));
    const files: ChangedFile[] = statuses.map((e) => ({
      path: e.path,
      oldPath: e.oldPath,
      status: e.status === 'A' && untracked.has(e.path) ? '?' : e.status,
      binary: counts.get(e.path)?.binary ?? false,
      additions: counts.get(e.path)?.additions ?? 0,
      deletions: counts.get(e.path)?.deletions ?? 0,
    }));
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const stat = { files: numstat.length, additions: numstat.reduce((n, e) => n + e.additions, 0), deletions: numstat.reduce((n, e) => n + e.deletions, 0) };
    return { fromSha, files, stat };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('listChangesFromBase in an agent worktree', () => {
  it('lists committed, uncommitted, renamed, binary, staged, untracked and deleted files exactly as before', async () => {
    const { repo, wt, baseSha } = await agentWorktree({
      'a.txt': 'one\ntwo\n',
      'b.txt': 'b\n',
      'c.txt': 'c\n',
      'rename me.txt': 'same\ncontent\nhere\n',
      'moved later.txt': 'another\nfile\nwith lines\n',
      'dir/deep.txt': 'deep\n',
    });
    writeFile(wt, 'a.txt', 'one\nTWO\nthree\n');
    writeFile(wt, 'img.bin', Buffer.from([0x89, 0x50, 0x00, 0x01, 0x02]));
    sh(wt, 'mv', 'rename me.txt', 'renamed.txt');
    sh(wt, 'add', '-A');
    sh(wt, 'commit', '-qm', 'agent work');
    writeFile(wt, 'b.txt', 'b\nmore\n');
    unlinkSync(join(wt, 'c.txt'));
    unlinkSync(join(wt, 'dir/deep.txt'));
    writeFile(wt, 'staged.txt', 'staged\n');
    sh(wt, 'add', 'staged.txt');
    writeFile(wt, 'new dir/untracked file.txt', 'fresh\n');
    writeFile(wt, ':colon first.txt', 'a path that starts like a raw record\n');
    writeFile(wt, 'tab\there.txt', 'tab\n');
    execFileSync('mv', [join(wt, 'moved later.txt'), join(wt, 'moved now.txt')]);
    // The base moves on: changes are measured from the fork point.
    writeFile(repo, 'b.txt', 'main moved\n');
    sh(repo, 'commit', '-qam', 'main moves');

    const list = await listChangesFromBase(wt, { ref: 'main', fallbackSha: 'unused' });

    expect(list.fromSha).toBe(baseSha);
    expect(list).toEqual(measuredTheOldWay(wt, baseSha));
    expect(list.files).toEqual([
      { path: ':colon first.txt', oldPath: null, status: '?', binary: false, additions: 1, deletions: 0 },
      { path: 'a.txt', oldPath: null, status: 'M', binary: false, additions: 2, deletions: 1 },
      { path: 'b.txt', oldPath: null, status: 'M', binary: false, additions: 1, deletions: 0 },
      { path: 'c.txt', oldPath: null, status: 'D', binary: false, additions: 0, deletions: 1 },
      { path: 'dir/deep.txt', oldPath: null, status: 'D', binary: false, additions: 0, deletions: 1 },
      { path: 'img.bin', oldPath: null, status: 'A', binary: true, additions: 0, deletions: 0 },
      { path: 'moved now.txt', oldPath: 'moved later.txt', status: 'R', binary: false, additions: 0, deletions: 0 },
      { path: 'new dir/untracked file.txt', oldPath: null, status: '?', binary: false, additions: 1, deletions: 0 },
      { path: 'renamed.txt', oldPath: 'rename me.txt', status: 'R', binary: false, additions: 0, deletions: 0 },
      { path: 'staged.txt', oldPath: null, status: 'A', binary: false, additions: 1, deletions: 0 },
      { path: 'tab\there.txt', oldPath: null, status: '?', binary: false, additions: 1, deletions: 0 },
    ]);
    expect(await computeDiffStatFromBase(wt, { ref: 'main', fallbackSha: 'unused' })).toEqual(list.stat);
  });

  it('sees the agent stage a file between two looks (nothing is reused from a different index)', async () => {
    const { wt, baseSha } = await agentWorktree({ 'a.txt': 'a\n' });
    writeFile(wt, 'u.txt', 'untracked\n');
    const base = { ref: 'main', fallbackSha: baseSha };
    const first = await listChangesFromBase(wt, base);
    expect(first.files).toEqual([{ path: 'u.txt', oldPath: null, status: '?', binary: false, additions: 1, deletions: 0 }]);
    expect(await listChangesFromBase(wt, base)).toEqual(first);
    sh(wt, 'add', 'u.txt');
    const second = await listChangesFromBase(wt, base);
    expect(second.files).toEqual([{ path: 'u.txt', oldPath: null, status: 'A', binary: false, additions: 1, deletions: 0 }]);
    sh(wt, 'rm', '-q', '--cached', 'u.txt');
    expect(await listChangesFromBase(wt, base)).toEqual(first);
  });

  it('falls back to the start commit when the base branch is gone', async () => {
    const { wt, baseSha } = await agentWorktree({ 'a.txt': 'a\n' });
    writeFile(wt, 'a.txt', 'changed\n');
    const list = await listChangesFromBase(wt, { ref: 'no-such-branch', fallbackSha: baseSha });
    expect(list.fromSha).toBe(baseSha);
    expect(list.files.map((f) => f.path)).toEqual(['a.txt']);
    expect(list).toEqual(measuredTheOldWay(wt, baseSha));
  });

  it('lists 1,000 changed files, the same as before', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) files[`d${i % 10}/f${String(i).padStart(4, '0')}.txt`] = `file ${i}\n`;
    const { wt, baseSha } = await agentWorktree(files);
    for (let i = 0; i < 1000; i++) writeFile(wt, `d${i % 10}/f${String(i).padStart(4, '0')}.txt`, `changed ${i}\nmore\n`);
    const list = await listChangesFromBase(wt, { ref: 'main', fallbackSha: baseSha });
    expect(list.files).toHaveLength(1000);
    expect(list.stat).toEqual({ files: 1000, additions: 2000, deletions: 1000 });
    expect(list).toEqual(measuredTheOldWay(wt, baseSha));
  }, 180_000);
});
