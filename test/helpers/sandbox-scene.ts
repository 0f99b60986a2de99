/**
 * A confined agent's world for sandbox tests, laid out the way Flotilla lays it out: a repository,
 * a data folder holding the agent's worktree, its state folder (with its private git state) and
 * Flotilla's view of the worktree, and a home folder. It lives under /var/tmp, not /tmp: the
 * sandbox mounts a private /tmp, which would hide everything there and make "cannot write
 * outside" pass for the wrong reason.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkMode } from '../../src/shared/types';
import { openView, preparePrivateGit } from '../../src/main/core/git/agent-branch';
import { registerView, unregisterView, type WorktreeView } from '../../src/main/core/git/worktree-view';
import { ensureSocketFilterFile, type SandboxOptions } from '../../src/main/core/sandbox';
import { sh } from './repo';

export interface SandboxScene {
  root: string;
  repo: string;
  dataDir: string;
  worktree: string;
  state: string;
  home: string;
  view: WorktreeView;
  /** Options for wrapCommand with the given network mode. */
  options(network?: NetworkMode): SandboxOptions;
  dispose(): void;
}

/** Makes the scene for agent `slug` (branch flotilla/<slug>), registered and prepared like a confined agent. */
export async function makeSandboxScene(slug = 'a', root = realpathSync(mkdtempSync('/var/tmp/flotilla-sandbox-'))): Promise<SandboxScene> {
  const repo = join(root, 'repo');
  const dataDir = join(root, 'data');
  const home = join(root, 'home');
  mkdirSync(repo, { recursive: true });
  mkdirSync(home, { recursive: true });
  mkdirSync(join(dataDir, 'worktrees'), { recursive: true });
  sh(repo, 'init', '-q', '-b', 'main');
  sh(repo, 'config', 'commit.gpgsign', 'false');
  writeFileSync(join(repo, 'README.md'), '# test\n');
  sh(repo, 'add', '-A');
  sh(repo, 'commit', '-q', '-m', 'initial');
  return addAgent(root, repo, dataDir, home, slug);
}

/** Adds another agent to an existing scene's repository and data folder. */
export async function addAgent(root: string, repo: string, dataDir: string, home: string, slug: string): Promise<SandboxScene> {
  const worktree = join(dataDir, 'worktrees', slug);
  sh(repo, 'worktree', 'add', '-q', '-b', `flotilla/${slug}`, worktree);
  const state = join(dataDir, 'agents', slug);
  mkdirSync(state, { recursive: true });
  const view = await openView({
    worktreePath: worktree,
    commonDir: join(repo, '.git'),
    viewDir: join(dataDir, 'views', slug),
    branch: `flotilla/${slug}`,
    privateGitDir: join(state, 'git'),
  });
  registerView(view);
  await preparePrivateGit(view);
  const socketFilterFile = ensureSocketFilterFile(dataDir);
  return {
    root,
    repo,
    dataDir,
    worktree,
    state,
    home,
    view,
    options: (network: NetworkMode = 'on') => ({
      worktreePath: worktree,
      git: { commonDir: view.commonDir, adminDir: view.adminDir, privateGitDir: view.privateGitDir! },
      stateDir: state,
      homeDir: home,
      dataDir,
      network,
      socketFilterFile,
    }),
    dispose: () => {
      unregisterView(worktree);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
