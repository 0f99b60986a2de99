import { assertNever } from '../../../shared/assert-never';
import type { Activity, AgentInfo, DiffStat, RemovalCheck, Usage } from '../../../shared/types';

/** Unicode minus, as in `2 files +10 −3`. */
const MINUS = '\u2212';

/** `N files +A −D`, the pane header's live diff stat. */
export function formatDiffStat(stat: DiffStat | null): string {
  const s = stat ?? { files: 0, additions: 0, deletions: 0 };
  return `${s.files} ${s.files === 1 ? 'file' : 'files'} +${s.additions} ${MINUS}${s.deletions}`;
}

/** The status a pane shows: 'missing' overrides the process status. */
export function paneStatus(agent: AgentInfo): AgentInfo['status'] | 'missing' {
  return agent.missing ? 'missing' : agent.status;
}

/** Human label for a pane's status badge. */
export function statusLabel(agent: AgentInfo): string {
  if (agent.missing) return 'missing';
  if (agent.status === 'exited') return agent.exitCode === null ? 'exited' : `exited (code ${agent.exitCode})`;
  return agent.status;
}

/** True when the agent's process is not running and a restart is the obvious next step. */
export function needsRestart(agent: AgentInfo): boolean {
  return !agent.missing && (agent.status === 'exited' || agent.status === 'interrupted' || agent.status === 'stopped');
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * What removing an agent would save, e.g.
 * "2 uncommitted, 1 untracked files, 3 commits not in main will be saved to a snapshot ref".
 */
export function removalSummary(check: RemovalCheck, base: string): string {
  if (!check.hasWork) {
    // Changes or commits that are no work to lose: they were squash-merged into the base as they are.
    if (check.uncommitted + check.untracked + check.commitsAhead > 0) {
      return `Everything this agent did is already merged into ${base}. The worktree and branch will be deleted.`;
    }
    return 'No uncommitted changes or unmerged commits. The worktree and branch will be deleted.';
  }
  const parts: string[] = [];
  const files: string[] = [];
  if (check.uncommitted > 0) files.push(`${check.uncommitted} uncommitted`);
  if (check.untracked > 0) files.push(`${check.untracked} untracked`);
  if (files.length > 0) {
    const total = check.uncommitted + check.untracked;
    parts.push(`${files.join(', ')} ${total === 1 ? 'file' : 'files'}`);
  }
  if (check.commitsAhead > 0) parts.push(`${plural(check.commitsAhead, 'commit', 'commits')} not in ${base}`);
  const what = parts.length > 0 ? parts.join(', ') : 'Unsaved work';
  return `${what} will be saved to a snapshot ref before the worktree and branch are deleted.`;
}

/** First 7 characters of a sha, as git shows it. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/** Human size: 1.2 MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Last path segment, for either separator. */
export function baseName(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const i = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return i >= 0 ? trimmed.slice(i + 1) : trimmed;
}

/** Token counts the way a glance wants them: 950, 12.3k, 4.1M. */
export function formatTokens(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1_000_000) return `${trimZero((n / 1000).toFixed(n < 100_000 ? 1 : 0))}k`;
  return `${trimZero((n / 1_000_000).toFixed(1))}M`;
}

function trimZero(s: string): string {
  return s.endsWith('.0') ? s.slice(0, -2) : s;
}

/** Dollars: cents normally, more digits below a cent so tiny spends don't read as $0.00. */
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

/** `12.3k tok · $0.04`; without a known price only the tokens; null when nothing was reported. */
export function formatUsage(usage: Usage | null): string | null {
  if (!usage) return null;
  const tokens = `${formatTokens(usage.inputTokens + usage.outputTokens)} tok`;
  return usage.costUsd === null ? tokens : `${tokens} · ${formatUsd(usage.costUsd)}`;
}

/** Human label for an activity badge. */
export function activityLabel(activity: Activity): string {
  switch (activity) {
    case 'working':
      return 'working';
    case 'waiting':
      return 'waiting for you';
    case 'idle':
      return 'idle';
    case 'exited':
      return 'exited';
    case 'failed':
      return 'failed';
    default:
      return assertNever(activity);
  }
}
