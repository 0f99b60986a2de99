/**
 * classifyGitError against the stderr real git writes (C locale, as every Flotilla call runs):
 * each failure is produced in a temp repository through the door, and its stderr and its kind
 * are checked. Ref verbs (git/refs.ts) are proven here too: they rely on these kinds.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyGitError, git, GitError, type GitErrorKind } from '../src/main/core/git/core';
import { commitOf, createRef, deleteRefIfAt } from '../src/main/core/git/refs';
import { makeRepo, removeDir, sh, tempDir } from './helpers/repo';

const repo = makeRepo({ 'a.txt': 'a\n' });
const outside = tempDir('flotilla-norepo-');
afterAll(() => {
  removeDir(repo);
  removeDir(outside);
});

/** The GitError a failing call raises (the test fails if it succeeds). */
async function failure(args: string[], cwd = repo): Promise<GitError> {
  const err = await git(args, { cwd, env: { GIT_CEILING_DIRECTORIES: outside } }).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof GitError)) throw new Error(`git ${args.join(' ')} did not fail with a GitError`);
  return err;
}

async function expectKind(args: string[], kind: GitErrorKind, cwd = repo): Promise<string> {
  const err = await failure(args, cwd);
  expect(err.kind, `git ${args.join(' ')}: ${err.stderr}`).toBe(kind);
  expect(classifyGitError(err.stderr)).toBe(kind);
  return err.stderr;
}

describe('classifyGitError on real git stderr', () => {
  it('names a folder that is not a repository', async () => {
    await expectKind(['status'], 'not-a-repository', outside);
  });

  it('names revisions and objects that do not exist', async () => {
    await expectKind(['rev-parse', '--verify', 'nope^{commit}'], 'bad-revision');
    await expectKind(['log', 'nope', '--'], 'bad-revision');
    await expectKind(['cat-file', '-p', 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef'], 'bad-revision');
  });

  it('names a branch or ref that already exists', async () => {
    await expectKind(['branch', 'main'], 'branch-exists');
    const head = sh(repo, 'rev-parse', 'HEAD');
    await expectKind(['update-ref', 'refs/heads/main', head, ''], 'branch-exists');
  });

  it('names an invalid branch name', async () => {
    await expectKind(['branch', 'a..b'], 'invalid-ref-name');
  });

  it('names a worktree folder or branch already in use', async () => {
    const parent = tempDir('flotilla-wt-');
    try {
      mkdirSync(join(parent, 'full'));
      writeFileSync(join(parent, 'full', 'x'), 'x');
      await expectKind(['worktree', 'add', join(parent, 'full'), '-b', 'wt-a'], 'worktree-exists');
      await expectKind(['worktree', 'add', join(parent, 'second'), 'main'], 'worktree-exists');
    } finally {
      removeDir(parent);
    }
  });

  it('names local changes that a checkout would overwrite', async () => {
    const dir = makeRepo({ 'f.txt': 'one\n' });
    try {
      sh(dir, 'checkout', '-q', '-b', 'other');
      writeFileSync(join(dir, 'f.txt'), 'two\n');
      sh(dir, 'commit', '-q', '-am', 'two');
      sh(dir, 'checkout', '-q', 'main');
      writeFileSync(join(dir, 'f.txt'), 'local\n');
      await expectKind(['checkout', 'other'], 'dirty-worktree', dir);
    } finally {
      removeDir(dir);
    }
  });

  it('names a lock another git process holds', async () => {
    const dir = makeRepo();
    try {
      writeFileSync(join(dir, '.git', 'index.lock'), '');
      writeFileSync(join(dir, 'new.txt'), 'n\n');
      const stderr = await expectKind(['add', 'new.txt'], 'lock-failed', dir);
      expect(stderr).toMatch(/index\.lock/);
    } finally {
      removeDir(dir);
    }
  });

  it('names a compare-and-swap on a ref that moved or is gone', async () => {
    const head = sh(repo, 'rev-parse', 'HEAD');
    sh(repo, 'update-ref', 'refs/heads/moved', head);
    await expectKind(['update-ref', '-d', 'refs/heads/moved', '0123456789012345678901234567890123456789'], 'ref-moved');
    await expectKind(['update-ref', '-d', 'refs/heads/never-was', head], 'ref-moved');
  });

  it('leaves anything else unknown', async () => {
    await expectKind(['no-such-command'], 'unknown');
  });
});

describe('ref verbs', () => {
  it('resolves a ref to its commit, and anything else to nothing', async () => {
    expect(await commitOf(repo, 'main')).toBe(sh(repo, 'rev-parse', 'main'));
    expect(await commitOf(repo, 'refs/heads/nope')).toBe('');
    expect(await commitOf(repo, 'main^{tree}')).toBe('');
    expect(await commitOf(repo, '--output=/tmp/x')).toBe('');
  });

  it('creates a ref that never overwrites: an existing name gets the next free suffix', async () => {
    const head = sh(repo, 'rev-parse', 'HEAD');
    const first = await createRef('refs/flotilla/test/snap', head, 'test', { cwd: repo });
    const second = await createRef('refs/flotilla/test/snap', head, 'test', { cwd: repo });
    const third = await createRef('refs/flotilla/test/snap', head, 'test', { cwd: repo });
    expect([first, second, third]).toEqual(['refs/flotilla/test/snap', 'refs/flotilla/test/snap-2', 'refs/flotilla/test/snap-3']);
  });

  it('deletes a branch only while its tip is the expected one', async () => {
    const dir = makeRepo();
    try {
      const start = sh(dir, 'rev-parse', 'HEAD');
      sh(dir, 'branch', 'agent');
      sh(dir, 'commit', '-q', '--allow-empty', '-m', 'later');
      const later = sh(dir, 'rev-parse', 'HEAD');
      sh(dir, 'update-ref', 'refs/heads/agent', later);
      expect(await deleteRefIfAt('refs/heads/agent', start, { cwd: dir })).toBe(false);
      expect(sh(dir, 'rev-parse', 'refs/heads/agent')).toBe(later);
      expect(await deleteRefIfAt('refs/heads/agent', later, { cwd: dir })).toBe(true);
      expect(await commitOf(dir, 'refs/heads/agent')).toBe('');
    } finally {
      removeDir(dir);
    }
  });
});
