import { useEffect, useState } from 'react';
import type { AgentKind, NetworkMode, PermissionMode } from '../../../shared/types';
import { useAgentsStore } from '../../stores/agents-store';
import { useRepoStore } from '../../stores/repo-store';
import { useUiStore } from '../../stores/ui-store';
import { call } from '../common/call';
import { Dialog, DialogError } from '../common/dialog';
import { useContract } from '../common/use-contract';
import { shortSha } from '../common/format';
import { estimateTerminalSize } from '../fleet/grid-layout';
import {
  createParams,
  defaultConfined,
  defaultPresetId,
  defaultProviderId,
  launchFormError,
  networkLabel,
  permissionLabel,
  permissionModesFor,
  presetLabel,
  providerLabel,
  providersForPreset,
} from './launch-options';

/** The terminal size a new pane will probably get, so the PTY starts close to it. */
function guessSize(): { cols: number; rows: number } {
  const area = document.querySelector('.fleet-area');
  const width = area?.clientWidth ?? window.innerWidth;
  const height = area?.clientHeight ?? window.innerHeight - 48;
  return estimateTerminalSize(width, height, useAgentsStore.getState().order.length + 1);
}

/**
 * "New agent": name, base, kind (shell, command, a coding CLI from the catalog, or Flotilla's
 * own agent on a provider), permissions and sandbox, task; creates it via `agents.create`.
 */
export function NewAgentDialog() {
  const repo = useRepoStore((s) => s.repo);
  const close = useUiStore((s) => s.close);
  const [name, setName] = useState('');
  const [base, setBase] = useState('');
  const [kind, setKind] = useState<AgentKind>('shell');
  const [command, setCommand] = useState('');
  const [task, setTask] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [presetId, setPresetId] = useState('');
  const [providerId, setProviderId] = useState('');
  const [model, setModel] = useState('');
  const [permissionMode, setPermissionMode] = useState<PermissionMode>('ask');
  /** Null until the user ticks or unticks the box: then the mode's default applies. */
  const [confinedChoice, setConfinedChoice] = useState<boolean | null>(null);
  const [launchedNetwork, setLaunchedNetwork] = useState<NetworkMode>('on');
  const [shellNetwork, setShellNetwork] = useState<NetworkMode>('off');
  // Loaded once per dialog: the lists change only in settings, which is another overlay.
  const catalog = useContract('catalog.list', {}, []).loaded;
  const providers = useContract('providers.list', {}, []).loaded;
  const sandbox = useContract('sandbox.info', {}, []).loaded;

  const repoId = repo?.id ?? '';
  // The suggested name is shown as the placeholder and used when the field is left empty: filling
  // the field itself when the suggestion arrives would race with the user's typing.
  const suggested = useContract('agents.suggestName', repoId ? { repoId } : null, [repoId]);
  const suggestedName = suggested.value ?? '';
  const branchQuery = useContract('repos.branches', repoId ? { repoId } : null, [repoId], (list) =>
    setBase((current) => current || (list.current ?? list.headSha)),
  );
  const branches = branchQuery.value ?? null;
  const branchError = branchQuery.loaded.state === 'error' ? branchQuery.loaded.message : null;

  // The lists may arrive after the user picked the kind: fill in the defaults then.
  useEffect(() => {
    if (kind === 'cli' && !presetId && catalog.state === 'ok') setPresetId(defaultPresetId(catalog.value));
    if (kind === 'flotilla' && !providerId && providers.state === 'ok') {
      const id = defaultProviderId(providers.value);
      setProviderId(id);
      setModel(providers.value.find((p) => p.id === id)?.models[0] ?? '');
    }
  }, [kind, presetId, providerId, catalog, providers]);

  if (!repo) return null;

  const catalogEntries = catalog.state === 'ok' ? catalog.value : [];
  const providerList = providers.state === 'ok' ? providers.value : [];
  const sandboxInfo = sandbox.state === 'ok' ? sandbox.value : null;
  const entry = catalogEntries.find((e) => e.id === presetId);
  const missing = catalogEntries.filter((e) => !e.installed);
  const sandboxAvailable = sandboxInfo?.available ?? false;
  const modes = permissionModesFor(kind, entry);
  // A CLI may not offer the mode picked for another: fall back to its first.
  const mode = modes.includes(permissionMode) ? permissionMode : (modes[0] ?? 'ask');
  const confined = sandboxAvailable && (confinedChoice ?? defaultConfined(mode, sandboxInfo, kind));
  const launched = kind === 'cli' || kind === 'flotilla';
  const network = launched ? launchedNetwork : shellNetwork;
  const setNetwork = launched ? setLaunchedNetwork : setShellNetwork;
  // Any kind can be confined; a Shell or Command agent only when asked, and then offline unless
  // its network is switched on.
  const sandboxFields = (
    <>
      <div className="form-field">
        <span className="field-label">Sandbox</span>
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="agent-confined-checkbox"
            checked={confined}
            disabled={!sandboxAvailable}
            onChange={(e) => setConfinedChoice(e.target.checked)}
          />
          Confined (sandbox)
        </label>
      </div>
      {confined ? (
        <label>
          <span>Network</span>
          <select data-testid="agent-network-select" value={network} onChange={(e) => setNetwork(e.target.value as NetworkMode)}>
            {(launched ? (['on', 'provider', 'off'] as const) : (['off', 'on'] as const)).map((m) => (
              <option key={m} value={m}>
                {networkLabel(m)}
              </option>
            ))}
          </select>
        </label>
      ) : null}
    </>
  );
  const providerChoices = kind === 'flotilla' ? providerList : providersForPreset(entry, providerList);
  const provider = providerList.find((p) => p.id === providerId);

  const pickProvider = (id: string) => {
    setProviderId(id);
    setModel(providerList.find((p) => p.id === id)?.models[0] ?? '');
  };
  const pickKind = (next: AgentKind) => {
    setKind(next);
    setError(null);
    // Each kind has its own sensible provider: Flotilla's agent needs one, a CLI defaults to its own.
    pickProvider(next === 'flotilla' ? defaultProviderId(providerList) : '');
  };
  const pickPreset = (id: string) => {
    setPresetId(id);
    pickProvider('');
  };

  const create = async () => {
    const { cols, rows } = guessSize();
    const form = {
      repoId: repo.id,
      name: name.trim() || suggestedName,
      base,
      kind,
      command,
      task,
      presetId: kind === 'cli' ? presetId : '',
      providerId,
      model,
      permissionMode: mode,
      confined,
      network,
      cols,
      rows,
    };
    const problem = launchFormError(form, catalogEntries);
    if (problem) {
      setError(problem);
      return;
    }
    setCreating(true);
    setError(null);
    const result = await call('agents.create', createParams(form));
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
      wide={launched}
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
            placeholder={suggestedName || 'Suggesting…'}
            onChange={(e) => setName(e.target.value)}
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
            <select data-testid="agent-kind-select" value={kind} onChange={(e) => pickKind(e.target.value as AgentKind)}>
              <option value="shell">Shell</option>
              <option value="command">Command</option>
              <option value="cli">Coding CLI</option>
              <option value="flotilla">Flotilla’s agent</option>
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
        {kind === 'cli' ? (
          <label>
            <span>Coding CLI</span>
            {catalog.state === 'error' ? (
              <div className="dialog-note warn" data-testid="catalog-error">
                Cannot list the coding CLIs: {catalog.message}
              </div>
            ) : (
              <select
                data-testid="agent-preset-select"
                value={presetId}
                disabled={catalog.state === 'loading'}
                onChange={(e) => pickPreset(e.target.value)}
              >
                {catalog.state === 'loading' ? <option value="">Loading…</option> : null}
                {catalog.state === 'ok' && !catalogEntries.some((e) => e.installed) ? (
                  <option value="">None installed</option>
                ) : null}
                {catalogEntries.map((e) => (
                  <option key={e.id} value={e.id} disabled={!e.installed}>
                    {presetLabel(e)}
                  </option>
                ))}
              </select>
            )}
            {entry ? (
              <small className="muted">
                Runs <code>{entry.command}</code> in the agent’s worktree with the task as its first prompt
                {entry.hasStatusHooks ? '; reports its status through its own hooks' : ''}.
              </small>
            ) : null}
            {missing.length > 0 ? (
              <small className="muted" data-testid="catalog-missing">
                Not installed:{' '}
                {missing.map((e, i) => (
                  <span key={e.id}>
                    {i > 0 ? ' · ' : ''}
                    {e.name} (<code>{e.installHint}</code>)
                  </span>
                ))}
              </small>
            ) : null}
          </label>
        ) : null}
        {launched ? (
          <div className="form-row">
            <label>
              <span>
                Provider{kind === 'cli' ? <span className="muted"> (optional)</span> : null}
              </span>
              {providers.state === 'error' ? (
                <div className="dialog-note warn" data-testid="providers-error">
                  Cannot list providers: {providers.message}
                </div>
              ) : (
                <select
                  data-testid="agent-provider-select"
                  value={providerId}
                  disabled={providers.state === 'loading'}
                  onChange={(e) => pickProvider(e.target.value)}
                >
                  {kind === 'cli' ? <option value="">The CLI’s own (environment)</option> : null}
                  {kind === 'flotilla' && providerChoices.length === 0 ? (
                    <option value="">{providers.state === 'loading' ? 'Loading…' : 'No providers: add one in Settings'}</option>
                  ) : null}
                  {providerChoices.map((p) => (
                    <option key={p.id} value={p.id}>
                      {providerLabel(p)}
                    </option>
                  ))}
                </select>
              )}
            </label>
            <label>
              <span>
                Model{kind === 'cli' ? <span className="muted"> (optional)</span> : null}
              </span>
              <input
                data-testid="agent-model-input"
                list="agent-model-options"
                value={model}
                spellCheck={false}
                placeholder={kind === 'cli' ? 'The CLI’s default' : 'e.g. gpt-4.1'}
                onChange={(e) => setModel(e.target.value)}
              />
              <datalist id="agent-model-options">
                {(provider?.models ?? []).map((m) => (
                  <option key={m} value={m} />
                ))}
              </datalist>
            </label>
          </div>
        ) : null}
        {launched ? (
          <div className="form-row">
            <label>
              <span>Permissions</span>
              <select
                data-testid="agent-permission-select"
                value={mode}
                onChange={(e) => setPermissionMode(e.target.value as PermissionMode)}
              >
                {modes.map((m) => (
                  <option key={m} value={m}>
                    {permissionLabel(m)}
                  </option>
                ))}
              </select>
            </label>
            {sandboxFields}
          </div>
        ) : null}
        {!launched && sandboxAvailable ? <div className="form-row">{sandboxFields}</div> : null}
        {launched && sandbox.state !== 'loading' && !sandboxAvailable ? (
          <div className="dialog-note" data-testid="sandbox-note">
            {sandbox.state === 'error'
              ? `No sandbox: ${sandbox.message} The agent will run unconfined, with your user’s access.`
              : sandbox.value.note}
          </div>
        ) : null}
        {confined ? (
          <small className="muted">
            Confined: writes only to its worktree (commits stay on its own branch); sees an empty home, not Flotilla’s data, keys or your sockets.
          </small>
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
        <DialogError message={error ?? branchError} />
      </form>
    </Dialog>
  );
}
