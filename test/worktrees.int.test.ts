import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chooseBranch,
  createWorktree,
  inspectWork,
  listWorktrees,
  removeWorktree,
  slugify,
  snapshotWorktree,
  suggestAgentName,
  worktreeRoot,
} from '../src/main/core/worktrees';
import { makeRepo, removeDir, sh, tempDir, writeFile } from './helpers/repo';
import { dirTracker, errorOf } from './helpers/tracking';

const track = dirTracker();

function refsUnder(repo: string, prefix: string): string[] {
  return sh(repo, 'for-each-ref', '--format=%(refname)', prefix).split('\n').filter(Boolean);
}

/** A repository plus one agent worktree on `flotilla/<slug>` from main, under a data dir. */
async function fixture(slug = 'brisk-otter') {
  const repo = track(makeRepo({ 'README.md': '# test\n', 'src/app.ts': 'export const a = 1;\n' }));
  const dataDir = track(tempDir('flotilla-data-'));
  const worktreePath = join(worktreeRoot(dataDir, repo), slug);
  const branch = `flotilla/${slug}`;
  await createWorktree({ topLevel: repo, worktreePath, branch, baseSha: sh(repo, 'rev-parse', 'HEAD') });
  return { repo, dataDir, worktreePath, branch, slug };
}

describe('naming', () => {
  it('slugifies names to lowercase dashes, at most 40 characters', () => {
    expect(slugify('Brisk Otter')).toBe('brisk-otter');
    expect(slugify('  Fix: login -- bug!! ')).toBe('fix-login-bug');
    expect(slugify('Café Crème')).toBe('cafe-creme');
    expect(slugify('日本語')).toBe('agent');
    expect(slugify('a'.repeat(39) + ' b')).toBe('a'.repeat(39));
    expect(slugify('x'.repeat(80))).toHaveLength(40);
  });

  it('suggests a readable name whose slug is not taken', () => {
    const name = suggestAgentName(new Set());
    expect(name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    const taken = new Set<string>();
    for (let i = 0; i < 200; i++) taken.add(slugify(suggestAgentName(taken)));
    expect(taken.size).toBe(200);
  });

  it('puts worktrees outside the repository, named by basename and path hash', () => {
    expect(worktreeRoot('/data', '/home/me/project')).toMatch(/^\/data\/worktrees\/project-[0-9a-f]{8}$/);
    expect(worktreeRoot('/data', '/a/project')).not.toBe(worktreeRoot('/data', '/b/project'));
  });

  it('chooses flotilla/<slug>, adding -2, -3 past existing branches but not past snapshot refs', async () => {
    const repo = track(makeRepo());
    expect(await chooseBranch(repo, 'brisk-otter')).toEqual({ slug: 'brisk-otter', branch: 'flotilla/brisk-otter' });
    sh(repo, 'update-ref', 'refs/flotilla/archive/brisk-otter/20260101T000000Z', 'HEAD');
    expect(await chooseBranch(repo, 'brisk-otter')).toEqual({ slug: 'brisk-otter', branch: 'flotilla/brisk-otter' });
    sh(repo, 'branch', 'flotilla/brisk-otter');
    sh(repo, 'branch', 'flotilla/brisk-otter-2');
    expect(await chooseBranch(repo, 'brisk-otter')).toEqual({ slug: 'brisk-otter-3', branch: 'flotilla/brisk-otter-3' });
    sh(repo, 'branch', 'flotilla/calm/nested');
    expect(await chooseBranch(repo, 'calm')).toEqual({ slug: 'calm-2', branch: 'flotilla/calm-2' });
  });
});

describe('createWorktree and listWorktrees', () => {
  it('creates a worktree on a new branch at the base and lists it', async () => {
    const repo = track(makeRepo());
    const dataDir = track(tempDir('flotilla-data-'));
    const base = sh(repo, 'rev-parse', 'HEAD');
    sh(repo, 'commit', '-q', '--allow-empty', '-m', 'later');
    const worktreePath = join(worktreeRoot(dataDir, repo), 'odd name');
    await createWorktree({ topLevel: repo, worktreePath, branch: 'flotilla/odd-name', baseSha: base });

    expect(readFileSync(join(worktreePath, 'README.md'), 'utf8')).toBe('# test\n');
    expect(sh(repo, 'rev-parse', 'flotilla/odd-name')).toBe(base);
    const list = await listWorktrees(repo);
    expect(list.map((w) => w.path)).toEqual([repo, worktreePath]);
    expect(list[1]).toMatchObject({ branch: 'refs/heads/flotilla/odd-name', head: base, detached: false, prunable: false });
    expect(sh(repo, 'status', '--porcelain')).toBe('');
  });

  it('refuses an existing branch and leaves no folder behind', async () => {
    const repo = track(makeRepo());
    const dataDir = track(tempDir('flotilla-data-'));
    sh(repo, 'branch', 'flotilla/taken');
    const worktreePath = join(dataDir, 'wt', 'taken');
    const err = await errorOf(createWorktree({ topLevel: repo, worktreePath, branch: 'flotilla/taken', baseSha: sh(repo, 'rev-parse', 'HEAD') }));
    expect(err.code).toBe('branch-exists');
    expect(existsSync(worktreePath)).toBe(false);
    expect(await listWorktrees(repo)).toHaveLength(1);
  });

  it('leaves no branch, worktree or folder behind when git fails', async () => {
    const repo = track(makeRepo());
    const dataDir = track(tempDir('flotilla-data-'));
    const worktreePath = join(dataDir, 'wt', 'bad');
    const err = await errorOf(createWorktree({ topLevel: repo, worktreePath, branch: 'flotilla/bad', baseSha: 'f'.repeat(40) }));
    expect(['git-failed', 'base-not-found']).toContain(err.code);
    expect(refsUnder(repo, 'refs/heads/flotilla/')).toEqual([]);
    expect(existsSync(worktreePath)).toBe(false);
    expect(await listWorktrees(repo)).toHaveLength(1);
  });
});

describe('inspectWork', () => {
  it('counts uncommitted, untracked and commits not in the base', async () => {
    const f = await fixture();
    expect(await inspectWork(f.worktreePath, 'main')).toEqual({ uncommitted: 0, untracked: 0, commitsAhead: 0, hasWork: false });
    writeFile(f.worktreePath, 'src/app.ts', 'export const a = 2;\n');
    writeFile(f.worktreePath, 'README.md', 'changed\n');
    writeFile(f.worktreePath, 'notes/new file.txt', 'new\n');
    writeFile(f.worktreePath, '.gitignore', 'build/\n');
    writeFile(f.worktreePath, 'build/out.js', 'ignored\n');
    sh(f.worktreePath, 'commit', '-q', '--allow-empty', '-m', 'one');
    expect(await inspectWork(f.worktreePath, 'main')).toEqual({ uncommitted: 2, untracked: 2, commitsAhead: 1, hasWork: true });
  });

  it('counts commits on no other branch when the base branch is gone', async () => {
    const f = await fixture();
    sh(f.repo, 'branch', 'release');
    sh(f.worktreePath, 'commit', '-q', '--allow-empty', '-m', 'one');
    sh(f.worktreePath, 'commit', '-q', '--allow-empty', '-m', 'two');
    expect((await inspectWork(f.worktreePath, 'release')).commitsAhead).toBe(2);
    sh(f.repo, 'branch', '-D', 'release');
    expect((await inspectWork(f.worktreePath, 'release')).commitsAhead).toBe(2);
  });
});

describe('removeWorktree', () => {
  it('refuses to remove a worktree with work without confirmation, and changes nothing', async () => {
    const f = await fixture();
    writeFile(f.worktreePath, 'src/app.ts', 'export const a = 2;\n');
    writeFile(f.worktreePath, 'untracked.txt', 'new\n');
    sh(f.worktreePath, 'commit', '-q', '--allow-empty', '-m', 'one');
    const tip = sh(f.repo, 'rev-parse', f.branch);

    const err = await errorOf(removeWorktree({ ...f, topLevel: f.repo, baseRef: 'main', confirm: false }));
    expect(err.code).toBe('needs-confirmation');
    expect(err.message).toBe(
      'flotilla/brisk-otter has 1 uncommitted, 1 untracked files and 1 commit not in main. Confirm to save them to a snapshot ref and remove it.',
    );
    expect(err.details).toEqual({ uncommitted: 1, untracked: 1, commitsAhead: 1, hasWork: true });
    expect(readFileSync(join(f.worktreePath, 'untracked.txt'), 'utf8')).toBe('new\n');
    expect(readFileSync(join(f.worktreePath, 'src/app.ts'), 'utf8')).toBe('export const a = 2;\n');
    expect(sh(f.repo, 'rev-parse', f.branch)).toBe(tip);
    expect(await listWorktrees(f.repo)).toHaveLength(2);
    expect(refsUnder(f.repo, 'refs/flotilla/')).toEqual([]);
  });

  it('with confirmation, saves uncommitted and untracked files and commits to a snapshot ref, then removes', async () => {
    const f = await fixture();
    writeFile(f.worktreePath, 'committed.txt', 'committed\n');
    sh(f.worktreePath, 'add', 'committed.txt');
    sh(f.worktreePath, 'commit', '-q', '-m', 'agent work');
    const tip = sh(f.repo, 'rev-parse', f.branch);
    writeFile(f.worktreePath, 'src/app.ts', 'export const a = 2;\n');
    writeFile(f.worktreePath, 'new dir/untracked.txt', 'untracked\n');
    const userStatus = sh(f.repo, 'status', '--porcelain');

    const { snapshotRef } = await removeWorktree({ ...f, topLevel: f.repo, baseRef: 'main', confirm: true });
    expect(snapshotRef).toMatch(/^refs\/flotilla\/archive\/brisk-otter\/\d{8}T\d{6}Z$/);
    expect(sh(f.repo, 'show', `${snapshotRef}:src/app.ts`)).toBe('export const a = 2;');
    expect(sh(f.repo, 'show', `${snapshotRef}:new dir/untracked.txt`)).toBe('untracked');
    expect(sh(f.repo, 'show', `${snapshotRef}:committed.txt`)).toBe('committed');
    expect(sh(f.repo, 'rev-parse', `${snapshotRef}^`)).toBe(tip);
    expect(sh(f.repo, 'log', '-1', '--format=%s', snapshotRef!)).toBe('Flotilla snapshot of flotilla/brisk-otter');

    expect(existsSync(f.worktreePath)).toBe(false);
    expect(refsUnder(f.repo, 'refs/heads/flotilla/')).toEqual([]);
    expect((await listWorktrees(f.repo)).map((w) => w.path)).toEqual([f.repo]);
    expect(sh(f.repo, 'status', '--porcelain')).toBe(userStatus);
    expect(sh(f.repo, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
  });

  it('removes a clean worktree and its branch without a snapshot', async () => {
    const f = await fixture();
    const { snapshotRef } = await removeWorktree({ ...f, topLevel: f.repo, baseRef: 'main', confirm: false });
    expect(snapshotRef).toBeNull();
    expect(existsSync(f.worktreePath)).toBe(false);
    expect(refsUnder(f.repo, 'refs/heads/flotilla/')).toEqual([]);
    expect(refsUnder(f.repo, 'refs/flotilla/')).toEqual([]);
    expect(await listWorktrees(f.repo)).toHaveLength(1);
  });

  it('cleans up a worktree whose folder was deleted outside Flotilla, keeping its commits in a snapshot', async () => {
    const f = await fixture();
    sh(f.worktreePath, 'commit', '-q', '--allow-empty', '-m', 'agent commit');
    const tip = sh(f.repo, 'rev-parse', f.branch);
    // A second vanished worktree must stay registered: only the one asked for is cleaned up.
    const otherPath = join(worktreeRoot(f.dataDir, f.repo), 'other');
    await createWorktree({ topLevel: f.repo, worktreePath: otherPath, branch: 'flotilla/other', baseSha: tip });
    removeDir(f.worktreePath);
    removeDir(otherPath);

    const err = await errorOf(removeWorktree({ ...f, topLevel: f.repo, baseRef: 'main', confirm: false }));
    expect(err.code).toBe('needs-confirmation');
    expect(err.details).toMatchObject({ commitsAhead: 1 });

    const { snapshotRef } = await removeWorktree({ ...f, topLevel: f.repo, baseRef: 'main', confirm: true });
    expect(snapshotRef).not.toBeNull();
    expect(sh(f.repo, 'rev-parse', snapshotRef!)).toBe(tip);
    expect(refsUnder(f.repo, 'refs/heads/flotilla/')).toEqual(['refs/heads/flotilla/other']);
    const list = await listWorktrees(f.repo);
    expect(list.map((w) => w.path)).toEqual([f.repo, otherPath]);
    expect(list[1]!.prunable).toBe(true);
  });

  it('cleans up a vanished worktree without commits and takes no snapshot', async () => {
    const f = await fixture();
    removeDir(f.worktreePath);
    const { snapshotRef } = await removeWorktree({ ...f, topLevel: f.repo, baseRef: 'main', confirm: false });
    expect(snapshotRef).toBeNull();
    expect(refsUnder(f.repo, 'refs/heads/flotilla/')).toEqual([]);
    expect(await listWorktrees(f.repo)).toHaveLength(1);
  });

  it("never removes the user's own checkout", async () => {
    const f = await fixture();
    const err = await errorOf(removeWorktree({ ...f, topLevel: f.repo, worktreePath: f.repo, branch: 'main', baseRef: 'main', confirm: true }));
    expect(err.code).toBe('invalid-params');
    expect(existsSync(join(f.repo, 'README.md'))).toBe(true);
    expect(sh(f.repo, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
  });
});

describe('snapshotWorktree', () => {
  it('commits as Flotilla when the repository has no identity, and never overwrites a snapshot', async () => {
    const f = await fixture();
    sh(f.repo, 'config', '--unset', 'user.name');
    sh(f.repo, 'config', '--unset', 'user.email');
    writeFile(f.worktreePath, 'wip.txt', 'wip\n');
    const home = track(tempDir('flotilla-home-'));
    const saved = { HOME: process.env.HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME };
    process.env.HOME = home; // No global identity either.
    process.env.XDG_CONFIG_HOME = home;
    try {
      const now = new Date(Date.UTC(2026, 10, 24, 7, 15, 0));
      const first = await snapshotWorktree({ topLevel: f.repo, worktreePath: f.worktreePath, slug: f.slug, branch: f.branch, now });
      const second = await snapshotWorktree({ topLevel: f.repo, worktreePath: f.worktreePath, slug: f.slug, branch: f.branch, now });
      expect(first.ref).toBe('refs/flotilla/archive/brisk-otter/20261124T071500Z');
      expect(second.ref).toBe('refs/flotilla/archive/brisk-otter/20261124T071500Z-2');
      expect(sh(f.repo, 'log', '-1', '--format=%an <%ae>', first.ref)).toBe('Flotilla <flotilla@localhost>');
      expect(sh(f.repo, 'show', `${first.ref}:wip.txt`)).toBe('wip');
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    // Snapshotting leaves the worktree's own index alone: wip.txt is still untracked.
    expect(sh(f.worktreePath, 'status', '--porcelain')).toBe('?? wip.txt');
  });
});
