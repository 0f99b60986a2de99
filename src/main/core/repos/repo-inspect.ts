/**
 * Validates a folder the user wants to open and finds its repository's top level. Every way it
 * can go wrong becomes an AppError that says what to do next.
 */
import { realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { AppError } from '../errors';
import { GitError, git, gitText, toAppError, parseWorktreeList, assertGitUsable } from '../git';

export interface InspectedRepository {
  /** Real path of the working tree's top level. */
  topLevel: string;
  name: string;
  /** Short name of the checked-out branch; null when HEAD is detached. */
  currentBranch: string | null;
  headSha: string;
  /**
   * For a linked worktree (`git worktree add`), the top level of the repository's main
   * working tree; null for the main working tree itself.
   */
  mainTopLevel: string | null;
}

/** Replaces a leading `~` or `~/` with the home directory; other paths pass through. */
export function expandHome(path: string, homeDir: string = homedir()): string {
  if (path === '~') return homeDir;
  if (path.startsWith('~/')) return homeDir + path.slice(1);
  return path;
}

/**
 * The absolute path the user means by `inputPath`: `~` is the home folder, and a relative path
 * is taken from the home folder too, as a terminal opened there would. Flotilla's own working
 * folder (its install folder in the desktop app) means nothing to the user.
 */
export function resolveUserPath(inputPath: string, homeDir: string = homedir()): string {
  const expanded = expandHome(inputPath, homeDir);
  return isAbsolute(expanded) ? resolve(expanded) : resolve(homeDir, expanded);
}

/** Opens `inputPath` (a repository or any folder inside one) and describes its top level. */
export async function inspectRepository(inputPath: string, homeDir: string = homedir()): Promise<InspectedRepository> {
  const trimmed = inputPath.trim();
  if (!trimmed) throw new AppError('path-not-found', 'Type the path of a folder to open.');
  const path = resolveUserPath(trimmed, homeDir);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch {
    throw new AppError('path-not-found', `${path} does not exist. Check the path and try again.`);
  }
  if (!isDirectory) throw new AppError('not-a-directory', `${path} is a file, not a folder. Choose the folder of a git repository.`);

  await assertGitUsable();

  const notRepo = () =>
    new AppError(
      'not-a-repository',
      `${path} is not inside a git repository. Choose a folder that has been set up with git init or git clone.`,
    );
  let facts: string[];
  try {
    facts = (await gitText(['rev-parse', '--is-bare-repository', '--is-inside-git-dir'], { cwd: path })).split('\n');
  } catch (err) {
    if (err instanceof GitError && err.kind === 'not-a-repository') throw notRepo();
    if (err instanceof GitError && /dubious ownership/i.test(err.stderr)) {
      throw new AppError(
        'not-a-repository',
        `Git refuses to use ${path} because it belongs to another user. If you trust it, run: git config --global --add safe.directory ${path}`,
      );
    }
    throw toAppError(err, `Could not open ${path}`);
  }
  if (facts[0] === 'true') {
    throw new AppError('bare-repository', `${path} is a bare repository, which has no working files. Open a clone with a working tree instead.`);
  }
  if (facts[1] === 'true') {
    throw new AppError('not-a-repository', `${path} is inside a .git folder. Choose the repository's own folder instead.`);
  }

  const topLevel = await realpath(await gitText(['rev-parse', '--show-toplevel'], { cwd: path }));
  const headSha = await gitText(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: topLevel, okExitCodes: [1] });
  if (!headSha) {
    throw new AppError('no-commits', 'This repository has no commits yet. Make a first commit, then open it again.');
  }
  return {
    topLevel,
    name: basename(topLevel),
    currentBranch: await currentBranchOf(topLevel),
    headSha,
    mainTopLevel: await mainTopLevelOf(topLevel),
  };
}

/** For a linked worktree, the main working tree's top level (real path); null otherwise. */
async function mainTopLevelOf(topLevel: string): Promise<string | null> {
  const [gitDir, commonDir] = (
    await gitText(['rev-parse', '--path-format=absolute', '--git-dir', '--git-common-dir'], { cwd: topLevel })
  ).split('\n');
  if (!gitDir || !commonDir) return null;
  const [realGitDir, realCommonDir] = await Promise.all([realpath(gitDir), realpath(commonDir)]);
  if (realGitDir === realCommonDir) return null;
  // git lists the main working tree first; a separate git dir means it is not the common dir's parent.
  const { stdout } = await git(['worktree', 'list', '--porcelain', '-z'], { cwd: topLevel });
  const main = parseWorktreeList(stdout.toString('utf8'))[0];
  if (!main || main.bare) return dirname(realCommonDir);
  return realpath(main.path).catch(() => main.path);
}

/** The short name of the branch checked out in `cwd`, or null when HEAD is detached. */
export async function currentBranchOf(cwd: string): Promise<string | null> {
  const ref = await gitText(['symbolic-ref', '--quiet', 'HEAD'], { cwd, okExitCodes: [1] });
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
}
