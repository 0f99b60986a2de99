import { memo } from 'react';
import type { AgentInfo } from '../../../shared/types';
import { useAgentsStore } from '../../stores/agents-store';
import { useUiStore } from '../../stores/ui-store';
import { restartAgent, stopAgent } from '../agents/agent-actions';
import { activityLabel, formatDiffStat, formatUsage, needsRestart, paneStatus, statusLabel } from '../common/format';
import { effectiveActivity } from '../attention/attention';
import { TerminalView } from '../terminal/terminal-view';
import './fleet-pane.css';

interface AgentPaneProps {
  agent: AgentInfo;
  focused: boolean;
  maximized: boolean;
  hidden: boolean;
}

/** One agent in the fleet: a header with its state and actions over its live terminal. */
export const AgentPane = memo(function AgentPane({ agent, focused, maximized, hidden }: AgentPaneProps) {
  const focus = useAgentsStore((s) => s.focus);
  const setMaximized = useAgentsStore((s) => s.setMaximized);
  const open = useUiStore((s) => s.open);
  const status = paneStatus(agent);
  const running = agent.status === 'running' || agent.status === 'starting';
  const restartable = needsRestart(agent);
  const stat = agent.diffStat;
  const activity = effectiveActivity(agent);
  const usage = formatUsage(agent.usage);
  const classes = ['agent-pane', `status-${status}`];
  if (activity) classes.push(`activity-${activity}`);
  if (focused) classes.push('focused');
  if (maximized) classes.push('maximized');
  if (hidden) classes.push('hidden');

  return (
    <section
      className={classes.join(' ')}
      data-testid="agent-pane"
      data-agent-id={agent.id}
      data-agent-name={agent.name}
      data-status={status}
      data-activity={activity ?? ''}
      onMouseDownCapture={() => focus(agent.id)}
    >
      <div className="pane-header" data-testid="pane-header">
        <div className="pane-row">
          <span className={`status-dot status-${status}`} aria-hidden="true" />
          <span className="pane-title" data-testid="pane-title" title={agent.task ?? agent.name}>
            {agent.name}
          </span>
          <span className={`badge status-${status}`} data-testid="pane-status">
            {statusLabel(agent)}
          </span>
          {agent.activity ? (
            // Only what the core reports: for a shell the status badge already says it exited.
            <span
              className={`badge activity-badge activity-${agent.activity}`}
              data-testid="pane-activity"
              data-activity={agent.activity}
              title="From the agent’s own signals, or its output and process state"
            >
              {activityLabel(agent.activity)}
            </span>
          ) : null}
          {agent.merged ? (
            // The changes are in the base now; counting them again would say there is work to merge.
            <span
              className="pane-diffstat merged"
              data-testid="pane-diffstat"
              data-merged="true"
              data-files={stat?.files ?? 0}
              title={`Everything this agent did is merged into ${agent.baseRef}; new changes show here again`}
            >
              merged
            </span>
          ) : (
            <span
              className={stat && stat.files > 0 ? 'pane-diffstat' : 'pane-diffstat empty'}
              data-testid="pane-diffstat"
              data-files={stat?.files ?? 0}
              data-additions={stat?.additions ?? 0}
              data-deletions={stat?.deletions ?? 0}
              title="Changes against the base, including uncommitted files"
            >
              <DiffStatText text={formatDiffStat(stat)} />
            </span>
          )}
          {usage && agent.usage ? (
            <span
              className="pane-cost"
              data-testid="pane-cost"
              data-input-tokens={agent.usage.inputTokens}
              data-output-tokens={agent.usage.outputTokens}
              data-cost-usd={agent.usage.costUsd ?? ''}
              title={`${agent.usage.inputTokens} input + ${agent.usage.outputTokens} output tokens${agent.usage.costUsd === null ? '; no price known for the model' : ''}`}
            >
              {usage}
            </span>
          ) : null}
        </div>
        <div className="pane-row">
          <span className="pane-branch" data-testid="pane-branch" title={`${agent.branch} from ${agent.baseRef}`}>
            {agent.branch}
          </span>
          <span className="pane-spacer" />
          <div className="pane-actions" data-testid="pane-actions">
            <button data-testid="pane-changes" title="Show changes" onClick={() => open({ kind: 'changes', agentId: agent.id })}>
              Changes
            </button>
            <button
              data-testid="pane-merge"
              title={agent.merged ? `Already merged into ${agent.baseRef}` : 'Merge into the base branch'}
              disabled={agent.merged}
              onClick={() => open({ kind: 'merge', agentId: agent.id })}
            >
              {agent.merged ? 'Merged' : 'Merge'}
            </button>
            <button
              data-testid="pane-restart"
              className={restartable ? 'prominent' : undefined}
              title="Restart the process"
              onClick={() => void restartAgent(agent.id)}
            >
              {restartable ? '↻ Restart' : '↻'}
            </button>
            <button data-testid="pane-stop" title="Stop the process" disabled={!running} onClick={() => void stopAgent(agent.id)}>
              ■
            </button>
            <button
              data-testid="pane-maximize"
              title={maximized ? 'Restore (Ctrl+Shift+Enter)' : 'Maximize (Ctrl+Shift+Enter)'}
              aria-pressed={maximized}
              onClick={() => setMaximized(maximized ? null : agent.id)}
            >
              {maximized ? '⤡' : '⤢'}
            </button>
            <button
              data-testid="pane-remove"
              className="danger-hover"
              title="Remove agent, worktree and branch"
              onClick={() => open({ kind: 'remove', agentId: agent.id })}
            >
              ✕
            </button>
          </div>
        </div>
      </div>
      {agent.missing ? (
        <div className="pane-banner warn">The worktree at {agent.worktreePath} is missing. Remove this agent to clean up.</div>
      ) : restartable ? (
        <div className="pane-banner">
          {agent.status === 'interrupted'
            ? 'Interrupted: Flotilla stopped while this agent was running.'
            : agent.status === 'stopped'
              ? 'Stopped.'
              : `Process exited${agent.exitCode === null ? '' : ` with code ${agent.exitCode}`}.`}{' '}
          Restart to run it again in the same worktree.
        </div>
      ) : null}
      <TerminalView agentId={agent.id} onFocus={() => focus(agent.id)} />
    </section>
  );
});

/** Colours the + and − parts of `N files +A −D` while keeping the text exact. */
function DiffStatText({ text }: { text: string }) {
  const match = /^(\d+ files) (\+\d+) (\u2212\d+)$/.exec(text);
  if (!match) return <>{text}</>;
  return (
    <>
      {match[1]} <span className="add">{match[2]}</span> <span className="del">{match[3]}</span>
    </>
  );
}
