import { useEffect, useState } from 'react';
import type { AgentKind, BranchList } from '../../../shared/types';
import { useAgentsStore } from '../../stores/agents-store';
import { useRepoStore } from '../../stores/repo-store';
import { useUiStore } from '../../stores/ui-store';
import { call } from '../common/call';
import { Dialog, DialogError } from '../common/dialog';
import { shortSha } from '../common/format';
import { estimateTerminalSize } from '../fleet/grid-layout';

/** The terminal size a new pane will probably get, so the PTY starts close to it. */
function guessSize(): { cols: number; rows: number } {
  const area = document.querySelector('.fleet-area');
  const width = area?.clientWidth ?? window.innerWidth;
  const height = area?.clientHeight ?? window.innerHeight - 48;
  return estimateTerminalSize(width, height, useAgentsStore.getState().order.length + 1);
}

/** "New agent": name, base, kind, command and task; creates the agent via `agents.create`. */
export function NewAgentDialog() {
  const repo = useRepoStore((s) => s.repo);
  const close = useUiStore((s) => s.close);
  const [name, setName] = useState('');
  const [nameTouched, setNameTouched] = useState(false);
  const [branches, setBranches] = useState<BranchList | null>(null);
  const [base, setBase] = useState('');
  const [kind, setKind] = useState<AgentKind>('shell');
  const [command, setCommand] = useState('');
  const [task, setTask] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  const repoId = repo?.id ?? '';
  useEffect(() => {
    if (!repoId) return;
    let live = true;
    void call('agents.suggestName', { repoId }).then((r) => {
      if (live && r.ok) setName((current) => (current === '' ? r.value : current));
    });
    void call('repos.branches', { repoId }).then((r) => {
      if (!live) return;
      if (!r.ok) {
        setError(r.error.message);
        return;
      }
      setBranches(r.value);
      setBase((current) => current || (r.value.current ?? r.value.headSha));
    });
    return () => {
      live = false;
    };
  }, [repoId]);

  if (!repo) return null;

  const create = async () => {
    if (kind === 'command' && !command.trim()) {
      setError('Enter the command to run, e.g. claude or aider --model x.');
      return;
    }
    setCreating(true);
    setError(null);
    const { cols, rows } = guessSize();
    const result = await call('agents.create', {
      repoId: repo.id,
      name: name.trim() || undefined,
      base: base || undefined,
      kind,
      command: kind === 'command' ? command.trim() : undefined,
      task: task.trim() ? task : undefined,
      cols,
      rows,
    });
    setCreating(false);
    if (!result.ok) {
      setError(result.error.message);
      return;
    }
    useAgentsStore.getState().upsert(result.value);
    useAgentsStore.getState().focus(result.value.id);
    close();
  };

  const detached = branches !== null && branches.current === null;
  return (
    <Dialog
      testId="new-agent-dialog"
      title="New agent"
      onClose={close}
      footer={
        <>
          <span className="muted small">Ctrl+Enter to create</span>
          <span className="pane-spacer" />
          <button className="ghost" onClick={close}>
            Cancel
          </button>
          <button data-testid="agent-create-button" className="primary" disabled={creating} onClick={() => void create()}>
            {creating ? 'Creating…' : 'Create'}
          </button>
        </>
      }
    >
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void create();
          }
        }}
      >
        <label>
          <span>Name</span>
          <input
            data-testid="agent-name-input"
            value={name}
            maxLength={80}
            spellCheck={false}
            placeholder={nameTouched ? '' : 'Suggesting…'}
            onChange={(e) => {
              setNameTouched(true);
              setName(e.target.value);
            }}
          />
          <small className="muted">Branch: flotilla/&lt;name&gt;</small>
        </label>
        <div className="form-row">
          <label>
            <span>Base</span>
            <select data-testid="agent-base-select" value={base} onChange={(e) => setBase(e.target.value)}>
              {detached && branches ? (
                <option value={branches.headSha}>detached at {shortSha(branches.headSha)}</option>
              ) : null}
              {(branches?.branches ?? []).map((b) => (
                <option key={b} value={b}>
                  {b}
                  {b === branches?.current ? ' (current)' : ''}
                </option>
              ))}
              {branches === null ? <option value="">Loading…</option> : null}
            </select>
          </label>
          <label>
            <span>Kind</span>
            <select data-testid="agent-kind-select" value={kind} onChange={(e) => setKind(e.target.value as AgentKind)}>
              <option value="shell">Shell</option>
              <option value="command">Command</option>
            </select>
          </label>
        </div>
        {kind === 'command' ? (
          <label>
            <span>Command line</span>
            <input
              data-testid="agent-command-input"
              value={command}
              spellCheck={false}
              placeholder="claude   ·   aider --model x"
              onChange={(e) => setCommand(e.target.value)}
            />
            <small className="muted">
              Runs in the agent’s worktree. The task is available as <code>$FLOTILLA_TASK</code>.
            </small>
          </label>
        ) : null}
        <label>
          <span>
            Task <span className="muted">(optional)</span>
          </span>
          <textarea
            data-testid="agent-task-input"
            value={task}
            rows={5}
            placeholder="What should this agent do? Acceptance criteria…"
            onChange={(e) => setTask(e.target.value)}
          />
        </label>
        <DialogError message={error} />
      </form>
    </Dialog>
  );
}
