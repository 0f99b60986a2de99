/**
 * Each agent's view (git/worktree-view.ts), opened once and registered, so that from then on every
 * git call Flotilla makes inside the agent's worktree goes through a git folder Flotilla owns.
 * The repository's common dir is derived from the repository itself, never from the worktree,
 * whose `.git` file the agent can rewrite.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentRow } from '../db';
import { gitText, openView, registerView, unregisterView, type WorktreeView } from '../git';
import { agentStateDir } from './launch';

/** Owns the views of a data folder's agents. */
export class AgentViews {
  private readonly views = new Map<string, WorktreeView>();
  private readonly commonDirs = new Map<string, Promise<string>>();

  constructor(
    private readonly dataDir: string,
    private readonly repoPathOf: (repoId: string) => string,
  ) {}

  /** The agent's view; `opened` is true the first time. */
  async open(row: AgentRow): Promise<{ view: WorktreeView; opened: boolean }> {
    const known = this.views.get(row.id);
    if (known) return { view: known, opened: false };
    const view = await openView({
      worktreePath: row.worktreePath,
      commonDir: await this.commonDir(this.repoPathOf(row.repoId)),
      viewDir: join(this.dataDir, 'views', row.id),
      branch: row.branch,
      privateGitDir: row.launch?.confined ? join(agentStateDir(this.dataDir, row.id), 'git') : null,
    });
    this.views.set(row.id, view);
    registerView(view);
    return { view, opened: true };
  }

  /** Unregisters the agent's view and removes its folder (the agent was removed). */
  forget(row: AgentRow): void {
    unregisterView(row.worktreePath);
    this.views.delete(row.id);
    rmSync(join(this.dataDir, 'views', row.id), { recursive: true, force: true });
  }

  private commonDir(repoPath: string): Promise<string> {
    let dir = this.commonDirs.get(repoPath);
    if (!dir) {
      dir = gitText(['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: repoPath });
      this.commonDirs.set(repoPath, dir);
      dir.catch(() => this.commonDirs.delete(repoPath));
    }
    return dir;
  }
}
