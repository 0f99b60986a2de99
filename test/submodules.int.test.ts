/**
 * Submodules in agents' worktrees, on real repositories: initialised from the user's local
 * copies (no network, no repository hooks), and the agent's work inside them listed.
 */
import { chmodSync, existsSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initSubmodules, inspectSubmodules } from '../src/main/core/worktrees/submodules';
import { snapshotSubmodules } from '../src/main/core/worktrees/submodule-snapshot';
import { makeRepo, removeDir, sh, tempDir, writeFile } from './helpers/repo';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
});
function track(dir: string): string {
  dirs.push(dir);
  return dir;
}

/** git with the file protocol allowed, for adding local submodules in test setup. */
function shFile(cwd: string, ...args: string[]): string {
  return sh(cwd, '-c', 'protocol.file.allow=always', ...args);
}

interface Fixture {
  app: string;
  lib: string;
  deep: string;
  /** A fresh worktree of `app` at its HEAD, as `git worktree add` leaves it: submodule folders empty. */
  worktree: () => string;
}

/**
 * `app` has `vendor/lib` (which has its own submodule `deep`) and `vendor/other`; the user's
 * checkout has initialised vendor/lib and deep, not vendor/other.
 */
function fixture(): Fixture {
  const deep = track(makeRepo({ 'deep.txt': 'deep\n' }));
  const lib = track(makeRepo({ 'lib.txt': 'lib\n' }));
  shFile(lib, 'submodule', 'add', '-q', deep, 'deep');
  sh(lib, 'commit', '-qm', 'add deep');
  const other = track(makeRepo({ 'other.txt': 'other\n' }));
  const app = track(makeRepo({ 'app.txt': 'app\n' }));
  shFile(app, 'submodule', 'add', '-q', lib, 'vendor/lib');
  shFile(app, 'submodule', 'add', '-q', other, 'vendor/other');
  sh(app, 'commit', '-qm', 'add submodules');
  shFile(app, 'submodule', 'update', '--init', '--recursive', '-q');
  sh(app, 'submodule', 'deinit', '-q', 'vendor/other');
  const parent = track(tempDir('flotilla-wt-'));
  let n = 0;
  return {
    app,
    lib,
    deep,
    worktree: () => {
      const wt = join(parent, `wt${n++}`);
      sh(app, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '-q', '--detach', wt, 'HEAD');
      return wt;
    },
  };
}

// Each fixture makes four repositories and clones three submodules: slow on a busy machine.
const SLOW = { timeout: 180_000 };

describe('initSubmodules', SLOW, () => {
  it("initialises the submodules the user's checkout has, recursively, at the recorded commits", async () => {
    const f = fixture();
    const wt = f.worktree();
    expect(readdirSync(join(wt, 'vendor', 'lib'))).toEqual([]);
    const result = await initSubmodules({ userCheckout: f.app, worktreePath: wt, commit: sh(f.app, 'rev-parse', 'HEAD') });
    expect(result).toEqual([
      { path: 'vendor/lib', name: 'vendor/lib', state: 'initialised', reason: null },
      { path: 'vendor/lib/deep', name: 'deep', state: 'initialised', reason: null },
      { path: 'vendor/other', name: 'vendor/other', state: 'skipped', reason: 'not initialised in your checkout' },
    ]);
    expect(readFileSync(join(wt, 'vendor', 'lib', 'lib.txt'), 'utf8')).toBe('lib\n');
    expect(readFileSync(join(wt, 'vendor', 'lib', 'deep', 'deep.txt'), 'utf8')).toBe('deep\n');
    expect(sh(join(wt, 'vendor', 'lib'), 'rev-parse', 'HEAD')).toBe(sh(f.app, 'rev-parse', 'HEAD:vendor/lib'));
    expect(readdirSync(join(wt, 'vendor', 'other'))).toEqual([]);
    // It looks like the user's: same origin, and git in the worktree sees a clean, populated submodule.
    expect(sh(join(wt, 'vendor', 'lib'), 'config', '--get', 'remote.origin.url')).toBe(f.lib);
    expect(sh(wt, 'status', '--porcelain')).toBe('');
    const status = sh(wt, 'submodule', 'status', '--recursive').split('\n');
    // '-' not initialised, '+' another commit, 'U' conflicts; a clean one has none of these.
    expect(status.find((l) => l.includes(' vendor/lib '))).toMatch(/^ ?[0-9a-f]/);
    expect(status.find((l) => l.includes(' vendor/lib/deep'))).toMatch(/^ ?[0-9a-f]/);
    expect(status.find((l) => l.includes(' vendor/other'))).toMatch(/^-/);
  });

  it("runs no hook of the repository or of the user's submodule copies, and copies none", async () => {
    const f = fixture();
    const marker = join(track(tempDir()), 'ran');
    const hook = `#!/bin/sh\necho "$0" >> '${marker}'\n`;
    const hooks = [
      join(f.app, '.git', 'hooks', 'post-checkout'),
      join(f.app, '.git', 'modules', 'vendor', 'lib', 'hooks', 'post-checkout'),
      join(f.app, '.git', 'modules', 'vendor', 'lib', 'modules', 'deep', 'hooks', 'post-checkout'),
    ];
    for (const file of hooks) {
      writeFileSync(file, hook);
      chmodSync(file, 0o755);
    }
    const wt = f.worktree();
    await initSubmodules({ userCheckout: f.app, worktreePath: wt, commit: sh(f.app, 'rev-parse', 'HEAD') });
    expect(existsSync(join(wt, 'vendor', 'lib', 'deep', 'deep.txt'))).toBe(true);
    expect(existsSync(marker)).toBe(false);
    const copiedHooks = join(wt, 'vendor', 'lib', '.git', 'hooks');
    expect(existsSync(copiedHooks) ? readdirSync(copiedHooks) : []).toEqual([]);
  });

  it("skips, without fetching, a submodule whose recorded commit is not in the user's copy", async () => {
    const f = fixture();
    writeFile(f.lib, 'lib.txt', 'newer\n');
    sh(f.lib, 'commit', '-qam', 'newer');
    const newer = sh(f.lib, 'rev-parse', 'HEAD');
    // Record the newer commit without fetching it into the user's copy.
    sh(f.app, 'update-index', '--cacheinfo', `160000,${newer},vendor/lib`);
    sh(f.app, 'commit', '-qm', 'bump lib');
    const wt = f.worktree();
    const result = await initSubmodules({ userCheckout: f.app, worktreePath: wt, commit: sh(f.app, 'rev-parse', 'HEAD') });
    expect(result[0]).toEqual({
      path: 'vendor/lib',
      name: 'vendor/lib',
      state: 'skipped',
      reason: `commit ${newer.slice(0, 12)} is not in your checkout's copy of it; run git submodule update there first`,
    });
    expect(readdirSync(join(wt, 'vendor', 'lib'))).toEqual([]);
    // Nothing was fetched into the user's copy either.
    expect(() => sh(join(f.app, 'vendor', 'lib'), 'cat-file', '-e', newer)).toThrow();
  });

  it('does nothing for a repository without submodules', async () => {
    const repo = track(makeRepo());
    const wt = join(track(tempDir()), 'wt');
    sh(repo, 'worktree', 'add', '-q', '--detach', wt, 'HEAD');
    expect(await initSubmodules({ userCheckout: repo, worktreePath: wt, commit: sh(repo, 'rev-parse', 'HEAD') })).toEqual([]);
  });

  it("leaves the user's repository and submodule copies as they were", async () => {
    const f = fixture();
    const state = () => ({
      refs: sh(f.app, 'for-each-ref'),
      libRefs: sh(join(f.app, 'vendor', 'lib'), 'for-each-ref'),
      config: readFileSync(join(f.app, '.git', 'config'), 'utf8'),
      libConfig: readFileSync(join(f.app, '.git', 'modules', 'vendor', 'lib', 'config'), 'utf8'),
      status: sh(f.app, 'status', '--porcelain', '--ignore-submodules=none'),
      worktrees: readdirSync(join(f.app, '.git', 'modules', 'vendor', 'lib')).sort(),
    });
    const before = state();
    await initSubmodules({ userCheckout: f.app, worktreePath: f.worktree(), commit: sh(f.app, 'rev-parse', 'HEAD') });
    expect(state()).toEqual(before);
  });
});

describe('inspectSubmodules', SLOW, () => {
  it('lists edited, added and untracked files inside submodules, nested ones too, and commits only the agent has', async () => {
    const f = fixture();
    const wt = f.worktree();
    const head = sh(wt, 'rev-parse', 'HEAD');
    await initSubmodules({ userCheckout: f.app, worktreePath: wt, commit: head });
    const lib = join(wt, 'vendor', 'lib');
    const deep = join(lib, 'deep');
    expect(await inspectSubmodules(wt, head)).toEqual([
      expect.objectContaining({ path: 'vendor/lib', files: [], unsavedCommits: 0 }),
      expect.objectContaining({ path: 'vendor/lib/deep', files: [], unsavedCommits: 0 }),
    ]);

    writeFile(lib, 'lib.txt', 'edited by the agent\n');
    writeFile(lib, 'src/new file.ts', 'untracked\n');
    writeFile(deep, 'deep.txt', 'deep edit\n');
    sh(deep, 'commit', '-qam', 'agent commit in deep');

    const userObjects = () => sh(join(f.app, 'vendor', 'lib'), 'count-objects', '-v');
    const objectsBefore = userObjects();
    const work = await inspectSubmodules(wt, head);
    // Nothing of the agent's folder is written into the user's copy (an agent could read it there).
    expect(userObjects()).toBe(objectsBefore);
    expect(work.map((w) => [w.path, w.headSha, w.recordedSha, w.files, w.unsavedCommits])).toEqual([
      [
        'vendor/lib',
        sh(lib, 'rev-parse', 'HEAD'),
        sh(f.app, 'rev-parse', 'HEAD:vendor/lib'),
        [
          // The nested submodule's new commit changes its gitlink in lib's folder.
          { path: 'vendor/lib/deep', pathInSubmodule: 'deep', status: 'M' },
          { path: 'vendor/lib/lib.txt', pathInSubmodule: 'lib.txt', status: 'M' },
          { path: 'vendor/lib/src/new file.ts', pathInSubmodule: 'src/new file.ts', status: '?' },
        ],
        0,
      ],
      ['vendor/lib/deep', sh(deep, 'rev-parse', 'HEAD'), sh(lib, 'rev-parse', 'HEAD:deep'), [], 1],
    ]);
  });

  it("never runs a program that the agent named in a submodule's config, attributes or git folder", async () => {
    const f = fixture();
    const wt = f.worktree();
    const head = sh(wt, 'rev-parse', 'HEAD');
    await initSubmodules({ userCheckout: f.app, worktreePath: wt, commit: head });
    const lib = join(wt, 'vendor', 'lib');
    const marker = join(track(tempDir()), 'ran');
    plantHostileConfig(lib, marker);
    writeFile(lib, 'lib.txt', 'edited\n');
    const work = await inspectSubmodules(wt, head);
    expect(work[0]!.files.map((x) => x.path)).toEqual(['vendor/lib/.gitattributes', 'vendor/lib/evil-hooks/pre-commit', 'vendor/lib/lib.txt']);
    expect(existsSync(marker)).toBe(false);
    // The planted config is live: plain git run in the agent's copy, as before, runs it.
    expect(() => sh(lib, 'status', '--porcelain')).toThrow();
    expect(existsSync(marker)).toBe(true);
  });

  it('does not follow a folder on the way to a submodule that the agent made a symlink', async () => {
    const f = fixture();
    const wt = f.worktree();
    const head = sh(wt, 'rev-parse', 'HEAD');
    await initSubmodules({ userCheckout: f.app, worktreePath: wt, commit: head });
    // The agent moves vendor/ away and points vendor at a copy elsewhere, holding a "secret".
    const outside = join(track(tempDir()), 'vendor');
    renameSync(join(wt, 'vendor'), outside);
    writeFile(outside, 'lib/secret.txt', 'not the agent\'s to read\n');
    symlinkSync(outside, join(wt, 'vendor'));
    expect(await inspectSubmodules(wt, head)).toEqual([]);
  });

  it('lists nothing for a worktree whose submodules are not checked out', async () => {
    const f = fixture();
    const wt = f.worktree();
    expect(await inspectSubmodules(wt, sh(wt, 'rev-parse', 'HEAD'))).toEqual([]);
  });
});

describe('snapshotSubmodules', SLOW, () => {
  it("saves edits, new files and new commits inside submodules into the user's copies, so removal loses nothing", async () => {
    const f = fixture();
    const wt = f.worktree();
    const head = sh(wt, 'rev-parse', 'HEAD');
    await initSubmodules({ userCheckout: f.app, worktreePath: wt, commit: head });
    const lib = join(wt, 'vendor', 'lib');
    const deep = join(lib, 'deep');
    writeFile(lib, 'lib.txt', 'edited by the agent\n');
    writeFile(lib, 'new.txt', 'a new file\n');
    writeFile(deep, 'deep.txt', 'committed in deep\n');
    sh(deep, 'commit', '-qam', 'agent commit in deep');
    const deepHead = sh(deep, 'rev-parse', 'HEAD');
    // The agent names programs in its copy: saving its work must not run them.
    const marker = join(track(tempDir()), 'ran');
    plantHostileConfig(lib, marker);

    const saved = await snapshotSubmodules({ worktreePath: wt, headSha: head, refName: 'refs/flotilla/archive/x/1', message: 'snap' });
    expect(saved.map((s) => [s.path, s.ref, s.depth])).toEqual([
      ['vendor/lib/deep', 'refs/flotilla/archive/x/1', 1],
      ['vendor/lib', 'refs/flotilla/archive/x/1', 0],
    ]);
    expect(existsSync(marker)).toBe(false);

    // Everything is readable from the user's own checkout, even with the worktree gone.
    removeDir(wt);
    sh(f.app, 'worktree', 'prune');
    const userLib = join(f.app, 'vendor', 'lib');
    const userDeep = join(userLib, 'deep');
    expect(sh(userLib, 'show', 'refs/flotilla/archive/x/1:lib.txt')).toBe('edited by the agent');
    expect(sh(userLib, 'show', 'refs/flotilla/archive/x/1:new.txt')).toBe('a new file');
    // lib's snapshot records deep's snapshot, which holds the agent's commit.
    expect(sh(userLib, 'rev-parse', 'refs/flotilla/archive/x/1:deep')).toBe(sh(userDeep, 'rev-parse', 'refs/flotilla/archive/x/1'));
    expect(sh(userDeep, 'rev-parse', 'refs/flotilla/archive/x/1')).toBe(deepHead);
    expect(sh(userDeep, 'show', `${deepHead}:deep.txt`)).toBe('committed in deep');
    expect(sh(userDeep, 'fsck', '--no-dangling')).toBe('');
    // The user's checkouts of the submodules did not change.
    expect(sh(userLib, 'status', '--porcelain')).toBe('');
    expect(readFileSync(join(userLib, 'lib.txt'), 'utf8')).toBe('lib\n');
  });

  it('saves nothing when the submodules hold no work of their own', async () => {
    const f = fixture();
    const wt = f.worktree();
    const head = sh(wt, 'rev-parse', 'HEAD');
    await initSubmodules({ userCheckout: f.app, worktreePath: wt, commit: head });
    expect(await snapshotSubmodules({ worktreePath: wt, headSha: head, refName: 'refs/flotilla/archive/x/1', message: 'snap' })).toEqual([]);
  });
});

/**
 * Writes into the agent's copy of a submodule every way it has to name a program: fsmonitor,
 * hooks, a clean filter selected by its attributes, a textconv driver, an external diff, and a
 * `.git` made a symlink is not tried here (the copy must stay a clone the agent can commit in).
 */
function plantHostileConfig(folder: string, marker: string): void {
  const program = `touch '${marker}'; false`;
  const config = join(folder, '.git', 'config');
  const add = (key: string, value: string) => sh(folder, 'config', '--file', config, key, value);
  add('core.fsmonitor', program);
  add('core.hooksPath', join(folder, 'evil-hooks'));
  add('filter.evil.clean', program);
  add('filter.evil.smudge', program);
  add('filter.evil.required', 'true');
  add('diff.evil.textconv', program);
  add('diff.external', program);
  add('core.alternateRefsCommand', program);
  writeFile(folder, '.gitattributes', '* filter=evil diff=evil\n');
  const hook = join(folder, 'evil-hooks', 'pre-commit');
  writeFile(folder, 'evil-hooks/pre-commit', `#!/bin/sh\n${program}\n`);
  chmodSync(hook, 0o755);
  writeFile(folder, '.git/hooks/post-index-change', `#!/bin/sh\n${program}\n`);
  chmodSync(join(folder, '.git', 'hooks', 'post-index-change'), 0o755);
}
