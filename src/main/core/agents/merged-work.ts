/**
 * Whether an agent's work is already in its base branch after a squash merge. A squash merge
 * makes a new commit on the base, so the agent's own commits never become ancestors of the base
 * and counting "commits not in base" calls merged work unsaved. Instead the merge records the
 * tree it merged (`agentTree` in its attempt's 'merged' journal entry), and the agent counts as merged
 * while its whole work state — committed, uncommitted and untracked — is still exactly that tree
 * and the merge commit is still in the base branch.
 */
import type { JournalEntry } from '../../../shared/journal';
import { git, gitText, captureWorkState } from '../git';
import { commitOf } from '../worktrees';

/** What merge.run records in the 'merged' journal entry of the agent's attempt. */
export interface MergedEvent {
  commit: string;
  baseBranch: string;
  checkoutUpdated: boolean;
  /** The tree of the agent's work as merged. */
  agentTree: string;
}

/** The merges recorded in an attempt's journal that name the tree they merged, newest last. */
export function recordedMerges(events: readonly JournalEntry[]): MergedEvent[] {
  const merges: MergedEvent[] = [];
  for (const event of events) {
    if (event.type !== 'merged') continue;
    const p = event.payload as Partial<MergedEvent> | undefined;
    // Merges recorded before the tree was kept cannot be compared: they count as not merged.
    if (p && typeof p.commit === 'string' && typeof p.baseBranch === 'string' && typeof p.agentTree === 'string') {
      merges.push({ commit: p.commit, baseBranch: p.baseBranch, checkoutUpdated: Boolean(p.checkoutUpdated), agentTree: p.agentTree });
    }
  }
  return merges;
}

/**
 * True when removing the agent loses nothing that is not in the base: its work state equals a
 * tree it merged, its branch holds nothing else, and that merge's commit is still in the base
 * branch (the user may have reset it away). Any doubt answers false, which asks for a snapshot.
 */
export async function isAlreadyMerged(opts: { worktreePath: string; branch: string; merges: readonly MergedEvent[] }): Promise<boolean> {
  if (opts.merges.length === 0) return false;
  try {
    const state = await captureWorkState(opts.worktreePath);
    const merge = [...opts.merges].reverse().find((m) => m.agentTree === state.treeSha);
    if (!merge) return false;
    const branchTip = await commitOf(opts.worktreePath, `refs/heads/${opts.branch}`);
    if (branchTip && branchTip !== state.headSha) {
      const branchTree = await gitText(['rev-parse', '--verify', `${branchTip}^{tree}`], { cwd: opts.worktreePath });
      if (branchTree !== merge.agentTree) return false;
    }
    const inBase = await git(['merge-base', '--is-ancestor', merge.commit, `refs/heads/${merge.baseBranch}`], {
      cwd: opts.worktreePath,
      okExitCodes: [1],
    });
    return inBase.exitCode === 0;
  } catch {
    return false;
  }
}

