import { useState } from 'react';
import type { BranchList, MergeResult } from '../../../shared/types';
import { useAgentsStore } from '../../stores/agents-store';
import { useUiStore } from '../../stores/ui-store';
import { call } from '../common/call';
import { Dialog, DialogError } from '../common/dialog';
import { useContract } from '../common/use-contract';
import { shortSha } from '../common/format';
import './merge.css';

/** Branches a detached agent can merge into: not its own; the user's branches before agents'. */
function targetsFor(list: BranchList, own: string | undefined): string[] {
  const names = list.branches.filter((b) => b !== own);
  return [...names.filter((b) => !b.startsWith('flotilla/')), ...names.filter((b) => b.startsWith('flotilla/'))];
}

/**
 * Previews and runs merging an agent's branch (and uncommitted work) into its base branch; an
 * agent that started from a detached commit merges into a branch the user picks here.
 */
export function MergeDialog({ agentId }: { agentId: string }) {
  const agent = useAgentsStore((s) => s.byId[agentId]);
  const close = useUiStore((s) => s.close);
  const [message, setMessage] = useState('');
  const [runError, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<MergeResult | null>(null);
  const detached = agent !== undefined && !agent.baseIsBranch;
  const [target, setTarget] = useState('');

  const branchQuery = useContract('repos.branches', detached && agent ? { repoId: agent.repoId } : null, [detached, agent?.repoId], (list) => {
    const own = agent?.branch;
    setTarget((t) => t || (list.current && list.current !== own ? list.current : (targetsFor(list, own)[0] ?? '')));
  });
  const branches = branchQuery.value ? { ...branchQuery.value, branches: targetsFor(branchQuery.value, agent?.branch) } : null;
  // A detached agent's preview waits for a branch to merge into.
  const previewQuery = useContract(
    'merge.preview',
    detached && !target ? null : detached ? { agentId, targetBranch: target } : { agentId },
    [agentId, detached, target],
    (p) => setMessage((m) => m || p.defaultMessage),
  );
  const preview = previewQuery.value ?? null;
  const loadError = [branchQuery.loaded, previewQuery.loaded].find((l) => l.state === 'error');
  const error = runError ?? (loadError?.state === 'error' ? loadError.message : null);

  const merge = async () => {
    if (!message.trim()) {
      setError('Write a commit message for the merge.');
      return;
    }
    setRunning(true);
    setError(null);
    const r = await call('merge.run', detached ? { agentId, message, targetBranch: target } : { agentId, message });
    setRunning(false);
    if (r.ok) setResult(r.value);
    else setError(r.error.message);
  };

  const canMerge = preview !== null && preview.canMerge && result === null && !running;
  return (
    <Dialog
      testId="merge-dialog"
      title={`Merge ${agent?.name ?? 'agent'}`}
      onClose={close}
      wide
      footer={
        <>
          <span className="pane-spacer" />
          <button data-testid="merge-close" className="ghost" onClick={close}>
            {result ? 'Close' : 'Cancel'}
          </button>
          {result ? null : (
            <button data-testid="merge-confirm" className="primary" disabled={!canMerge} onClick={() => void merge()}>
              {running ? 'Merging…' : preview ? `Merge into ${preview.baseBranch}` : 'Merge'}
            </button>
          )}
        </>
      }
    >
      {detached && branches !== null && branches.branches.length === 0 ? (
        <div className="merge-blocker" role="alert">
          This agent started from a detached commit and the repository has no branch to merge into. Create a branch, then merge.
        </div>
      ) : null}
      {detached && branches !== null && branches.branches.length > 0 ? (
        <label className="form">
          <span>
            This agent started from a detached commit ({shortSha(agent?.baseRef ?? '')}). Merge it into
          </span>
          <select
            data-testid="merge-target-select"
            value={target}
            disabled={running || result !== null}
            onChange={(e) => setTarget(e.target.value)}
          >
            {branches.branches.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {preview === null && error === null && !(detached && branches?.branches.length === 0) ? (
        <div className="muted">Checking the merge…</div>
      ) : null}
      {preview ? (
        <>
          <dl className="facts">
            <dt>From</dt>
            <dd>
              <code>{agent?.branch}</code>
            </dd>
            <dt>Into</dt>
            <dd>
              <code data-testid="merge-base">{preview.baseBranch}</code>
            </dd>
            <dt>Commits</dt>
            <dd>{preview.commitsAhead} ahead</dd>
            <dt>Uncommitted</dt>
            <dd>
              {preview.uncommittedFiles === 0
                ? 'none'
                : `${preview.uncommittedFiles} ${preview.uncommittedFiles === 1 ? 'file' : 'files'}, committed on the agent’s branch first`}
            </dd>
          </dl>
          {preview.blocker ? (
            <div className="merge-blocker" data-testid="merge-blocker" role="alert">
              {preview.blocker.message}
            </div>
          ) : null}
          {preview.conflicts.length > 0 ? (
            <div className="merge-conflicts-box">
              <div className="section-label">
                {preview.conflicts.length} conflicting {preview.conflicts.length === 1 ? 'file' : 'files'}; resolve them on
                the agent’s branch, then merge.
              </div>
              <ul className="merge-conflicts" data-testid="merge-conflicts">
                {preview.conflicts.map((path) => (
                  <li key={path} data-testid="merge-conflict-file">
                    {path}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          {result ? null : (
            <label className="form">
              <span>Commit message</span>
              <textarea
                data-testid="merge-message"
                value={message}
                rows={6}
                spellCheck={false}
                onChange={(e) => setMessage(e.target.value)}
              />
            </label>
          )}
        </>
      ) : null}
      {result ? (
        <div className="merge-result" data-testid="merge-result" role="status">
          Merged into <code>{result.baseBranch}</code> as <code>{shortSha(result.commit)}</code>.{' '}
          {result.checkoutUpdated
            ? 'Your checkout was updated to the new commit.'
            : 'Your checkout was not touched; update it when you are ready.'}
        </div>
      ) : null}
      <DialogError message={error} />
    </Dialog>
  );
}
