/**
 * Saving an agent's work inside submodules before its worktree is removed: edits, new files and
 * commits only the agent's copy holds go into the user's own copy of each submodule, under the
 * snapshot's ref name, with objects brought in by pack-objects and index-pack (hashes checked).
 * Git never runs in the agent's submodule git folders (see submodules.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLOTILLA_IDENTITY_ENV, createRef } from '../git';
import { gitDirEnv, hasSubmoduleWork, inGitDir, inspectSubmodules, SUBMODULE_CONFIG, WORK_TIMEOUT_MS, type SubmoduleWork } from './submodules';


export interface SubmoduleSnapshot {
  /** Path of the submodule from the worktree's top level. */
  path: string;
  /** The user's copy of the submodule, where the ref was made. */
  gitDir: string;
  ref: string;
  commit: string;
  /** 0 for the worktree's own submodules. */
  depth: number;
}

/**
 * Saves the work in each submodule of an agent's worktree that the user's copies do not hold
 * (uncommitted or untracked files, commits made in the agent's copy) into the user's copy of
 * that submodule: the objects are brought in (packed with the agent's objects as an alternate,
 * indexed into the user's copy, which checks every hash), then a commit of the folder's files on
 * top of the agent's HEAD — recording the snapshots of nested submodules as their commits — is
 * kept under `refName` (`-2`, `-3`, … if taken). Git runs in the user's copies with their own
 * config; the agent's copy is only read. Returns what was saved, deepest first.
 */
export async function snapshotSubmodules(opts: { worktreePath: string; headSha: string; refName: string; message: string }): Promise<SubmoduleSnapshot[]> {
  const work = await inspectSubmodules(opts.worktreePath, opts.headSha);
  const saved: SubmoduleSnapshot[] = [];
  const commitOf = new Map<string, string>();
  // Deepest first: a parent's snapshot records its children's snapshot commits.
  for (const sub of [...work].sort((a, b) => b.depth - a.depth)) {
    const children = work.filter((c) => c.depth === sub.depth + 1 && c.path.startsWith(`${sub.path}/`) && commitOf.has(c.path));
    if (!hasSubmoduleWork(sub) && children.length === 0) continue;
    const overrides = new Map(children.map((c) => [c.path.slice(sub.path.length + 1), commitOf.get(c.path)!]));
    const tree = overrides.size > 0 ? await replaceGitlinks(sub.gitDir, sub.treeSha, overrides, sub.objectEnv) : sub.treeSha;
    await importObjects(sub, tree);
    const run = (args: string[], env: Record<string, string> = {}) => inGitDir(sub.gitDir, [...SUBMODULE_CONFIG, ...args], env);
    const commit =
      tree === sub.headTreeSha
        ? sub.headSha
        : (await run(['commit-tree', '--no-gpg-sign', tree, '-p', sub.headSha, '-m', opts.message], FLOTILLA_IDENTITY_ENV)).stdout.toString('utf8').trim();
    const ref = await createRef(opts.refName, commit, 'flotilla: snapshot of a submodule before removal', { cwd: sub.gitDir, env: gitDirEnv(sub.gitDir) });
    commitOf.set(sub.path, commit);
    saved.push({ path: sub.path, gitDir: sub.gitDir, ref, commit, depth: sub.depth });
  }
  return saved;
}

/** The tree `treeSha` with the gitlinks at `overrides` (paths inside it) pointing at other commits. */
export async function replaceGitlinks(gitDir: string, treeSha: string, overrides: Map<string, string>, objectEnv: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-subindex-'));
  try {
    const env: Record<string, string> = { GIT_INDEX_FILE: join(dir, 'index'), ...objectEnv };
    await inGitDir(gitDir, [...SUBMODULE_CONFIG, 'read-tree', treeSha], env);
    const input = [...overrides].map(([path, sha]) => `160000 ${sha}\t${path}\0`).join('');
    await inGitDir(gitDir, [...SUBMODULE_CONFIG, 'update-index', '-z', '--index-info'], env, { input });
    return (await inGitDir(gitDir, [...SUBMODULE_CONFIG, 'write-tree'], env)).stdout.toString('utf8').trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Copies into the user's copy every object of the agent's HEAD and of `tree` that it lacks:
 * packed with the agent's objects and Flotilla's as alternates, then indexed without them (git
 * hashes each object on the way in).
 */
async function importObjects(sub: SubmoduleWork, tree: string): Promise<void> {
  const refs = (await inGitDir(sub.gitDir, ['for-each-ref', '--format=%(objectname)'])).stdout.toString('utf8').split('\n').filter(Boolean);
  const inputs = [`${sub.headSha}\n${refs.map((r) => `^${r}\n`).join('')}`, `${tree}\n^${sub.headTreeSha}\n`];
  for (const input of inputs) {
    const { stdout: pack } = await inGitDir(sub.gitDir, [...SUBMODULE_CONFIG, 'pack-objects', '--revs', '--stdout', '-q'], sub.objectEnv, { input, timeoutMs: WORK_TIMEOUT_MS });
    if (pack.length <= 32) continue; // Header and trailer only: nothing to bring in.
    await inGitDir(sub.gitDir, ['index-pack', '--stdin'], {}, { input: pack, timeoutMs: WORK_TIMEOUT_MS });
  }
}

