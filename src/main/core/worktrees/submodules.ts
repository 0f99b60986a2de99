/**
 * Submodules in agents' worktrees. `git worktree add` leaves every submodule folder empty; an
 * agent gets the submodules the user's own checkout has initialised, made from the user's local
 * copies: no network, no repository-defined program (hooks off, no templates), nothing written
 * to the user's repository or its submodules. And the work an agent does inside them is listed,
 * so that Changes and snapshots can include it.
 *
 * Every git call that runs inside an agent's worktree or one of its submodules takes
 * `SubmoduleGitOptions`: the agent can write those folders' config, so the caller decides how
 * such calls are hardened (the baseline below switches off the settings known to run programs).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { git, GitError, gitText } from '../git/core';
import { parseStatusZ } from '../git/parse';

const CLONE_TIMEOUT_MS = 600_000;
/** Submodules of submodules are followed this deep, no deeper (a cycle cannot recurse forever). */
export const MAX_SUBMODULE_DEPTH = 8;

/**
 * How git runs inside a folder the agent can write. `configArgs` go before the verb on every
 * such call (`-c key=value` pairs) and `env` is added to git's fixed environment.
 */
export interface SubmoduleGitOptions {
  configArgs?: string[];
  env?: Record<string, string>;
}

/** Settings that make git run a program, switched off for every call in an agent's folders. */
const BASELINE_CONFIG = [
  '-c', 'core.hooksPath=/dev/null',
  '-c', 'core.fsmonitor=false',
  '-c', 'diff.external=',
  '-c', 'protocol.allow=never',
  '-c', 'protocol.file.allow=always',
];

function agentGit(args: string[], cwd: string, options: SubmoduleGitOptions, extra: { okExitCodes?: number[]; timeoutMs?: number } = {}) {
  return git([...BASELINE_CONFIG, ...(options.configArgs ?? []), ...args], { cwd, env: options.env, ...extra });
}

/** One submodule as `.gitmodules` names it, with the commit the superproject records for it. */
interface Gitlink {
  name: string;
  path: string;
  sha: string;
}

export interface SubmoduleSetup {
  /** Path from the worktree's top level. */
  path: string;
  name: string;
  /** `initialised`: checked out at the recorded commit; `skipped`: left empty, `reason` says why. */
  state: 'initialised' | 'skipped';
  reason: string | null;
}

/**
 * Gitlinks that `.gitmodules` at `commit` names, read from the object store at `gitDir` (the
 * user's repository or one of its submodules' git dirs): no working tree, no config of the repo.
 */
async function gitlinksAt(gitDir: string, commit: string, gitOptions: SubmoduleGitOptions): Promise<Gitlink[]> {
  const options = { ...gitOptions, env: { ...gitOptions.env, GIT_DIR: gitDir } };
  const { stdout: modules, exitCode } = await agentGit(
    ['config', '--null', '--blob', `${commit}:.gitmodules`, '--get-regexp', '^submodule\\..*\\.path$'],
    gitDir,
    options,
    { okExitCodes: [1, 128] },
  );
  if (exitCode !== 0) return []; // No .gitmodules (128) or no path entries (1).
  const byPath = new Map<string, string>();
  for (const record of modules.toString('utf8').split('\0')) {
    const newline = record.indexOf('\n');
    if (newline < 0) continue;
    const key = record.slice(0, newline);
    const path = record.slice(newline + 1);
    const name = key.slice('submodule.'.length, -'.path'.length);
    // A path that climbs out of the worktree or is absolute is not a submodule git would make.
    if (!name || !path || isAbsolute(path) || path.split('/').includes('..')) continue;
    byPath.set(path.replace(/\/+$/, ''), name);
  }
  if (byPath.size === 0) return [];
  const tree = (await agentGit(['ls-tree', '-z', '--full-tree', commit, '--', ...byPath.keys()], gitDir, options)).stdout.toString('utf8');
  const links: Gitlink[] = [];
  for (const entry of tree.split('\0')) {
    // "<mode> SP <type> SP <object> TAB <path>"
    const match = /^160000 commit ([0-9a-f]{40,64})\t(.+)$/s.exec(entry);
    if (!match) continue;
    const name = byPath.get(match[2]!);
    if (name) links.push({ name, path: match[2]!, sha: match[1]! });
  }
  return links;
}

/**
 * The git dir of the submodule checked out at `folder` in the user's checkout, or null when it
 * is not initialised there. Read from the file system only: nothing of the user's runs.
 */
function userSubmoduleGitDir(folder: string): string | null {
  const dotGit = join(folder, '.git');
  let stat;
  try {
    stat = statSync(dotGit);
  } catch {
    return null;
  }
  if (stat.isDirectory()) return dotGit;
  const text = readFileSync(dotGit, 'utf8');
  const match = /^gitdir: (.+)$/m.exec(text);
  if (!match) return null;
  const gitDir = resolve(folder, match[1]!.trim());
  return existsSync(join(gitDir, 'HEAD')) ? gitDir : null;
}

/** The URL of `origin` in a submodule's own config file (read as a file, not through git's config stack). */
async function originUrl(gitDir: string): Promise<string | null> {
  const { stdout, exitCode } = await git(['config', '--file', join(gitDir, 'config'), '--get', 'remote.origin.url'], {
    cwd: gitDir,
    okExitCodes: [1],
  });
  return exitCode === 0 ? stdout.toString('utf8').trim() || null : null;
}

/** Copies `submodule.<name>.url` from the user's copy of the parent into the agent's, and marks it active. */
async function markActive(userGitDir: string, agentGitDir: string, name: string, gitOptions: SubmoduleGitOptions): Promise<void> {
  const { stdout, exitCode } = await git(['config', '--file', join(userGitDir, 'config'), '--get', `submodule.${name}.url`], {
    cwd: userGitDir,
    okExitCodes: [1],
  });
  const file = join(agentGitDir, 'config');
  if (exitCode === 0) await agentGit(['config', '--file', file, `submodule.${name}.url`, stdout.toString('utf8').trim()], agentGitDir, gitOptions);
  await agentGit(['config', '--file', file, `submodule.${name}.active`, 'true'], agentGitDir, gitOptions);
}

async function isEmptyFolder(path: string): Promise<boolean> {
  try {
    return (await readdir(path)).length === 0;
  } catch {
    return !existsSync(path);
  }
}

/**
 * Initialises in a new agent worktree the submodules that the user's checkout has initialised,
 * each at the commit the worktree's `commit` records, recursively. Each is a clone of the user's
 * local copy with its objects copied (not hard-linked: an agent must not be able to change the
 * user's object files through a shared inode), hooks and templates off, `origin` set to the
 * user's `origin`. A submodule whose commit is not in the user's copy is skipped, never fetched.
 */
export async function initSubmodules(opts: {
  /** The user's checkout (top level). */
  userCheckout: string;
  /** The agent's new worktree (top level). */
  worktreePath: string;
  /** The commit the worktree was made at. */
  commit: string;
  gitOptions?: SubmoduleGitOptions;
}): Promise<SubmoduleSetup[]> {
  const userGitDir = await gitText(['rev-parse', '--path-format=absolute', '--git-dir'], { cwd: opts.userCheckout });
  return initLevel(opts.userCheckout, userGitDir, opts.worktreePath, opts.commit, '', opts.gitOptions ?? {}, 0);
}

async function initLevel(
  userFolder: string,
  userGitDir: string,
  agentFolder: string,
  commit: string,
  prefix: string,
  gitOptions: SubmoduleGitOptions,
  depth: number,
): Promise<SubmoduleSetup[]> {
  if (depth >= MAX_SUBMODULE_DEPTH) return [];
  const results: SubmoduleSetup[] = [];
  for (const link of await gitlinksAt(userGitDir, commit, {})) {
    const shown = prefix + link.path;
    const skip = (reason: string) => results.push({ path: shown, name: link.name, state: 'skipped', reason });
    const source = userSubmoduleGitDir(join(userFolder, link.path));
    if (!source) {
      skip('not initialised in your checkout');
      continue;
    }
    const target = join(agentFolder, link.path);
    if (!(await isEmptyFolder(target))) {
      skip('its folder in the worktree is not empty');
      continue;
    }
    const { exitCode } = await git(['cat-file', '-e', `${link.sha}^{commit}`], { cwd: source, env: { GIT_DIR: source }, okExitCodes: [1, 128] });
    if (exitCode !== 0) {
      skip(`commit ${link.sha.slice(0, 12)} is not in your checkout's copy of it; run git submodule update there first`);
      continue;
    }
    try {
      await mkdir(dirname(target), { recursive: true });
      if (existsSync(target)) await rmdir(target); // Empty (checked above); clone wants to make it.
      // --template= : no hooks or other files from a template folder; the source's hooks never copy.
      await git(
        [...BASELINE_CONFIG, 'clone', '--quiet', '--no-checkout', '--no-hardlinks', '--template=', '--', source, target],
        { cwd: agentFolder, timeoutMs: CLONE_TIMEOUT_MS, env: gitOptions.env },
      );
      const origin = await originUrl(source);
      if (origin) await agentGit(['config', '--file', join(target, '.git', 'config'), 'remote.origin.url', origin], target, gitOptions);
      await agentGit(['checkout', '--quiet', '--detach', link.sha], target, gitOptions, { timeoutMs: CLONE_TIMEOUT_MS });
    } catch (err) {
      skip(`git could not set it up: ${err instanceof GitError ? err.stderr.trim().split('\n').at(-1) : String(err)}`);
      continue;
    }
    if (depth > 0) {
      // Top-level submodules are active through the repository's config, which the worktree
      // shares; a nested one is active through its parent's config, which here is the new clone.
      await markActive(userGitDir, join(agentFolder, '.git'), link.name, gitOptions).catch(() => undefined);
    }
    results.push({ path: shown, name: link.name, state: 'initialised', reason: null });
    results.push(
      ...(await initLevel(join(userFolder, link.path), source, target, link.sha, `${shown}/`, gitOptions, depth + 1)),
    );
  }
  return results;
}

/** One changed file inside a submodule, its path from the worktree's top level. */
export interface SubmoduleFileChange {
  path: string;
  /** Path from the submodule's own top level. */
  pathInSubmodule: string;
  /** `git status` letters: index and worktree ('?' for untracked). */
  x: string;
  y: string;
  origPath: string | null;
}

export interface SubmoduleChanges {
  /** Path of the submodule from the worktree's top level. */
  path: string;
  name: string;
  /** The submodule's checked-out commit, and the one the worktree's HEAD records. */
  headSha: string;
  recordedSha: string | null;
  /** Uncommitted and untracked files in it (untracked files listed one by one). */
  files: SubmoduleFileChange[];
}

/**
 * The work inside each initialised submodule of an agent's worktree, recursively: changed and
 * untracked files, and the submodule's commit against the one the worktree's HEAD records (new
 * commits there live only in the agent's copy). Submodules that are not checked out are skipped.
 */
export async function listSubmoduleChanges(worktreePath: string, gitOptions: SubmoduleGitOptions = {}): Promise<SubmoduleChanges[]> {
  return listLevel(worktreePath, '', gitOptions, 0);
}

async function listLevel(folder: string, prefix: string, gitOptions: SubmoduleGitOptions, depth: number): Promise<SubmoduleChanges[]> {
  if (depth >= MAX_SUBMODULE_DEPTH) return [];
  const head = await agentGit(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], folder, gitOptions, { okExitCodes: [1] });
  const headSha = head.stdout.toString('utf8').trim();
  if (!headSha) return [];
  const gitDir = (await agentGit(['rev-parse', '--path-format=absolute', '--git-dir'], folder, gitOptions)).stdout.toString('utf8').trim();
  const out: SubmoduleChanges[] = [];
  for (const link of await gitlinksAt(gitDir, headSha, gitOptions)) {
    const sub = join(folder, link.path);
    if (!existsSync(join(sub, '.git'))) continue; // Not checked out here.
    const subHead = await agentGit(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], sub, gitOptions, { okExitCodes: [1, 128] });
    const subHeadSha = subHead.exitCode === 0 ? subHead.stdout.toString('utf8').trim() : '';
    if (!subHeadSha) continue;
    // --ignore-submodules: nested ones are listed on their own below, file by file.
    const status = await agentGit(
      ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignore-submodules=all', '--no-renames'],
      sub,
      gitOptions,
    );
    const shown = prefix + link.path;
    const files = parseStatusZ(status.stdout.toString('utf8')).map((e) => ({
      path: `${shown}/${e.path}`,
      pathInSubmodule: e.path,
      x: e.x,
      y: e.y,
      origPath: e.origPath === null ? null : `${shown}/${e.origPath}`,
    }));
    out.push({ path: shown, name: link.name, headSha: subHeadSha, recordedSha: link.sha, files });
    out.push(...(await listLevel(sub, `${shown}/`, gitOptions, depth + 1)));
  }
  return out;
}

export interface SubmoduleSnapshot {
  /** Path of the submodule from the worktree's top level. */
  path: string;
  /** The user's copy of the submodule, where the ref was made. */
  userGitDir: string;
  ref: string;
  commit: string;
}

/**
 * Saves the work in each submodule of an agent's worktree that the user's copies do not hold
 * (uncommitted or untracked files, commits made in the agent's copy) into the user's copy of
 * that submodule, as `ref(path)`: a commit of its files on top of its HEAD. Removing the
 * worktree then loses nothing. Git runs in the user's copies with their own config; the agent's
 * copy is only read: its HEAD fetched (git's upload-pack serves it), its files read through
 * `--work-tree`, so nothing the agent configured there runs.
 */
export async function snapshotSubmodules(opts: {
  userCheckout: string;
  worktreePath: string;
  /** The ref to make for the submodule at `path`, e.g. `refs/flotilla/archive/<slug>/<stamp>/sub/<path>`. */
  ref: (path: string) => string;
  gitOptions?: SubmoduleGitOptions;
}): Promise<SubmoduleSnapshot[]> {
  const saved: SubmoduleSnapshot[] = [];
  for (const sub of await listSubmoduleChanges(opts.worktreePath, opts.gitOptions ?? {})) {
    const userGitDir = userSubmoduleGitDir(join(opts.userCheckout, sub.path));
    if (!userGitDir) continue; // Only submodules made from the user's copies exist in a worktree.
    const user = (args: string[], env: Record<string, string> = {}, cwd = userGitDir) =>
      git([...BASELINE_CONFIG, ...args], { cwd, env: { GIT_DIR: userGitDir, ...env } });
    const hasHead = (await git(['cat-file', '-e', `${sub.headSha}^{commit}`], { cwd: userGitDir, env: { GIT_DIR: userGitDir }, okExitCodes: [1, 128] }))
      .exitCode === 0;
    if (hasHead && sub.files.length === 0) continue;
    const ref = opts.ref(sub.path);
    const agentFolder = join(opts.worktreePath, sub.path);
    if (!hasHead) {
      // --upload-pack by name: never one the agent's copy or a remote config names.
      await user(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--upload-pack=git-upload-pack', '--', agentFolder, `+${sub.headSha}:${ref}`]);
    }
    let commit = sub.headSha;
    if (sub.files.length > 0) {
      const dir = await mkdtemp(join(tmpdir(), 'flotilla-index-'));
      try {
        const env = { GIT_INDEX_FILE: join(dir, 'index') };
        const work = ['--work-tree', agentFolder];
        await user(['read-tree', sub.headSha], env);
        await user([...work, 'add', '--all', '--', '.'], env, agentFolder);
        const tree = (await user(['write-tree'], env)).stdout.toString('utf8').trim();
        commit = (
          await user(['commit-tree', tree, '-p', sub.headSha, '-m', `Flotilla snapshot of ${sub.path} in ${opts.worktreePath}`], {
            GIT_AUTHOR_NAME: 'Flotilla',
            GIT_AUTHOR_EMAIL: 'flotilla@localhost',
            GIT_COMMITTER_NAME: 'Flotilla',
            GIT_COMMITTER_EMAIL: 'flotilla@localhost',
          })
        ).stdout.toString('utf8').trim();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    await user(['update-ref', '-m', 'flotilla: snapshot of a submodule', ref, commit]);
    saved.push({ path: sub.path, userGitDir, ref, commit });
  }
  return saved;
}
