/**
 * A confined agent (real bubblewrap) in a worktree with an initialised submodule: it can commit
 * inside the submodule like in any clone, and plants programs in the submodule's config and
 * attributes; Flotilla then measures, lists, diffs, checks and snapshots that work, and removes
 * the worktree, without running any of them, and the snapshot holds all of it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectSandbox, wrapCommand } from '../src/main/core/sandbox';
import { computeDiffStat, listChanges, readFileDiff } from '../src/main/core/changes';
import { initSubmodules, inspectWork, removeWorktree } from '../src/main/core/worktrees';
import { GIT_TEST_ENV, sh } from './helpers/repo';
import { addAgent, type SandboxScene } from './helpers/sandbox-scene';

const info = await detectSandbox();

describe.skipIf(!info.available)('a confined agent working inside a submodule', { timeout: 240_000 }, () => {
  let s: SandboxScene;
  let marker: string;
  let base: string;

  const inside = (script: string) => {
    const cmd = wrapCommand({ file: '/bin/sh', args: ['-c', script] }, s.options('off'));
    return spawnSync(cmd.file, cmd.args, { env: { PATH: process.env.PATH ?? '', HOME: s.home, ...GIT_TEST_ENV }, encoding: 'utf8' });
  };

  beforeAll(async () => {
    // Under /var/tmp, not /tmp: the sandbox's private /tmp would hide the scene (see sandbox-scene.ts).
    const root = realpathSync(mkdtempSync('/var/tmp/flotilla-sandbox-'));
    const lib = join(root, 'lib');
    const repo = join(root, 'repo');
    for (const dir of [lib, repo, join(root, 'home'), join(root, 'data', 'worktrees')]) mkdirSync(dir, { recursive: true });
    for (const dir of [lib, repo]) {
      sh(dir, 'init', '-q', '-b', 'main');
      sh(dir, 'config', 'commit.gpgsign', 'false');
    }
    writeFileSync(join(lib, 'lib.txt'), 'lib\n');
    sh(lib, 'add', '-A');
    sh(lib, 'commit', '-q', '-m', 'lib');
    writeFileSync(join(repo, 'README.md'), '# test\n');
    sh(repo, 'add', '-A');
    sh(repo, 'commit', '-q', '-m', 'initial');
    sh(repo, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', lib, 'vendor/lib');
    sh(repo, 'commit', '-q', '-m', 'add lib');
    s = await addAgent(root, repo, join(root, 'data'), join(root, 'home'), 'sub');
    base = sh(repo, 'rev-parse', 'main');
    // As AgentService.create does, with the worktree's view already registered here.
    const setup = await initSubmodules({ userCheckout: repo, worktreePath: s.worktree, commit: base });
    expect(setup).toEqual([{ path: 'vendor/lib', name: 'vendor/lib', state: 'initialised', reason: null }]);
    marker = join(root, 'PWNED');
    const program = `touch '${marker}'; false`;
    const r = inside(
      [
        'cd vendor/lib',
        "printf 'agent work\\n' > lib.txt",
        'git add lib.txt',
        "git commit -q -m 'agent commit in lib'",
        // Stages the submodule's new commit in the worktree, as an agent bumping it would.
        'git -C ../.. add vendor/lib',
        "printf 'not committed\\n' > notes.txt",
        `git config core.fsmonitor "${program}"`,
        `git config filter.evil.clean "${program}"`,
        `git config filter.evil.process "${program}"`,
        'git config filter.evil.required true',
        `git config diff.evil.textconv "${program}"`,
        `git config core.alternateRefsCommand "${program}"`,
        `git config uploadpack.packObjectsHook "${program}"`,
        "printf '* filter=evil diff=evil\\n' > .gitattributes",
        // Same content, new mtime: git must re-read the file, through the filter, to compare it.
        "touch -m -d '2001-01-01' lib.txt",
      ].join(' && '),
    );
    expect(r.status, r.stderr).toBe(0);
  });
  afterAll(() => s?.dispose());

  it('commits inside the submodule from the sandbox; the commit is only in its copy', () => {
    const lib = join(s.worktree, 'vendor', 'lib');
    expect(sh(lib, '-c', 'core.fsmonitor=false', 'log', '-1', '--format=%s')).toBe('agent commit in lib');
    expect(() => sh(join(s.repo, 'vendor', 'lib'), 'cat-file', '-e', sh(lib, '-c', 'core.fsmonitor=false', 'rev-parse', 'HEAD'))).toThrow();
  });

  it('lists, measures, diffs and counts the work without running anything the agent named', async () => {
    const changes = await listChanges(s.worktree, base);
    expect(changes.files.map((f) => [f.path, f.status])).toEqual([
      ['vendor/lib/.gitattributes', '?'],
      ['vendor/lib/lib.txt', 'M'],
      ['vendor/lib/notes.txt', '?'],
    ]);
    expect(await computeDiffStat(s.worktree, base)).toEqual(changes.stat);
    const diff = await readFileDiff(s.worktree, base, 'vendor/lib/lib.txt', {});
    expect(diff.original).toMatchObject({ kind: 'text', text: 'lib\n' });
    expect(diff.modified).toMatchObject({ kind: 'text', text: 'agent work\n' });
    const check = await inspectWork(s.worktree, 'main');
    expect(check).toMatchObject({ untracked: 2, commitsAhead: 1, hasWork: true });
    expect(existsSync(marker)).toBe(false);
  });

  it('snapshots the work into the user\'s copy of the submodule and removes the worktree, running nothing', async () => {
    await expect(
      removeWorktree({ topLevel: s.repo, worktreePath: s.worktree, branch: 'flotilla/sub', slug: 'sub', baseRef: 'main', confirm: false }),
    ).rejects.toMatchObject({ code: 'needs-confirmation' });
    const { snapshotRef } = await removeWorktree({
      topLevel: s.repo,
      worktreePath: s.worktree,
      branch: 'flotilla/sub',
      slug: 'sub',
      baseRef: 'main',
      confirm: true,
    });
    expect(existsSync(s.worktree)).toBe(false);
    expect(existsSync(marker)).toBe(false);
    const userLib = join(s.repo, 'vendor', 'lib');
    // The worktree's snapshot records the submodule's snapshot, kept under the same ref name there.
    const subSnapshot = sh(s.repo, 'rev-parse', `${snapshotRef}:vendor/lib`);
    expect(sh(userLib, 'rev-parse', snapshotRef!)).toBe(subSnapshot);
    expect(sh(userLib, 'show', `${subSnapshot}:lib.txt`)).toBe('agent work');
    expect(sh(userLib, 'show', `${subSnapshot}:notes.txt`)).toBe('not committed');
    expect(sh(userLib, 'log', '-1', '--format=%s', `${subSnapshot}^`)).toBe('agent commit in lib');
    expect(sh(userLib, 'fsck', '--no-dangling', '--strict')).toBe('');
  });
});
