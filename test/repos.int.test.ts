import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { methods } from '../src/shared/contract';
import { completePath, inspectRepository, listBranches, resolveBase } from '../src/main/core/repos';
import { RepoService } from '../src/main/core/repos/repo-service';
import { agentRow, insertAgent, makeTestDb } from './helpers/pty';
import { makeRepo, sh, tempDir, writeFile } from './helpers/repo';
import { dirTracker, errorOf } from './helpers/tracking';

const track = dirTracker();
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('inspectRepository', () => {
  it("opens a repository's top level with its branch and HEAD", async () => {
    const repo = track(makeRepo());
    const info = await inspectRepository(repo);
    expect(info).toEqual({
      topLevel: repo,
      name: basename(repo),
      currentBranch: 'main',
      headSha: sh(repo, 'rev-parse', 'HEAD'),
      mainTopLevel: null,
    });
  });

  it('opens the top level when given a subfolder', async () => {
    const repo = track(makeRepo({ 'src/deep/file.ts': 'x\n' }));
    expect((await inspectRepository(join(repo, 'src', 'deep'))).topLevel).toBe(repo);
  });

  it('returns the real path when opened through a symlink', async () => {
    const repo = track(makeRepo());
    const links = track(tempDir());
    symlinkSync(repo, join(links, 'link'));
    expect((await inspectRepository(join(links, 'link'))).topLevel).toBe(realpathSync(repo));
  });

  it('expands a leading ~ to the home directory', async () => {
    const repo = track(makeRepo());
    const saved = process.env.HOME;
    process.env.HOME = dirname(repo);
    try {
      expect((await inspectRepository(`~/${basename(repo)}`)).topLevel).toBe(repo);
    } finally {
      process.env.HOME = saved;
    }
  });

  it('reports a detached HEAD as no current branch', async () => {
    const repo = track(makeRepo());
    sh(repo, 'checkout', '-q', '--detach');
    const info = await inspectRepository(repo);
    expect(info.currentBranch).toBeNull();
    expect(info.headSha).toBe(sh(repo, 'rev-parse', 'HEAD'));
  });

  it('takes a relative path from the home folder, not from Flotilla\'s own working folder', async () => {
    const repo = track(makeRepo({ 'src/app.ts': 'x\n' }));
    const home = dirname(repo);
    expect(process.cwd()).not.toBe(home);
    expect((await inspectRepository(basename(repo), home)).topLevel).toBe(repo);
    expect((await inspectRepository(`./${basename(repo)}/src`, home)).topLevel).toBe(repo);
    const err = await errorOf(inspectRepository('test', home));
    expect(err.code).toBe('path-not-found');
    expect(err.message).toBe(`${join(home, 'test')} does not exist. Check the path and try again.`);
  });

  it('tells a linked worktree from the main one', async () => {
    const repo = track(makeRepo());
    const linked = join(track(tempDir()), 'linked');
    sh(repo, 'worktree', 'add', '-q', '-b', 'side', linked);
    expect((await inspectRepository(repo)).mainTopLevel).toBeNull();
    expect((await inspectRepository(linked)).mainTopLevel).toBe(repo);
  });

  it('refuses a path that does not exist', async () => {
    const dir = track(tempDir());
    expect((await errorOf(inspectRepository(join(dir, 'nope')))).code).toBe('path-not-found');
  });

  it('refuses a file', async () => {
    const dir = track(tempDir());
    writeFile(dir, 'file.txt', 'x');
    expect((await errorOf(inspectRepository(join(dir, 'file.txt')))).code).toBe('not-a-directory');
  });

  it('refuses a folder outside any repository, saying how to make one', async () => {
    const dir = track(tempDir());
    const err = await errorOf(inspectRepository(dir));
    expect(err.code).toBe('not-a-repository');
    expect(err.message).toBe(
      `${dir} is not inside a git repository. Choose a folder that has been set up with git init or git clone.`,
    );
  });

  it('refuses a bare repository', async () => {
    const dir = track(tempDir());
    sh(dir, 'init', '-q', '--bare');
    expect((await errorOf(inspectRepository(dir))).code).toBe('bare-repository');
  });

  it('refuses a repository without commits', async () => {
    const dir = track(tempDir());
    sh(dir, 'init', '-q', '-b', 'main');
    const err = await errorOf(inspectRepository(dir));
    expect(err.code).toBe('no-commits');
    expect(err.message).toBe('This repository has no commits yet. Make a first commit, then open it again.');
  });
});

describe('completePath', () => {
  function fixture(): string {
    const dir = track(tempDir());
    for (const name of ['alpha', 'alpine', 'beta', '.hidden', 'with space']) mkdirSync(join(dir, name));
    writeFile(dir, 'alps.txt', 'not a folder');
    symlinkSync(join(dir, 'beta'), join(dir, 'alias'));
    return dir;
  }

  it('lists folders starting with the typed prefix, each ending in /', async () => {
    const dir = fixture();
    expect(await completePath(`${dir}/al`, '/nowhere')).toEqual([`${dir}/alias/`, `${dir}/alpha/`, `${dir}/alpine/`]);
  });

  it('hides dot-folders unless the typed segment starts with a dot', async () => {
    const dir = fixture();
    const all = await completePath(`${dir}/`, '/nowhere');
    expect(all).toEqual([`${dir}/alias/`, `${dir}/alpha/`, `${dir}/alpine/`, `${dir}/beta/`, `${dir}/with space/`]);
    expect(await completePath(`${dir}/.h`, '/nowhere')).toEqual([`${dir}/.hidden/`]);
  });

  it('keeps the ~ form in its results', async () => {
    const dir = fixture();
    expect(await completePath('~/alp', dir)).toEqual(['~/alpha/', '~/alpine/']);
    expect(await completePath('~', dir)).toContain('~/beta/');
  });

  it('returns at most 50 entries', async () => {
    const dir = track(tempDir());
    for (let i = 0; i < 60; i++) mkdirSync(join(dir, `d${String(i).padStart(2, '0')}`));
    expect(await completePath(`${dir}/d`, '/nowhere')).toHaveLength(50);
  });

  it('returns nothing for a bad path instead of failing', async () => {
    const dir = fixture();
    expect(await completePath(`${dir}/missing/deeper/x`, '/nowhere')).toEqual([]);
    expect(await completePath(`${dir}/alps.txt/`, '/nowhere')).toEqual([]);
    expect(await completePath('relative/path', '/nowhere')).toEqual([]);
    expect(await completePath('', '/nowhere')).toEqual([]);
    expect(await completePath('~root/', dir)).toEqual([]);
  });

  it('completes a relative path from the home folder and keeps it relative', async () => {
    const dir = fixture();
    mkdirSync(join(dir, 'alpha', 'inner'));
    expect(await completePath('alp', dir)).toEqual(['alpha/', 'alpine/']);
    expect(await completePath('alpha/', dir)).toEqual(['alpha/inner/']);
    expect(await completePath('.h', dir)).toEqual(['.hidden/']);
  });
});

describe('listBranches', () => {
  it('lists local branches sorted, with the current one first', async () => {
    const repo = track(makeRepo());
    sh(repo, 'branch', 'zeta');
    sh(repo, 'branch', 'alpha');
    sh(repo, 'branch', 'feature/x');
    const list = await listBranches(repo);
    expect(list).toEqual({ current: 'main', headSha: sh(repo, 'rev-parse', 'HEAD'), branches: ['main', 'alpha', 'feature/x', 'zeta'] });
  });
});

describe('resolveBase', () => {
  it('defaults to the current branch', async () => {
    const repo = track(makeRepo());
    expect(await resolveBase(repo)).toEqual({ baseRef: 'main', baseIsBranch: true, baseSha: sh(repo, 'rev-parse', 'HEAD') });
  });

  it("defaults to HEAD's commit when detached", async () => {
    const repo = track(makeRepo());
    sh(repo, 'checkout', '-q', '--detach');
    const head = sh(repo, 'rev-parse', 'HEAD');
    expect(await resolveBase(repo)).toEqual({ baseRef: head, baseIsBranch: false, baseSha: head });
  });

  it('accepts a local branch name or a commit-ish', async () => {
    const repo = track(makeRepo());
    const first = sh(repo, 'rev-parse', 'HEAD');
    sh(repo, 'branch', 'release');
    sh(repo, 'commit', '-q', '--allow-empty', '-m', 'second');
    expect(await resolveBase(repo, 'release')).toEqual({ baseRef: 'release', baseIsBranch: true, baseSha: first });
    expect(await resolveBase(repo, 'HEAD~1')).toEqual({ baseRef: first, baseIsBranch: false, baseSha: first });
    expect(await resolveBase(repo, first.slice(0, 10))).toEqual({ baseRef: first, baseIsBranch: false, baseSha: first });
  });

  it('refuses a base that names nothing', async () => {
    const repo = track(makeRepo());
    expect((await errorOf(resolveBase(repo, 'no-such-branch'))).code).toBe('base-not-found');
    expect((await errorOf(resolveBase(repo, '--all'))).code).toBe('base-not-found');
  });

  it('refuses a base with a NUL or another control character as not a valid branch name', async () => {
    const repo = track(makeRepo());
    for (const base of ['main\u0000x', 'ma\nin', '\u0000', 'main\u007f']) {
      const err = await errorOf(resolveBase(repo, base));
      expect(err.code).toBe('invalid-name');
      expect(err.message).toContain('is not a valid branch name: it contains a control character');
    }
  });
});

describe('the contract', () => {
  it('refuses a base branch with a NUL before it reaches a service', () => {
    const params = methods['agents.create'].params;
    const parsed = params.safeParse({ repoId: 'r', kind: 'shell', base: 'main\u0000evil' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('not a valid branch name (it contains a control character)');
    expect(params.safeParse({ repoId: 'r', kind: 'shell', base: 'feature/x' }).success).toBe(true);
  });
});

describe('RepoService.open', () => {
  function service(dataDir: string, home = '/nowhere') {
    const t = makeTestDb();
    cleanups.push(t.cleanup);
    return { db: t.db, repos: new RepoService(t.db, home, async () => undefined, dataDir) };
  }

  it("refuses an agent's worktree, naming the repository to open instead", async () => {
    const repo = track(makeRepo({ 'src/a.ts': 'x\n' }));
    const dataDir = track(tempDir('flotilla-data-'));
    const { db, repos } = service(dataDir);
    const opened = await repos.open(repo);
    const worktree = join(dataDir, 'worktrees', 'repo-1234', 'brave-otter');
    sh(repo, 'worktree', 'add', '-q', '-b', 'flotilla/brave-otter', worktree);
    insertAgent(db, agentRow(opened.id, { name: 'Brave Otter', worktreePath: worktree }));

    for (const path of [worktree, join(worktree, 'src')]) {
      const err = await errorOf(repos.open(path));
      expect(err.code).toBe('invalid-params');
      expect(err.message).toBe(
        `${worktree} is the worktree of the Flotilla agent "Brave Otter", not a repository of its own. Open its repository, ${repo}, instead.`,
      );
    }
    expect(db.repos.recent(10).map((r) => r.path)).toEqual([repo]);
  });

  it("refuses an agent's worktree elsewhere, found by its record", async () => {
    const repo = track(makeRepo());
    const { db, repos } = service(track(tempDir('flotilla-data-')));
    const opened = await repos.open(repo);
    const worktree = join(track(tempDir()), 'moved');
    sh(repo, 'worktree', 'add', '-q', '-b', 'flotilla/moved', worktree);
    insertAgent(db, agentRow(opened.id, { name: 'Moved', worktreePath: worktree }));
    expect((await errorOf(repos.open(worktree))).message).toContain(`Open its repository, ${repo}, instead.`);
  });

  it("refuses a worktree in Flotilla's data folder that no agent record names", async () => {
    const repo = track(makeRepo());
    const dataDir = track(tempDir('flotilla-data-'));
    const { repos } = service(dataDir);
    const worktree = join(dataDir, 'worktrees', 'repo-1234', 'orphan');
    sh(repo, 'worktree', 'add', '-q', '-b', 'flotilla/orphan', worktree);
    const err = await errorOf(repos.open(worktree));
    expect(err.message).toBe(
      `${worktree} is an agent's worktree inside Flotilla's data folder, not a repository of its own. Open its repository, ${repo}, instead.`,
    );
  });

  it("opens the user's own linked worktree", async () => {
    const repo = track(makeRepo());
    const { repos } = service(track(tempDir('flotilla-data-')));
    const linked = join(track(tempDir()), 'mine');
    sh(repo, 'worktree', 'add', '-q', '-b', 'mine', linked);
    expect((await repos.open(linked)).path).toBe(linked);
  });

  it('opens a relative path from the home folder', async () => {
    const repo = track(makeRepo());
    const { repos } = service(track(tempDir('flotilla-data-')), dirname(repo));
    expect((await repos.open(basename(repo))).path).toBe(repo);
  });
});
