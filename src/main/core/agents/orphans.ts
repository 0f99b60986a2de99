/**
 * What a Flotilla that stopped hard (`kill -9`, a power cut) can leave behind: worktrees and
 * branches no agent record owns (creation cut between `git worktree add` and the database
 * insert), and processes still running in an agent's worktree (an unconfined agent that ignored
 * SIGHUP). Both are found and reported; nothing is removed or stopped without the user.
 *
 * Git runs here only with the repository's top level as its working directory: an orphan
 * worktree has no view (git/worktree-view.ts), so its own `.git` and config are not trusted.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, readlink, realpath, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors';
import { gitText, openView, readUntrustedFile, registerView, unregisterView, type WorktreeView } from '../git';
import { BRANCH_PREFIX, listWorktrees, removeWorktree, worktreeRoot } from '../worktrees';

/** How long stopped processes get to exit after SIGTERM before SIGKILL, and after SIGKILL. */
export const SURVIVOR_TERM_GRACE_MS = 3_000;
export const SURVIVOR_KILL_GRACE_MS = 2_000;
const POLL_MS = 50;

/** A worktree folder, registered worktree or `flotilla/<slug>` branch that no agent owns. */
export interface OrphanWorktree {
  slug: string;
  /** The folder under Flotilla's worktrees folder, or null when only the branch is left. */
  worktreePath: string | null;
  /** `flotilla/<slug>` when that branch exists and no agent owns it. */
  branch: string | null;
  /** Git lists the folder as a worktree of the repository (so it can be removed through git). */
  registered: boolean;
}

/** A process running in an agent's worktree that this Flotilla did not start. */
export interface Survivor {
  pid: number;
  command: string;
}

/**
 * The orphans of one repository: entries of `git worktree list` and folders under
 * `<dataDir>/worktrees/<repo>` that no agent's worktree path names, and `flotilla/*` branches
 * no agent's branch names, grouped by slug.
 */
export async function findOrphans(opts: {
  topLevel: string;
  dataDir: string;
  owned: { worktreePath: string; branch: string }[];
}): Promise<OrphanWorktree[]> {
  const root = worktreeRoot(opts.dataDir, opts.topLevel);
  const roots = new Set([root, await realpath(root).catch(() => root)]);
  const slugOf = (path: string): string | null => (roots.has(dirname(resolve(path))) ? basename(path) : null);
  const ownedSlugs = new Set(opts.owned.map((o) => slugOf(o.worktreePath)).filter((s): s is string => s !== null));
  const ownedBranches = new Set(opts.owned.map((o) => o.branch));
  const found = new Map<string, OrphanWorktree>();
  const entry = (slug: string): OrphanWorktree => {
    let orphan = found.get(slug);
    if (!orphan) {
      orphan = { slug, worktreePath: null, branch: null, registered: false };
      found.set(slug, orphan);
    }
    return orphan;
  };

  for (const worktree of await listWorktrees(opts.topLevel)) {
    const slug = slugOf(worktree.path);
    if (slug === null || ownedSlugs.has(slug)) continue;
    const orphan = entry(slug);
    orphan.worktreePath = join(root, slug);
    orphan.registered = true;
  }
  const folders = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const folder of folders) {
    if (ownedSlugs.has(folder.name)) continue;
    entry(folder.name).worktreePath = join(root, folder.name);
  }
  const refs = await gitText(['for-each-ref', '--format=%(refname)', `refs/heads/${BRANCH_PREFIX}`], { cwd: opts.topLevel });
  for (const ref of refs.split('\n').filter(Boolean)) {
    const branch = ref.slice('refs/heads/'.length);
    if (ownedBranches.has(branch)) continue;
    entry(branch.slice(BRANCH_PREFIX.length)).branch = branch;
  }
  // A folder and the branch of the same slug are one leftover, reported (and removed) together.
  return [...found.values()].sort((a, b) => a.slug.localeCompare(b.slug));
}

/**
 * Removes an orphan's worktree and branch through `removeWorktree` (snapshot first when it holds
 * work and `confirm` is given). Its git state is read only through a view registered for the
 * removal: its own `.git` and config are not trusted. A folder git does not list is left alone,
 * and so is one where processes still run.
 */
export async function removeOrphanWorktree(opts: {
  topLevel: string;
  dataDir: string;
  orphan: OrphanWorktree;
  /** Commits in it are not work to lose. */
  baseRef: string;
  confirm: boolean;
}): Promise<{ snapshotRef: string | null }> {
  const { topLevel, dataDir, orphan } = opts;
  const worktreePath = orphan.worktreePath ?? join(worktreeRoot(dataDir, topLevel), orphan.slug);
  const folderExists = existsSync(worktreePath);
  if (folderExists && !orphan.registered) {
    throw new AppError(
      'git-failed',
      `${worktreePath} is not a worktree of this repository, so Flotilla left it alone. Look inside, then delete it yourself if nothing in it is needed.`,
    );
  }
  const running = await processesIn(worktreePath);
  if (running.length > 0) {
    throw new AppError('agent-running', `Processes still run in ${worktreePath} (${running.map((p) => `${p.command} ${p.pid}`).join(', ')}). Stop them first.`);
  }
  const branch = orphan.branch ?? `${BRANCH_PREFIX}${orphan.slug}`;
  const viewDir = join(dataDir, 'views', `orphan-${randomUUID()}`);
  let view: WorktreeView | null = null;
  try {
    if (folderExists) {
      const commonDir = await gitText(['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: topLevel });
      view = await openView({ worktreePath, commonDir, viewDir, branch, privateGitDir: null });
      registerView(view);
      // `git worktree add` locks the worktree "initializing" until it is done; one killed with
      // Flotilla leaves that lock, which `worktree remove` would refuse.
      const lock = await readUntrustedFile(join(view.adminDir, 'locked'));
      if (lock?.toString('utf8').trim() === 'initializing') await gitText(['worktree', 'unlock', '--', worktreePath], { cwd: topLevel });
    }
    return await removeWorktree({ topLevel, worktreePath, branch, slug: orphan.slug, baseRef: opts.baseRef, confirm: opts.confirm });
  } finally {
    if (view) unregisterView(view.worktreePath);
    await rm(viewDir, { recursive: true, force: true });
  }
}

/**
 * Any process of this user working in `folder` (an orphan has no agent to name in its
 * environment), other than this Flotilla's own.
 */
async function processesIn(folder: string): Promise<Survivor[]> {
  if (process.platform !== 'linux') return [];
  const target = await realpath(folder).catch(() => resolve(folder));
  const found: Survivor[] = [];
  for (const name of await readdir('/proc').catch(() => [])) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid || !(await runsIn(pid, target)) || (await descendsFromUs(pid))) continue;
    found.push({ pid, command: (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim() });
  }
  return found;
}

/**
 * For each agent worktree path, the processes of that agent still running there: working
 * directory in the folder, owned by this user, carrying the agent's `FLOTILLA_WORKTREE` in their
 * environment (so a terminal of the user's that merely `cd`'d there is not one), and not started
 * by this Flotilla (not its descendants). Linux reads /proc once for all paths; elsewhere none
 * are found.
 */
export async function findSurvivors(worktreePaths: string[]): Promise<Map<string, Survivor[]>> {
  const result = new Map<string, Survivor[]>(worktreePaths.map((p) => [p, []]));
  if (process.platform !== 'linux' || worktreePaths.length === 0) return result;
  const targets = await Promise.all(worktreePaths.map(async (p) => ({ path: p, real: await realpath(p).catch(() => resolve(p)) })));
  const pids = (await readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name)).map(Number);
  for (const pid of pids) {
    if (pid === process.pid) continue;
    const cwd = await cwdOf(pid);
    if (cwd === null) continue;
    const target = targets.find((t) => inside(cwd, t.real));
    if (!target || !(await ownedByUs(pid)) || !(await markedFor(pid, target.path)) || (await descendsFromUs(pid))) continue;
    const command = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
    result.get(target.path)!.push({ pid, command });
  }
  return result;
}

/**
 * Stops the given processes, each only if it still is one of that agent's (same checks as
 * {@link findSurvivors}, so a reused pid is left alone):
 * SIGTERM, then SIGKILL for those still there after a grace period. Returns the ones left.
 */
export async function stopSurvivors(worktreePath: string, pids: number[]): Promise<number[]> {
  const target = await realpath(worktreePath).catch(() => resolve(worktreePath));
  const alive = async (list: number[]) => {
    const left: number[] = [];
    for (const pid of list) if ((await runsIn(pid, target)) && (await markedFor(pid, worktreePath))) left.push(pid);
    return left;
  };
  const waitGone = async (list: number[], graceMs: number) => {
    const deadline = Date.now() + graceMs;
    let left = await alive(list);
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      left = await alive(left);
    }
    return left;
  };
  const signal = (list: number[], sig: NodeJS.Signals) => {
    for (const pid of list) {
      try {
        process.kill(pid, sig);
      } catch {
        // Already gone.
      }
    }
  };
  let left = await alive(pids);
  signal(left, 'SIGTERM');
  left = await waitGone(left, SURVIVOR_TERM_GRACE_MS);
  signal(left, 'SIGKILL');
  return waitGone(left, SURVIVOR_KILL_GRACE_MS);
}

/** "Brisk Otter still has 2 processes from an earlier run in its worktree (bash 4240, sleep 4242). ..." */
export function describeSurvivors(name: string, survivors: Survivor[]): string {
  const list = survivors.map((s) => `${s.command} ${s.pid}`).join(', ');
  const count = survivors.length === 1 ? '1 process' : `${survivors.length} processes`;
  return (
    `${name} still has ${count} from an earlier run in its worktree (${list}). ` +
    'Restarting now would run a second copy in the same folder. Stop them and restart, or stop them yourself first.'
  );
}

/**
 * True when `pid` is this user's and its working directory lies in `target`. A zombie or a
 * process that exited has no readable cwd, so it no longer counts.
 */
async function runsIn(pid: number, target: string): Promise<boolean> {
  const cwd = await cwdOf(pid);
  return cwd !== null && inside(cwd, target) && (await ownedByUs(pid));
}

function cwdOf(pid: number): Promise<string | null> {
  return readlink(`/proc/${pid}/cwd`).catch(() => null);
}

function inside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder + sep);
}

/** True when the process's environment names `worktreePath` as its agent's worktree (agent-env.ts). */
async function markedFor(pid: number, worktreePath: string): Promise<boolean> {
  const environ = await readFile(`/proc/${pid}/environ`).catch(() => null);
  if (environ === null) return false;
  const marker = Buffer.from(`FLOTILLA_WORKTREE=${worktreePath}`);
  for (const entry of splitNul(environ)) if (entry.equals(marker)) return true;
  return false;
}

function* splitNul(data: Buffer): Generator<Buffer> {
  let start = 0;
  for (let i = data.indexOf(0); i !== -1; i = data.indexOf(0, start)) {
    yield data.subarray(start, i);
    start = i + 1;
  }
  if (start < data.length) yield data.subarray(start);
}

async function ownedByUs(pid: number): Promise<boolean> {
  const info = await stat(`/proc/${pid}`).catch(() => null);
  return info !== null && info.uid === process.getuid?.();
}

/** True when this process is an ancestor of `pid` (an agent this Flotilla runs, or its git). */
async function descendsFromUs(pid: number): Promise<boolean> {
  let current = pid;
  for (let depth = 0; depth < 64 && current > 1; depth++) {
    const parent = await parentOf(current);
    if (parent === null) return false;
    if (parent === process.pid) return true;
    current = parent;
  }
  return false;
}

async function parentOf(pid: number): Promise<number | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (text === null) return null;
  // The command name in parentheses may itself hold spaces and parentheses: read after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const parent = Number(fields[1]);
  return Number.isInteger(parent) ? parent : null;
}
