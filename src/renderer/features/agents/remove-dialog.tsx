import { useState } from 'react';
import { useAgentsStore } from '../../stores/agents-store';
import { toastInfo } from '../../stores/toast-store';
import { useUiStore } from '../../stores/ui-store';
import { call } from '../common/call';
import { Dialog, DialogError } from '../common/dialog';
import { useContract } from '../common/use-contract';
import { removalSummary } from '../common/format';
import './remove-dialog.css';

/** Confirms removing an agent, saying what a snapshot will keep when there is work to lose. */
export function RemoveDialog({ agentId }: { agentId: string }) {
  const agent = useAgentsStore((s) => s.byId[agentId]);
  const close = useUiStore((s) => s.close);
  const [removeError, setError] = useState<string | null>(null);
  const [removing, setRemoving] = useState(false);

  const missing = agent?.missing === true;
  // A missing worktree has nothing to check; removal only cleans up what is left.
  const removal = useContract('agents.removalCheck', missing ? null : { agentId }, [agentId, missing]);
  const check = removal.value ?? null;
  const error = removeError ?? (removal.loaded.state === 'error' ? removal.loaded.message : null);

  const canConfirm = !removing && (check !== null || missing);

  const remove = async () => {
    setRemoving(true);
    setError(null);
    const result = await call('agents.remove', { agentId, confirm: check?.hasWork ?? missing });
    setRemoving(false);
    if (!result.ok) {
      setError(result.error.message);
      return;
    }
    useAgentsStore.getState().remove(agentId);
    close();
    if (result.value.snapshotRef) toastInfo(`Removed ${agent?.name ?? 'agent'}. Work saved to ${result.value.snapshotRef}`);
    else toastInfo(`Removed ${agent?.name ?? 'agent'}.`);
  };

  const base = agent?.baseRef ?? 'the base';
  return (
    <Dialog
      testId="remove-dialog"
      title={`Remove ${agent?.name ?? 'agent'}?`}
      onClose={close}
      footer={
        <>
          <span className="pane-spacer" />
          <button data-testid="remove-cancel" className="ghost" onClick={close}>
            Cancel
          </button>
          <button data-testid="remove-confirm" className="danger" disabled={!canConfirm} onClick={() => void remove()}>
            {removing ? 'Removing…' : check?.hasWork ? 'Save snapshot and remove' : 'Remove'}
          </button>
        </>
      }
    >
      <p className="remove-what">
        The process is stopped, and the worktree and branch <code>{agent?.branch}</code> are deleted.
      </p>
      <p className={check?.hasWork ? 'remove-summary has-work' : 'remove-summary'} data-testid="remove-summary">
        {missing
          ? 'The worktree is already missing; removing cleans up what is left of this agent.'
          : check
            ? removalSummary(check, base)
            : error ? 'Could not check this agent’s work.' : 'Checking for unsaved work…'}
      </p>
      <DialogError message={error} />
    </Dialog>
  );
}
