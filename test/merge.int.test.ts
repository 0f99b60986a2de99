import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { previewMerge, runMerge } from '../src/main/core/merge';
import { makeRepo, removeDir, sh, tempDir, writeFile } from './helpers/repo';

const cleanups: string[] = [];
afterEach(() => {
  while (cleanups.length) removeDir(cleanups.pop() as string);
});

interface Fixture {
  repo: string;
  wt: string;
  target: { topLevel: string; worktreePath: string; branch: string; baseRef: string; baseIsBranch: boolean };
}

/** A repository whose user checkout is on `main`, and an agent worktree on `flotilla/x`. */
function setup(files: Record<string, string> = { 'a.txt': 'a\n', 'b.txt': 'b\n' }): Fixture {
  const repo = makeRepo(files);
  const parent = tempDir('flotilla-wt-');
  cleanups.push(repo, parent);
  const wt = join(parent, 'x');
  sh(repo, 'worktree', 'add', '-q', '-b', 'flotilla/x', wt, 'main');
  return { repo, wt, target: { topLevel: repo, worktreePath: wt, branch: 'flotilla/x', baseRef: 'main', baseIsBranch: true } };
}

function read(root: string, rel: string): string {
  return readFileSync(join(root, rel), 'utf8');
}

/** Everything a failed merge must leave exactly as it was. */
function snapshot(f: Fixture): Record<string, string> {
  return {
    main: sh(f.repo, 'rev-parse', 'main'),
    agentHead: sh(f.wt, 'rev-parse', 'HEAD'),
    agentStatus: sh(f.wt, 'status', '--porcelain', '--untracked-files=all'),
    userHead: sh(f.repo, 'rev-parse', 'HEAD'),
    userStatus: sh(f.repo, 'status', '--porcelain', '--untracked-files=all'),
    stashes: sh(f.repo, 'stash', 'list'),
  };
}

describe('previewMerge', () => {
  it('reports a clean merge with committed and uncommitted work', async () => {
    const f = setup();
    writeFile(f.wt, 'a.txt', 'agent\n');
    sh(f.wt, 'commit', '-qam', 'agent commit');
    writeFile(f.wt, 'new.txt', 'untracked\n');
    const preview = await previewMerge({ ...f.target, defaultMessage: 'msg' });
    expect(preview).toEqual({
      baseBranch: 'main',
      canMerge: true,
      conflicts: [],
      uncommittedFiles: 1,
      commitsAhead: 1,
      blocker: null,
      defaultMessage: 'msg',
    });
  });

  it('lists the files that would conflict, counting uncommitted changes', async () => {
    const f = setup();
    sh(f.repo, 'checkout', '-q', '-b', 'other');
    writeFile(f.repo, 'a.txt', 'main side\n');
    writeFile(f.repo, 'b.txt', 'main side\n');
    sh(f.repo, 'commit', '-qam', 'main edits');
    sh(f.repo, 'branch', '-f', 'main', 'other');
    writeFile(f.wt, 'a.txt', 'agent side\n');
    writeFile(f.wt, 'b.txt', 'agent side\n');
    const preview = await previewMerge({ ...f.target, defaultMessage: 'msg' });
    expect(preview.conflicts).toEqual(['a.txt', 'b.txt']);
    expect(preview.canMerge).toBe(false);
    expect(preview.uncommittedFiles).toBe(2);
  });

  it('is blocked when the base is checked out with uncommitted changes', async () => {
    const f = setup();
    writeFile(f.repo, 'b.txt', 'user edit\n');
    writeFile(f.wt, 'a.txt', 'agent\n');
    const preview = await previewMerge({ ...f.target, defaultMessage: 'msg' });
    expect(preview.canMerge).toBe(false);
    expect(preview.blocker).toMatchObject({
      code: 'checkout-dirty',
      message: `main is checked out in ${f.repo} with uncommitted changes. Commit or stash them there, then merge.`,
    });
  });

  it('is blocked when the agent changed nothing', async () => {
    const f = setup();
    const preview = await previewMerge({ ...f.target, defaultMessage: 'msg' });
    expect(preview.canMerge).toBe(false);
    expect(preview.blocker?.code).toBe('nothing-to-merge');
  });

  it('is blocked for an agent started from a detached commit', async () => {
    const f = setup();
    writeFile(f.wt, 'a.txt', 'agent\n');
    const preview = await previewMerge({ ...f.target, baseRef: sh(f.repo, 'rev-parse', 'main'), baseIsBranch: false, defaultMessage: 'msg' });
    expect(preview.canMerge).toBe(false);
    expect(preview.blocker).toMatchObject({ code: 'unsupported', message: 'This agent started from a detached commit; there is no branch to merge into.' });
  });
});

describe('runMerge', () => {
  it("squashes committed and uncommitted work into one commit on main, leaving the user's other branch untouched", async () => {
    const f = setup();
    sh(f.repo, 'checkout', '-q', '-b', 'other');
    writeFile(f.repo, 'a.txt', 'user work in progress\n');
    writeFile(f.repo, 'scratch.txt', 'user scratch\n');
    const userStatus = sh(f.repo, 'status', '--porcelain');
    const oldMain = sh(f.repo, 'rev-parse', 'main');

    writeFile(f.wt, 'b.txt', 'agent committed\n');
    sh(f.wt, 'commit', '-qam', 'agent commit');
    writeFile(f.wt, 'a.txt', 'agent uncommitted\n');
    writeFile(f.wt, 'dir/new file.txt', 'agent untracked\n');

    const result = await runMerge({ ...f.target, message: 'Add the feature\n\nSquash-merged.' });

    expect(result).toEqual({
      commit: sh(f.repo, 'rev-parse', 'main'),
      baseBranch: 'main',
      checkoutUpdated: false,
      // Recorded so that removing the agent later knows this work is in main.
      agentTree: sh(f.wt, 'rev-parse', 'HEAD^{tree}'),
    });
    expect(sh(f.repo, 'rev-list', '--parents', '-n', '1', 'main')).toBe(`${result.commit} ${oldMain}`);
    expect(sh(f.repo, 'log', '-1', '--format=%s', 'main')).toBe('Add the feature');
    expect(sh(f.repo, 'show', 'main:a.txt')).toBe('agent uncommitted');
    expect(sh(f.repo, 'show', 'main:b.txt')).toBe('agent committed');
    expect(sh(f.repo, 'show', 'main:dir/new file.txt')).toBe('agent untracked');
    // The merged tree is exactly the agent's work.
    expect(sh(f.repo, 'rev-parse', 'main^{tree}')).toBe(sh(f.wt, 'rev-parse', 'HEAD^{tree}'));
    expect(sh(f.wt, 'status', '--porcelain')).toBe('');

    expect(sh(f.repo, 'symbolic-ref', 'HEAD')).toBe('refs/heads/other');
    expect(sh(f.repo, 'status', '--porcelain')).toBe(userStatus);
    expect(read(f.repo, 'a.txt')).toBe('user work in progress\n');
    expect(read(f.repo, 'scratch.txt')).toBe('user scratch\n');
    expect(sh(f.repo, 'stash', 'list')).toBe('');
  });

  it('fast-forwards a clean checkout of main so its files update on disk', async () => {
    const f = setup();
    writeFile(f.repo, 'untracked-note.txt', 'keep me\n');
    writeFile(f.wt, 'a.txt', 'agent\n');
    writeFile(f.wt, 'added.txt', 'added\n');

    const result = await runMerge({ ...f.target, message: 'Agent work' });

    expect(result.checkoutUpdated).toBe(true);
    expect(sh(f.repo, 'rev-parse', 'HEAD')).toBe(result.commit);
    expect(sh(f.repo, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
    expect(read(f.repo, 'a.txt')).toBe('agent\n');
    expect(read(f.repo, 'added.txt')).toBe('added\n');
    expect(read(f.repo, 'untracked-note.txt')).toBe('keep me\n');
    expect(sh(f.repo, 'status', '--porcelain')).toBe('?? untracked-note.txt');
  });

  it('changes nothing anywhere when the merge would conflict', async () => {
    const f = setup();
    writeFile(f.repo, 'a.txt', 'main side\n');
    writeFile(f.repo, 'b.txt', 'main side\n');
    sh(f.repo, 'commit', '-qam', 'main edits');
    writeFile(f.wt, 'a.txt', 'agent side\n');
    sh(f.wt, 'commit', '-qam', 'agent commit');
    writeFile(f.wt, 'b.txt', 'agent uncommitted\n');
    writeFile(f.wt, 'u.txt', 'untracked\n');
    const before = snapshot(f);

    await expect(runMerge({ ...f.target, message: 'msg' })).rejects.toMatchObject({
      code: 'merge-conflict',
      message: 'Merging flotilla/x into main would conflict in 2 files: a.txt, b.txt. Nothing was changed.',
      details: { files: ['a.txt', 'b.txt'] },
    });
    expect(snapshot(f)).toEqual(before);
  });

  it('refuses when main is checked out with uncommitted changes, and changes nothing', async () => {
    const f = setup();
    writeFile(f.repo, 'b.txt', 'user edit\n');
    writeFile(f.wt, 'a.txt', 'agent\n');
    const before = snapshot(f);

    await expect(runMerge({ ...f.target, message: 'msg' })).rejects.toMatchObject({ code: 'checkout-dirty' });
    expect(snapshot(f)).toEqual(before);
    expect(read(f.repo, 'b.txt')).toBe('user edit\n');
  });

  it('refuses when the fast-forward would overwrite an untracked file in the base checkout', async () => {
    const f = setup();
    writeFile(f.repo, 'clash.txt', 'user file\n');
    writeFile(f.wt, 'clash.txt', 'agent file\n');
    const before = snapshot(f);

    await expect(runMerge({ ...f.target, message: 'msg' })).rejects.toMatchObject({ code: 'checkout-dirty', details: { files: ['clash.txt'] } });
    expect(snapshot(f)).toEqual(before);
  });

  it('commits with a fallback identity when none is configured', async () => {
    const f = setup();
    // Off main, so the branch moves by update-ref rather than by a fast-forward.
    sh(f.repo, 'checkout', '-q', '-b', 'other');
    const home = tempDir('flotilla-home-');
    cleanups.push(home);
    sh(f.repo, 'config', '--unset', 'user.name');
    sh(f.repo, 'config', '--unset', 'user.email');
    writeFile(f.wt, 'a.txt', 'agent\n');
    const savedHome = process.env.HOME;
    const savedXdg = process.env.XDG_CONFIG_HOME;
    process.env.HOME = home;
    delete process.env.XDG_CONFIG_HOME;
    try {
      const result = await runMerge({ ...f.target, message: 'msg' });
      expect(result.checkoutUpdated).toBe(false);
      expect(sh(f.repo, 'log', '-1', '--format=%an <%ae>', 'flotilla/x')).toBe('Flotilla <flotilla@localhost>');
      expect(sh(f.repo, 'log', '-1', '--format=%an <%ae>|%cn <%ce>', result.commit)).toBe(
        'Flotilla <flotilla@localhost>|Flotilla <flotilla@localhost>',
      );
    } finally {
      process.env.HOME = savedHome;
      if (savedXdg !== undefined) process.env.XDG_CONFIG_HOME = savedXdg;
    }
  });

  it('refuses to merge an agent started from a detached commit', async () => {
    const f = setup();
    writeFile(f.wt, 'a.txt', 'agent\n');
    await expect(runMerge({ ...f.target, baseIsBranch: false, message: 'msg' })).rejects.toMatchObject({ code: 'unsupported' });
    expect(existsSync(join(f.wt, 'a.txt'))).toBe(true);
    expect(sh(f.wt, 'status', '--porcelain')).toBe('M a.txt');
  });
});
