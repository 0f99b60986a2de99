/**
 * A confined agent attacks the repository through git, the way issue 6 found it could, and in
 * every other way git's documentation offers for getting a program run or a ref moved: config
 * that names programs (fsmonitor, filters, diff and merge drivers, signing, credential helpers,
 * pagers, editors, aliases, hooks…) written wherever the agent can write — the repository's
 * config, its worktree's `config.worktree`, a git folder its `.git` file is pointed at, a common
 * dir its `commondir` is pointed at, a nested repository — and ref changes of every kind. Then
 * Flotilla does everything it does with an agent's worktree (diff stat, changes, a file's diff,
 * the removal check, merge preview, merge, snapshot and removal) and the user runs git in their
 * own checkout. Nothing the agent named may run, and only the agent's own branch may move.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectSandbox, wrapCommand } from '../src/main/core/sandbox';
import { openView, prepareView, syncAgentBranch } from '../src/main/core/git/agent-branch';
import { computeDiffStat, computeDiffStatFromBase, listChanges, listChangesFromBase, mergeBaseFor, readFileDiff } from '../src/main/core/changes';
import { inspectWork, removeWorktree } from '../src/main/core/worktrees';
import { previewMerge, runMerge } from '../src/main/core/merge';
import { GIT_TEST_ENV, sh } from './helpers/repo';
import { addAgent, makeSandboxScene, type SandboxScene } from './helpers/sandbox-scene';

const info = await detectSandbox();

/** Every hook git knows (githooks(5)). */
const HOOKS = [
  'applypatch-msg', 'pre-applypatch', 'post-applypatch', 'pre-commit', 'pre-merge-commit', 'prepare-commit-msg',
  'commit-msg', 'post-commit', 'pre-rebase', 'post-checkout', 'post-merge', 'pre-push', 'pre-receive', 'update',
  'proc-receive', 'post-receive', 'post-update', 'reference-transaction', 'push-to-checkout', 'pre-auto-gc',
  'post-rewrite', 'sendemail-validate', 'fsmonitor-watchman', 'p4-changelist', 'p4-prepare-changelist',
  'p4-post-changelist', 'p4-pre-submit', 'post-index-change',
];

/** A config naming a program for every setting git documents as running one. */
function hostileConfig(pwn: (label: string) => string, hooksDir: string, includeFile: string): string {
  return `[core]
\tfsmonitor = ${pwn('fsmonitor')}
\thooksPath = ${hooksDir}
\tsshCommand = ${pwn('sshCommand')}
\tpager = ${pwn('pager')}
\teditor = ${pwn('editor')}
\taskPass = ${pwn('askPass')}
\tgitProxy = ${pwn('gitProxy')}
\talternateRefsCommand = ${pwn('alternateRefsCommand')}
[filter "evil"]
\tclean = ${pwn('clean')}
\tsmudge = ${pwn('smudge')}
\tprocess = ${pwn('process')}
\trequired = true
[diff "evil"]
\ttextconv = ${pwn('textconv')}
\tcommand = ${pwn('diffcommand')}
[diff]
\texternal = ${pwn('external-diff')}
[merge "evil"]
\tdriver = ${pwn('merge-driver')} %O %A %B
[gpg]
\tprogram = ${pwn('gpg')}
[gpg "ssh"]
\tprogram = ${pwn('gpg-ssh')}
\tdefaultKeyCommand = ${pwn('ssh-key')}
[gpg "x509"]
\tprogram = ${pwn('gpgsm')}
[commit]
\tgpgsign = true
[tag]
\tgpgsign = true
[credential]
\thelper = !${pwn('credential')}
[sequence]
\teditor = ${pwn('sequence-editor')}
[uploadpack]
\tpackObjectsHook = ${pwn('packObjectsHook')}
[gc]
\tauto = 1
\tautoDetach = false
[maintenance]
\tauto = true
[alias]
\tstatus = !${pwn('alias')}
[pager]
\tstatus = ${pwn('pager-status')}
\tdiff = ${pwn('pager-diff')}
[submodule]
\trecurse = true
[protocol]
\tallow = always
[include]
\tpath = ${includeFile}
`;
}

let scene: SandboxScene;
let other: SandboxScene;
let marker: string;
let initialMain: string;
let initialConfig: string;

const pwned = (): string[] => (existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n') : []);

/** Runs `script` in the agent's sandbox (network off, as the issue's attacks ran). */
function agent(script: string) {
  const cmd = wrapCommand({ file: '/bin/sh', args: ['-c', script] }, scene.options('off'));
  return spawnSync(cmd.file, cmd.args, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scene.home, LANG: 'C.UTF-8', ...GIT_TEST_ENV },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

beforeAll(async () => {
  if (!info.available) return;
  scene = await makeSandboxScene('a');
  other = await addAgent(scene.root, scene.repo, scene.dataDir, scene.home, 'b');
  sh(other.worktree, 'commit', '-q', '--allow-empty', '-m', 'work of agent b');
  initialMain = sh(scene.repo, 'rev-parse', 'main');
  initialConfig = readFileSync(join(scene.repo, '.git', 'config'), 'utf8');
  marker = join(scene.root, 'PWNED');
  const pwnScript = join(scene.root, 'pwn.sh');
  writeFileSync(pwnScript, `#!/bin/sh\necho "$1" >> '${marker}'\ncat >/dev/null 2>&1 </dev/null\nexit 0\n`);
  chmodSync(pwnScript, 0o755);
  const pwn = (label: string) => `${pwnScript} ${label}`;
  // Everything hostile is written by the agent itself, inside its sandbox, where it can.
  const evil = join(scene.state, 'evil');
  const files: Array<[string, string]> = [];
  const hooksDir = join(evil, 'hooks');
  for (const hook of HOOKS) files.push([join(hooksDir, hook), `#!/bin/sh\n${pwn(`hook-${hook}`)}\n`]);
  files.push([join(evil, 'include.cfg'), `[core]\n\tfsmonitor = ${pwn('included-fsmonitor')}\n`]);
  const config = hostileConfig(pwn, hooksDir, join(evil, 'include.cfg'));
  const script = [
    'set +e',
    `mkdir -p '${hooksDir}'`,
    ...files.map(([path, content]) => `printf '%s' '${content.replace(/'/g, "'\\''")}' > '${path}'; chmod +x '${path}'`),
    // 1. The repository's config, hooks and info: read-only.
    `git config core.fsmonitor '${pwn('repo-fsmonitor')}'`,
    `git config extensions.worktreeConfig true`,
    `git config filter.evil.clean '${pwn('repo-clean')}'`,
    `git config gpg.program '${pwn('repo-gpg')}'; git config commit.gpgsign true`,
    `printf '#!/bin/sh\\n${pwn('repo-hook')}\\n' > '${scene.repo}/.git/hooks/pre-commit'`,
    `echo '* filter=evil' > '${scene.repo}/.git/info/attributes'`,
    // 2. Its own worktree admin folder (writable): config.worktree, commondir.
    `printf '%s' '${config}' > '${scene.view.adminDir}/config.worktree'`,
    `mkdir -p '${evil}/common' && cp -r '${scene.repo}/.git/refs' '${scene.repo}/.git/HEAD' '${evil}/common/' && ln -s '${scene.repo}/.git/objects' '${evil}/common/objects'`,
    `printf '%s' '${config}' > '${evil}/common/config'`,
    `echo '${evil}/common' > '${scene.view.adminDir}/commondir'`,
    // 3. Its .git file, pointed at a git folder of its own.
    `mkdir -p '${evil}/gitdir' && cp '${scene.view.adminDir}/HEAD' '${evil}/gitdir/HEAD' && echo '${evil}/common' > '${evil}/gitdir/commondir'`,
    `printf '%s' '${config}' > '${evil}/gitdir/config.worktree'`,
    `echo 'gitdir: ${evil}/gitdir' > .git`,
    // 4. Attributes that select the drivers above, and a file for them to act on.
    `printf '* filter=evil diff=evil merge=evil\\n' > .gitattributes`,
    `echo 'agent change' >> README.md && echo 'new file' > added.txt`,
    // 5. A nested repository with the hostile config, registered as a submodule-like gitlink.
    `git init -q nested && (cd nested && git commit -q --allow-empty -m n) ; printf '%s' '${config}' >> nested/.git/config`,
    // 6. Refs: the base branch, another agent's branch, a forged archive, the reflog, objects.
    `git update-ref refs/heads/main $(git hash-object -t tree /dev/null 2>/dev/null || echo 4b825dc642cb6eb9a060e54bf8d69288fbee4904)`,
    `git update-ref refs/heads/main HEAD~0`,
    `git branch -D flotilla/b`,
    `git update-ref -d refs/heads/flotilla/b`,
    `git update-ref refs/flotilla/archive/forged/1 HEAD`,
    `git reflog expire --expire=now --all`,
    `rm -rf '${scene.repo}/.git/logs/refs/heads/main' '${scene.repo}/.git/refs/heads/main'`,
    `rm -rf '${scene.repo}/.git/objects/'??`,
    `git tag forged-tag`,
    `git stash`,
    `git gc --prune=now`,
    'exit 0',
  ].join('\n');
  const r = agent(script);
  expect(r.status, r.stderr).toBe(0);
});

afterAll(() => {
  other?.dispose();
  scene?.dispose();
});

describe.skipIf(!info.available)('a confined agent attacking the repository through git', () => {
  it('cannot write the repository config, hooks, attributes or refs, nor delete objects or reflogs', () => {
    expect(readFileSync(join(scene.repo, '.git', 'config'), 'utf8')).toBe(initialConfig);
    expect(existsSync(join(scene.repo, '.git', 'hooks', 'pre-commit'))).toBe(false);
    expect(existsSync(join(scene.repo, '.git', 'info', 'attributes'))).toBe(false);
    expect(sh(scene.repo, 'rev-parse', 'main')).toBe(initialMain);
    expect(sh(scene.repo, 'log', '-1', '--format=%s', 'flotilla/b')).toBe('work of agent b');
    expect(sh(scene.repo, 'for-each-ref', 'refs/flotilla/', 'refs/tags/', 'refs/stash')).toBe('');
    expect(sh(scene.repo, 'reflog', 'show', '--format=%gs', 'main').split('\n').length).toBeGreaterThan(0);
    expect(sh(scene.repo, 'fsck', '--no-dangling', '--strict')).toBe('');
  });

  it("runs nothing the agent named while Flotilla measures, lists, diffs and checks the agent's work", async () => {
    const from = await mergeBaseFor(scene.worktree, 'main', initialMain);
    expect(from).toBe(initialMain);
    const stat = await computeDiffStat(scene.worktree, from);
    expect(stat.files).toBeGreaterThanOrEqual(3); // README.md, added.txt, .gitattributes (+ nested)
    const changes = await listChanges(scene.worktree, from);
    expect(changes.files.map((f) => f.path)).toEqual(expect.arrayContaining(['.gitattributes', 'README.md', 'added.txt']));
    // The path the app takes: the view prepared once, the merge base and the list in one go.
    expect(await listChangesFromBase(scene.worktree, { ref: 'main', fallbackSha: initialMain })).toEqual(changes);
    expect(await computeDiffStatFromBase(scene.worktree, { ref: 'main', fallbackSha: initialMain })).toEqual(stat);
    const diff = await readFileDiff(scene.worktree, from, 'README.md', {});
    expect(diff.modified).toMatchObject({ kind: 'text' });
    const work = await inspectWork(scene.worktree, 'main');
    expect(work.hasWork).toBe(true);
    expect(pwned()).toEqual([]);
  });

  it('runs nothing the agent named when the user previews and runs the merge', async () => {
    const target = { topLevel: scene.repo, worktreePath: scene.worktree, branch: 'flotilla/a', baseRef: 'main', baseIsBranch: true };
    const preview = await previewMerge({ ...target, defaultMessage: 'x' });
    expect(preview.conflicts).toEqual([]);
    const result = await runMerge({ ...target, message: 'Merge the agent' });
    expect(sh(scene.repo, 'log', '-1', '--format=%s', 'main')).toBe('Merge the agent');
    expect(result.commit).toBe(sh(scene.repo, 'rev-parse', 'main'));
    expect(sh(scene.repo, 'fsck', '--no-dangling')).toBe('');
    expect(pwned()).toEqual([]);
  });

  it("runs nothing the agent named when the user then works in their own checkout", () => {
    writeFileSync(join(scene.repo, 'user.txt'), 'mine\n');
    sh(scene.repo, 'add', 'user.txt');
    sh(scene.repo, 'commit', '-q', '-m', 'user commit');
    sh(scene.repo, 'status');
    sh(scene.repo, 'worktree', 'list');
    expect(pwned()).toEqual([]);
  });

  it('runs nothing the agent named when Flotilla snapshots and removes the worktree', async () => {
    writeFileSync(join(scene.worktree, 'after-merge.txt'), 'more work\n');
    const { snapshotRef } = await removeWorktree({
      topLevel: scene.repo,
      worktreePath: scene.worktree,
      branch: 'flotilla/a',
      slug: 'a',
      baseRef: 'main',
      confirm: true,
    });
    expect(snapshotRef).toMatch(/^refs\/flotilla\/archive\/a\//);
    expect(sh(scene.repo, 'show', `${snapshotRef}:after-merge.txt`)).toBe('more work');
    expect(sh(scene.repo, 'fsck', '--no-dangling')).toBe('');
    expect(readdirSync(scene.root)).not.toContain('PWNED');
    expect(pwned()).toEqual([]);
  });
});

describe.skipIf(!info.available)("a confined agent's private branch copy", () => {
  let s: SandboxScene;
  beforeAll(async () => {
    s = await makeSandboxScene('c');
  });
  afterAll(() => s?.dispose());

  const inside = (script: string) => {
    const cmd = wrapCommand({ file: '/bin/sh', args: ['-c', script] }, s.options('off'));
    return spawnSync(cmd.file, cmd.args, { env: { PATH: process.env.PATH ?? '', HOME: s.home, ...GIT_TEST_ENV }, encoding: 'utf8' });
  };

  it('moves only the real branch of that agent, and only to a commit', async () => {
    const main = sh(s.repo, 'rev-parse', 'main');
    // A symbolic ref, another agent's name, a blob: none of them moves anything outside.
    expect(inside(`git commit -q --allow-empty -m one && git update-ref refs/heads/flotilla/other HEAD && echo 'ref: refs/heads/main' > '${s.repo}/.git/refs/heads/flotilla/c'`).status).toBe(0);
    expect(await syncAgentBranch(s.view)).toBe(main);
    expect(sh(s.repo, 'for-each-ref', '--format=%(refname)', 'refs/heads/')).toBe('refs/heads/flotilla/c\nrefs/heads/main');
    const blob = sh(s.repo, 'hash-object', '-w', 'README.md');
    writeFileSync(join(s.state, 'git', 'refs', 'c'), `${blob}\n`);
    expect(await syncAgentBranch(s.view)).toBe(main);
    // A real commit does.
    expect(inside('git update-ref refs/heads/flotilla/c HEAD@{1} 2>/dev/null; git reset -q --soft main && git commit -q --allow-empty -m two').status).toBe(0);
    const tip = await syncAgentBranch(s.view);
    expect(sh(s.repo, 'log', '-1', '--format=%s', tip!)).toBe('two');
    expect(sh(s.repo, 'reflog', 'show', '--format=%gs', 'flotilla/c').split('\n')[0]).toBe('flotilla: commits made by the agent');
  });

  it('keeps the admin folder it first found, whatever the .git file says later', async () => {
    const extra = await addAgent(s.root, s.repo, s.dataDir, s.home, 'd');
    try {
      writeFileSync(join(s.worktree, '.git'), `gitdir: ${extra.view.adminDir}\n`);
      const reopened = await openView({ worktreePath: s.worktree, commonDir: s.view.commonDir, viewDir: s.view.viewDir, branch: 'flotilla/c', privateGitDir: s.view.privateGitDir });
      expect(reopened.adminDir).toBe(join(s.repo, '.git', 'worktrees', 'c'));
      const { head } = await prepareView(reopened);
      expect(head).toBe(sh(s.repo, 'rev-parse', 'flotilla/c'));
    } finally {
      writeFileSync(join(s.worktree, '.git'), `gitdir: ${s.view.adminDir}\n`);
    }
  });
});
