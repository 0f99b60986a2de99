/**
 * Worktrees: agent names and branches, creating and listing worktrees, and removing them
 * without losing work (snapshots under refs/flotilla/archive/). `WorktreeService` is what the
 * other services use.
 */
export { WorktreeService, type MadeWorktree, type RecordedWorktree, type WorktreeToRemove } from './worktree-service';
export { BRANCH_PREFIX, chooseBranch, MAX_SLUG_LENGTH, slugify, suggestAgentName, worktreeRoot } from './naming';
export { createWorktree, describeWork, listWorktrees, removeWorktree, type RemoveWorktreeOptions } from './worktree-ops';
export { ARCHIVE_PREFIX, archiveStamp, commitOf, inspectWork, snapshotWorktree } from './work-state-check';
export type { WorktreeEntry } from '../git';
export { initSubmodules, inspectSubmodules, type SubmoduleSetup, type SubmoduleWork } from './submodules';
export { snapshotSubmodules, type SubmoduleSnapshot } from './submodule-snapshot';
