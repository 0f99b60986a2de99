/**
 * Submodules in agents' worktrees. `git worktree add` leaves every submodule folder empty; an
 * agent gets the submodules the user's own checkout has initialised, made from the user's local
 * copies: no network, no repository-defined program (hooks off, no templates), nothing written
 * to the user's repository or its submodules. Each is a plain clone whose git folder lies inside
 * the worktree, so a confined agent can commit in it like in any clone.
 *
 * That git folder is the agent's to write, so Flotilla never runs git *in* it. To look at the
 * agent's work inside a submodule, git runs with the user's own copy of that submodule as
 * `GIT_DIR` (its config, hooks and refs are the user's), the agent's folder as `GIT_WORK_TREE`,
 * a private copy of the agent's index as `GIT_INDEX_FILE`, and the agent's objects as an
 * alternate: the agent's HEAD and index are read as data, its config never. Work the user's
 * copies do not hold (edits, new files, commits made there) is counted by Changes and by the
 * removal check, and saved into the user's copies by the snapshot on removal.
 */
import { createHash } from 'node:crypto';
import { constants, existsSync, lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rm, rmdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { FILE_STATUSES, type ChangedFile } from '../../../shared/types';
import { git, GitError, gitText, type GitResult } from '../git/core';
import { NO_TEMPLATE_ARG } from '../git/hooks';
import { MAX_INDEX_BYTES, parseRefFile, readUntrustedFile, VIEW_CONFIG, viewFor } from '../git/worktree-view';

const CLONE_TIMEOUT_MS = 600_000;
export const WORK_TIMEOUT_MS = 300_000;
/** Submodules of submodules are followed this deep, no deeper (a cycle cannot recurse forever). */
export const MAX_SUBMODULE_DEPTH = 8;
const PACKED_REFS_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Settings for calls that read an agent's folder through a user's copy (on top of the hardening
 * every call has, git/core.ts): the view's settings, and no multi-pack index or commit-graph from
 * the agent's object store (an agent-written one could lie).
 */
export const SUBMODULE_CONFIG = [...VIEW_CONFIG, ['core.multiPackIndex', 'false']].flatMap(([k, v]) => ['-c', `${k}=${v}`]);

/** One submodule as `.gitmodules` names it, with the commit a superproject commit records for it. */
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
 * How git reaches one trusted git folder: `GIT_DIR` set explicitly and the working directory in
 * that folder, so git never discovers a repository from a folder an agent can write, and a call
 * never picks up the view of the agent worktree around it (git/core.ts matches views by cwd).
 */
export function inGitDir(gitDir: string, args: string[], env: Record<string, string> = {}, extra: { okExitCodes?: number[]; input?: string | Uint8Array; timeoutMs?: number } = {}): Promise<GitResult> {
  return git(args, { cwd: gitDir, env: { ...gitDirEnv(gitDir), ...env }, ...extra });
}

/** The environment that points git at `gitDir` alone, without replace refs. */
export function gitDirEnv(gitDir: string): Record<string, string> {
  return { GIT_DIR: gitDir, GIT_COMMON_DIR: gitDir, GIT_NO_REPLACE_OBJECTS: '1' };
}

const gitlinkCache = new Map<string, Gitlink[]>();

/**
 * Gitlinks that `.gitmodules` at `commit` names, read from the object store at `gitDir` (the
 * user's repository or one of its submodules' git dirs, with `alternate` for objects only the
 * agent has): no working tree, no config of the repository. A commit never changes, so the
 * answer is remembered: the diff-stat poll pays nothing for it after the first time.
 */
async function gitlinksAt(gitDir: string, commit: string, alternate: string | null = null): Promise<Gitlink[]> {
  const key = `${gitDir}\0${commit}`;
  const known = gitlinkCache.get(key);
  if (known) return known;
  const env: Record<string, string> = alternate ? { GIT_ALTERNATE_OBJECT_DIRECTORIES: alternate } : {};
  const { stdout: modules, exitCode } = await inGitDir(
    gitDir,
    [...SUBMODULE_CONFIG, 'config', '--null', '--blob', `${commit}:.gitmodules`, '--get-regexp', '^submodule\\..*\\.path$'],
    env,
    { okExitCodes: [1, 128] },
  );
  const links: Gitlink[] = [];
  const byPath = new Map<string, string>();
  if (exitCode === 0) {
    for (const record of modules.toString('utf8').split('\0')) {
      const newline = record.indexOf('\n');
      if (newline < 0) continue;
      const key = record.slice(0, newline);
      const path = record.slice(newline + 1).replace(/\/+$/, '');
      const name = key.slice('submodule.'.length, -'.path'.length);
      // A path that climbs out of the worktree or is absolute is not a submodule git would make.
      if (!name || !path || isAbsolute(path) || path.split('/').includes('..') || path.split('/').includes('.git')) continue;
      byPath.set(path, name);
    }
  }
  if (byPath.size > 0) {
    const tree = (await inGitDir(gitDir, [...SUBMODULE_CONFIG, '--literal-pathspecs', 'ls-tree', '-z', '--full-tree', commit, '--', ...byPath.keys()], env)).stdout.toString('utf8');
    for (const entry of tree.split('\0')) {
      // "<mode> SP <type> SP <object> TAB <path>"
      const match = /^160000 commit ([0-9a-f]{40,64})\t(.+)$/s.exec(entry);
      if (!match) continue;
      const name = byPath.get(match[2]!);
      if (name) links.push({ name, path: match[2]!, sha: match[1]! });
    }
  }
  if (gitlinkCache.size > 1000) gitlinkCache.clear();
  gitlinkCache.set(key, links);
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

/**
 * The user's copy of a submodule: through the user's checkout of its parent when there is one,
 * else where `git submodule` keeps it (`<parent git dir>/modules/<name>`).
 */
function trustedGitDir(userFolder: string | null, parentGitDir: string, link: Gitlink): string | null {
  const fromCheckout = userFolder ? userSubmoduleGitDir(join(userFolder, link.path)) : null;
  if (fromCheckout) return fromCheckout;
  if (link.name.split('/').includes('..')) return null;
  const modules = join(parentGitDir, 'modules', link.name);
  return existsSync(join(modules, 'HEAD')) ? modules : null;
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
async function markActive(userGitDir: string, agentGitDir: string, name: string): Promise<void> {
  const { stdout, exitCode } = await git(['config', '--file', join(userGitDir, 'config'), '--get', `submodule.${name}.url`], {
    cwd: userGitDir,
    okExitCodes: [1],
  });
  const file = join(agentGitDir, 'config');
  if (exitCode === 0) await git(['config', '--file', file, `submodule.${name}.url`, stdout.toString('utf8').trim()], { cwd: userGitDir });
  await git(['config', '--file', file, `submodule.${name}.active`, 'true'], { cwd: userGitDir });
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
 * Call it before the agent first runs: the clones are new, and git runs in them by explicit
 * `GIT_DIR` from a folder of the user's.
 */
export async function initSubmodules(opts: {
  /** The user's checkout (top level). */
  userCheckout: string;
  /** The agent's new worktree (top level). */
  worktreePath: string;
  /** The commit the worktree was made at. */
  commit: string;
}): Promise<SubmoduleSetup[]> {
  const userGitDir = await gitText(['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: opts.userCheckout });
  return initLevel(opts.userCheckout, userGitDir, opts.worktreePath, opts.commit, '', 0);
}

async function initLevel(userFolder: string, userGitDir: string, agentFolder: string, commit: string, prefix: string, depth: number): Promise<SubmoduleSetup[]> {
  if (depth >= MAX_SUBMODULE_DEPTH) return [];
  const results: SubmoduleSetup[] = [];
  for (const link of await gitlinksAt(userGitDir, commit)) {
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
    const { exitCode } = await inGitDir(source, ['cat-file', '-e', `${link.sha}^{commit}`], {}, { okExitCodes: [1, 128] });
    if (exitCode !== 0) {
      skip(`commit ${link.sha.slice(0, 12)} is not in your checkout's copy of it; run git submodule update there first`);
      continue;
    }
    const cloneDir = join(target, '.git');
    try {
      await mkdir(dirname(target), { recursive: true });
      if (existsSync(target)) await rmdir(target); // Empty (checked above); clone wants to make it.
      // No template (hooks.ts): no hooks or other files from a template folder; the source's hooks never copy.
      // Run from the source's folder: inside the agent's worktree its view (GIT_DIR) would apply.
      await git(['-c', 'protocol.file.allow=always', 'clone', '--quiet', '--no-checkout', '--no-hardlinks', NO_TEMPLATE_ARG, '--', source, target], {
        cwd: source,
        timeoutMs: CLONE_TIMEOUT_MS,
      });
      const origin = await originUrl(source);
      if (origin) await git(['config', '--file', join(cloneDir, 'config'), 'remote.origin.url', origin], { cwd: source });
      await git(['checkout', '--quiet', '--detach', link.sha], {
        cwd: source,
        env: { GIT_DIR: cloneDir, GIT_COMMON_DIR: cloneDir, GIT_WORK_TREE: target, GIT_INDEX_FILE: join(cloneDir, 'index') },
        timeoutMs: CLONE_TIMEOUT_MS,
      });
    } catch (err) {
      skip(`git could not set it up: ${err instanceof GitError ? err.stderr.trim().split('\n').at(-1) : String(err)}`);
      continue;
    }
    if (depth > 0) {
      // Top-level submodules are active through the repository's config, which the worktree
      // shares; a nested one is active through its parent's config, which here is the new clone.
      await markActive(userGitDir, join(agentFolder, '.git'), link.name).catch(() => undefined);
    }
    results.push({ path: shown, name: link.name, state: 'initialised', reason: null });
    results.push(...(await initLevel(join(userFolder, link.path), source, target, link.sha, `${shown}/`, depth + 1)));
  }
  return results;
}

/** What an index holds, as far as staging needs it: every path it tracks, and its gitlinks. */
export interface IndexListing {
  tracked: Set<string>;
  gitlinks: string[];
}

/** Reads an index's paths and gitlinks (`ls-files --stage`). */
export async function readIndexListing(run: (args: string[]) => Promise<GitResult>): Promise<IndexListing> {
  const staged = (await run(['ls-files', '--stage', '-z'])).stdout.toString('utf8');
  const tracked = new Set<string>();
  const gitlinks: string[] = [];
  for (const entry of staged.split('\0')) {
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    const path = entry.slice(tab + 1);
    tracked.add(path);
    if (entry.startsWith('160000 ')) gitlinks.push(path);
  }
  return { tracked, gitlinks };
}

/**
 * `git add -A` of a folder an agent can write, into a private index, without git looking inside
 * any submodule. For every gitlink in the index, `add` would run `git status` *inside* that
 * submodule's folder, with the submodule's own git folder and config — the agent's — and
 * without Flotilla's environment, so a filter driver the agent configured there would run.
 * Instead gitlinks are excluded from the add and set from the nested `.git` folder's HEAD,
 * read as data (left as the index had them when that cannot be read). `listing` is the index's
 * listing when the caller already has it (for exactly these index bytes); returns the listing.
 */
export async function addAllSkippingSubmodules(
  run: (args: string[], input?: string) => Promise<GitResult>,
  folder: string,
  listing?: IndexListing,
): Promise<IndexListing> {
  const known = listing ?? (await readIndexListing(run));
  const { gitlinks } = known;
  await run(['add', '-A', '--', ':/', ...gitlinks.map((path) => `:(top,literal,exclude)${path}`)]);
  const updates: string[] = [];
  for (const path of gitlinks) {
    const nested = agentGitDirOf(join(folder, path));
    const head = nested ? await readAgentSubHead(nested) : null;
    if (head) updates.push(`160000 ${head}\t${path}\0`);
  }
  if (updates.length > 0) await run(['update-index', '-z', '--index-info'], updates.join(''));
  return known;
}

// ---------------------------------------------------------------------------------------------
// Looking at the agent's work inside submodules, without trusting anything the agent wrote.

/** One changed file inside a submodule, against the submodule's own HEAD in the agent's copy. */
export interface SubmoduleFileChange {
  /** Path from the worktree's top level. */
  path: string;
  /** Path from the submodule's own top level. */
  pathInSubmodule: string;
  /** 'M' modified, 'A' added to the index, '?' untracked, 'D' deleted, 'T' type changed. */
  status: string;
}

/** The agent's work inside one submodule. */
export interface SubmoduleWork {
  /** Path of the submodule from the worktree's top level. */
  path: string;
  name: string;
  /** The user's copy of the submodule (trusted; git runs with it as GIT_DIR). */
  gitDir: string;
  /** The agent's folder for it. */
  folder: string;
  /** The agent's copy's objects folder, or null when its `.git` is not a plain folder. */
  agentObjects: string | null;
  /**
   * Where git finds and writes objects for this submodule: writes go to a folder of Flotilla's
   * (in the view folder, which no agent sees), the user's copy and the agent's are alternates.
   * Writing the blobs of an agent's folder into the user's copy would let an agent read them
   * there (it is readable in the sandbox): a symlink swapped in for the folder could make that
   * a copy of any file Flotilla can read.
   */
  objectEnv: Record<string, string>;
  /** The commit checked out in the agent's copy (read as data, checked to be a commit). */
  headSha: string;
  /** The commit the worktree's HEAD records for it. */
  recordedSha: string;
  /** Every file in the agent's folder as it is on disk, as a tree (written to the user's copy). */
  treeSha: string;
  headTreeSha: string;
  /** Files that differ from `headSha` (uncommitted, untracked, deleted). */
  files: SubmoduleFileChange[];
  /** Commits reachable from `headSha` that no ref of the user's copy reaches: only the agent has them. */
  unsavedCommits: number;
  /** Depth below the worktree: 0 for the worktree's own submodules. */
  depth: number;
}

/** Where to look: the agent's worktree and the trusted places its submodules come from. */
interface Scope {
  worktreePath: string;
  /** The worktree's HEAD (resolved by the caller through the view). */
  headSha: string;
  /** The repository's git folder (trusted). */
  commonDir: string;
  /** The user's checkout, where the user's submodule copies are found. */
  userCheckout: string | null;
}

/** The repository's git folder and the user's checkout for an agent worktree, without running git in it. */
async function scopeFor(worktreePath: string, headSha: string): Promise<Scope> {
  const view = viewFor(worktreePath);
  // Outside a registered view (a worktree Flotilla just made) git may be asked directly.
  const commonDir = view?.commonDir ?? (await gitText(['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: worktreePath }));
  const userCheckout = basename(commonDir) === '.git' ? dirname(commonDir) : null;
  return { worktreePath, headSha, commonDir, userCheckout };
}

/**
 * The agent's work inside every initialised submodule of its worktree, recursively (deepest
 * last). `headSha` is the worktree's HEAD as Flotilla resolved it (captureWorkState's headSha).
 * Submodules that are not checked out, or that the user has no copy of, are skipped.
 */
export async function inspectSubmodules(worktreePath: string, headSha: string, opts: { commits?: boolean } = {}): Promise<SubmoduleWork[]> {
  const scope = await scopeFor(worktreePath, headSha);
  const out: SubmoduleWork[] = [];
  await inspectLevel(scope, scope.commonDir, null, scope.userCheckout, worktreePath, headSha, '', 0, opts.commits ?? true, out);
  return out;
}

async function inspectLevel(
  scope: Scope,
  gitDir: string,
  alternate: string | null,
  userFolder: string | null,
  folder: string,
  commit: string,
  prefix: string,
  depth: number,
  commits: boolean,
  out: SubmoduleWork[],
): Promise<void> {
  if (depth >= MAX_SUBMODULE_DEPTH) return;
  for (const link of await gitlinksAt(gitDir, commit, alternate)) {
    const subFolder = join(folder, link.path);
    const subGitDir = trustedGitDir(userFolder, gitDir, link);
    if (!subGitDir || !isCheckedOut(subFolder) || !isPlainPath(scope.worktreePath, prefix + link.path)) continue;
    const work = await inspectOne(scope, subGitDir, subFolder, link, prefix + link.path, depth, commits);
    if (!work) continue;
    out.push(work);
    await inspectLevel(
      scope,
      subGitDir,
      work.agentObjects,
      userFolder ? join(userFolder, link.path) : null,
      subFolder,
      work.headSha,
      `${work.path}/`,
      depth + 1,
      commits,
      out,
    );
  }
}

/** A submodule folder that has a `.git` of any kind: initialised, in the worktree's or the agent's doing. */
function isCheckedOut(folder: string): boolean {
  try {
    lstatSync(join(folder, '.git'));
    return lstatSync(folder).isDirectory();
  } catch {
    return false;
  }
}

/** True when `rel` leads from the worktree to a folder inside it through no symlink (git would follow one for its work tree). */
function isPlainPath(worktreePath: string, rel: string): boolean {
  try {
    return realpathSync(join(worktreePath, rel)) === join(realpathSync(worktreePath), rel);
  } catch {
    return false;
  }
}

/** Flotilla's own object folder for reading one submodule of one worktree (see SubmoduleWork.objectEnv). */
async function privateObjectsFor(worktreePath: string, gitDir: string): Promise<string> {
  const view = viewFor(worktreePath);
  const base = view ? join(view.viewDir, 'submodule-objects') : join(tmpdir(), 'flotilla-submodule-objects');
  const dir = join(base, createHash('sha256').update(`${worktreePath}\0${gitDir}`).digest('hex').slice(0, 24));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The agent's git folder for a submodule: `<folder>/.git` if it is a real folder (not a link or a `gitdir:` file). */
function agentGitDirOf(folder: string): string | null {
  try {
    return lstatSync(join(folder, '.git')).isDirectory() ? join(folder, '.git') : null;
  } catch {
    return null;
  }
}

/** What the agent's HEAD names: an id, or a branch's id from its loose ref file or packed-refs. Data only. */
async function readAgentSubHead(agentGitDir: string): Promise<string | null> {
  const head = await readUntrustedFile(join(agentGitDir, 'HEAD'));
  const parsed = head ? parseRefFile(head.toString('utf8')) : null;
  if (!parsed) return null;
  if (parsed.kind === 'id') return parsed.id;
  const loose = await readUntrustedFile(join(agentGitDir, parsed.ref));
  const looseParsed = loose ? parseRefFile(loose.toString('utf8')) : null;
  if (looseParsed?.kind === 'id') return looseParsed.id;
  const packed = await readUntrustedFile(join(agentGitDir, 'packed-refs'), PACKED_REFS_MAX_BYTES);
  for (const line of packed?.toString('utf8').split('\n') ?? []) {
    const [id, ref] = line.split(' ');
    if (ref === parsed.ref && id && /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(id)) return id;
  }
  return null;
}

/** Copies the agent's index into `target` as data (keeping its mtime, see git/work-state.ts); false when there is none usable. */
async function copyAgentIndex(agentGitDir: string, target: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(join(agentGitDir, 'index'), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > MAX_INDEX_BYTES) return false;
    await writeFile(target, await handle.readFile(), { mode: 0o600 });
    await utimes(target, stat.atime, stat.mtime);
    return true;
  } catch {
    return false;
  } finally {
    await handle.close();
  }
}

/** The agent's objects as an alternate (read as data; git checks each object's hash when it imports it). */
function altEnv(agentObjects: string | null): Record<string, string> {
  return agentObjects ? { GIT_ALTERNATE_OBJECT_DIRECTORIES: agentObjects } : {};
}

async function inspectOne(scope: Scope, gitDir: string, folder: string, link: Gitlink, path: string, depth: number, commits: boolean): Promise<SubmoduleWork | null> {
  const agentGitDir = agentGitDirOf(folder);
  const agentObjects = agentGitDir ? join(agentGitDir, 'objects') : null;
  const alt = altEnv(agentObjects);
  const isCommit = async (id: string) =>
    (await inGitDir(gitDir, [...SUBMODULE_CONFIG, 'cat-file', '-t', id], alt, { okExitCodes: [1, 128] })).stdout.toString('utf8').trim() === 'commit';
  let headSha = agentGitDir ? await readAgentSubHead(agentGitDir) : null;
  if (headSha && !(await isCommit(headSha))) headSha = null;
  // A HEAD Flotilla cannot read or check: measure the files against the recorded commit instead.
  if (!headSha) headSha = (await isCommit(link.sha)) ? link.sha : null;
  if (!headSha) return null;

  const dir = await mkdtemp(join(tmpdir(), 'flotilla-subindex-'));
  try {
    const index = join(dir, 'index');
    const objects = await privateObjectsFor(scope.worktreePath, gitDir);
    const objectEnv = {
      GIT_OBJECT_DIRECTORY: objects,
      GIT_ALTERNATE_OBJECT_DIRECTORIES: [join(gitDir, 'objects'), ...(agentObjects ? [agentObjects] : [])].join(':'),
    };
    const env = { GIT_WORK_TREE: folder, GIT_INDEX_FILE: index, ...objectEnv };
    const run = (args: string[], input?: string) => inGitDir(gitDir, [...SUBMODULE_CONFIG, ...args], env, { timeoutMs: WORK_TIMEOUT_MS, input });
    const seeded = agentGitDir ? await copyAgentIndex(agentGitDir, index) : false;
    if (!seeded) await run(['read-tree', headSha]);
    let untrackedOut: GitResult;
    try {
      untrackedOut = await run(['ls-files', '--others', '--exclude-standard', '-z']);
    } catch {
      // An index git cannot read (the agent wrote it): start from the HEAD's tree instead.
      await rm(index, { force: true });
      await run(['read-tree', headSha]);
      untrackedOut = await run(['ls-files', '--others', '--exclude-standard', '-z']);
    }
    const untracked = new Set(untrackedOut.stdout.toString('utf8').split('\0').filter(Boolean));
    await addAllSkippingSubmodules(run, folder);
    const treeSha = (await run(['write-tree'])).stdout.toString('utf8').trim();
    const headTreeSha = (await run(['rev-parse', `${headSha}^{tree}`])).stdout.toString('utf8').trim();
    const files: SubmoduleFileChange[] = [];
    if (treeSha !== headTreeSha) {
      const out = (await run(['diff-tree', '-r', '-z', '--no-renames', '--name-status', headTreeSha, treeSha])).stdout.toString('utf8').split('\0');
      for (let i = 0; i + 1 < out.length; i += 2) {
        const status = out[i]!.charAt(0);
        const rel = out[i + 1]!;
        files.push({ path: `${path}/${rel}`, pathInSubmodule: rel, status: status === 'A' && untracked.has(rel) ? '?' : status });
      }
    }
    const unsavedCommits = commits && agentObjects ? await countUnsaved(gitDir, agentObjects, headSha) : 0;
    return { path, name: link.name, gitDir, folder, agentObjects, objectEnv, headSha, recordedSha: link.sha, treeSha, headTreeSha, files, unsavedCommits, depth };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Commits reachable from `headSha` that no ref of the user's copy reaches (`--all` is the user's copy's refs only). */
async function countUnsaved(gitDir: string, agentObjects: string, headSha: string): Promise<number> {
  const out = await inGitDir(gitDir, [...SUBMODULE_CONFIG, 'rev-list', '--count', headSha, '--not', '--all'], { GIT_ALTERNATE_OBJECT_DIRECTORIES: agentObjects });
  return Number(out.stdout.toString('utf8').trim()) || 0;
}

/** True when removing the agent's copy of this submodule would lose something. */
export function hasSubmoduleWork(work: SubmoduleWork): boolean {
  return work.files.length > 0 || work.unsavedCommits > 0;
}

/** A git status letter as Changes shows it ('M' for anything else). */
function changeStatus(letter: string, untracked: boolean): ChangedFile['status'] {
  if (letter === 'A' && untracked) return '?';
  return (FILE_STATUSES as readonly string[]).includes(letter) ? (letter as ChangedFile['status']) : 'M';
}

/**
 * Every file the agent changed inside its submodules since `fromSha` (the superproject commit
 * Changes measure from): committed in the submodule or not, paths from the worktree's top.
 * Measured against the commit `fromSha` records for the submodule, or its own HEAD when
 * `fromSha` records none (a submodule the agent's branch added).
 */
export async function diffSubmodules(work: SubmoduleWork[], worktreePath: string, fromSha: string, nameStatus: boolean): Promise<ChangedFile[]> {
  const scope = await scopeFor(worktreePath, fromSha);
  const entries: ChangedFile[] = [];
  const nested = new Set(work.map((w) => w.path));
  for (const sub of work) {
    const from = await recordedAt(scope, work, sub, fromSha);
    const base = from ?? sub.headSha;
    const env = sub.objectEnv;
    const run = (args: string[]) => inGitDir(sub.gitDir, [...SUBMODULE_CONFIG, ...args], env, { timeoutMs: WORK_TIMEOUT_MS });
    const numstat = (await run(['diff-tree', '-r', '-z', '--no-renames', '--numstat', base, sub.treeSha])).stdout.toString('utf8');
    const counts = new Map<string, { additions: number; deletions: number; binary: boolean }>();
    for (const record of numstat.split('\0')) {
      const match = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(record);
      if (!match) continue;
      const binary = match[1] === '-';
      counts.set(match[3]!, { binary, additions: binary ? 0 : Number(match[1]), deletions: binary ? 0 : Number(match[2]) });
    }
    const statuses = new Map<string, string>();
    if (nameStatus) {
      const out = (await run(['diff-tree', '-r', '-z', '--no-renames', '--name-status', base, sub.treeSha])).stdout.toString('utf8').split('\0');
      for (let i = 0; i + 1 < out.length; i += 2) statuses.set(out[i + 1]!, out[i]!.charAt(0));
    }
    const untracked = new Set(sub.files.filter((f) => f.status === '?').map((f) => f.pathInSubmodule));
    for (const [rel, count] of counts) {
      const path = `${sub.path}/${rel}`;
      // A nested submodule's own entry: its files are listed one by one under its own path.
      if (nested.has(path)) continue;
      const status = statuses.get(rel) ?? 'M';
      entries.push({ path, oldPath: null, status: changeStatus(status, untracked.has(rel)), ...count });
    }
  }
  return entries;
}

/** The commit the superproject commit `fromSha` (or, for a nested one, its parent's from-commit) records for `sub`. */
async function recordedAt(scope: Scope, all: SubmoduleWork[], sub: SubmoduleWork, fromSha: string): Promise<string | null> {
  const parent = all.filter((p) => p.depth === sub.depth - 1 && sub.path.startsWith(`${p.path}/`)).at(0);
  let gitDir = scope.commonDir;
  let commit: string | null = fromSha;
  let alternate: string | null = null;
  let rel = sub.path;
  if (parent) {
    commit = await recordedAt(scope, all, parent, fromSha);
    gitDir = parent.gitDir;
    alternate = parent.agentObjects;
    rel = sub.path.slice(parent.path.length + 1);
  }
  if (!commit) return null;
  const links = await gitlinksAt(gitDir, commit, alternate).catch(() => [] as Gitlink[]);
  const sha = links.find((l) => l.path === rel)?.sha ?? null;
  if (!sha) return null;
  const { exitCode } = await inGitDir(sub.gitDir, ['cat-file', '-e', `${sha}^{commit}`], sub.objectEnv, { okExitCodes: [1, 128] });
  return exitCode === 0 ? sha : null;
}

/**
 * The original side of a file inside a submodule, for the file diff: the submodule whose folder
 * holds `path`, and a git runner on the user's copy of it (with the agent's objects as an
 * alternate), or null when `path` lies in no inspected submodule.
 */
export async function locateInSubmodule(
  worktreePath: string,
  headSha: string,
  fromSha: string,
  path: string,
): Promise<{ pathInSubmodule: string; fromSha: string | null; run: (args: string[]) => Promise<GitResult> } | null> {
  const work = await inspectSubmodules(worktreePath, headSha, { commits: false });
  const sub = work.filter((w) => path.startsWith(`${w.path}/`)).sort((a, b) => b.path.length - a.path.length)[0];
  if (!sub) return null;
  const scope = await scopeFor(worktreePath, fromSha);
  const from = (await recordedAt(scope, work, sub, fromSha)) ?? sub.headSha;
  const env = sub.objectEnv;
  return {
    pathInSubmodule: path.slice(sub.path.length + 1),
    fromSha: from,
    run: (args) => inGitDir(sub.gitDir, [...SUBMODULE_CONFIG, ...args], env),
  };
}

// ---------------------------------------------------------------------------------------------
// Saving it before removal.
