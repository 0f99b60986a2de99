import { useState } from 'react';
import { PROVIDER_KINDS, type ProviderKind } from '../../../shared/types';
import { call } from '../common/call';
import { useContract } from '../common/use-contract';
import { SectionError } from './section-error';
import { isValidId } from './settings-logic';

/** Custom coding CLIs: any command line, launched like the built-in presets. */
export function CustomClisSection() {
  const query = useContract('catalog.list', {}, []);
  const catalog = query.value ?? null;
  const setCatalog = query.set;
  const [actionError, setError] = useState<string | null>(null);
  const error = actionError ?? (query.loaded.state === 'error' ? `Cannot load the catalog: ${query.loaded.message}` : null);
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [command, setCommand] = useState('');
  const [providerKind, setProviderKind] = useState<ProviderKind | ''>('');
  const [busy, setBusy] = useState(false);

  const add = async () => {
    if (!isValidId(id)) return setError('The id is lowercase letters, digits and dashes, e.g. my-agent.');
    if (!name.trim() || !command.trim()) return setError('Enter a name and the command line to run.');
    setBusy(true);
    setError(null);
    const r = await call('catalog.saveCustom', {
      id,
      name: name.trim(),
      command: command.trim(),
      providerKind: providerKind === '' ? null : providerKind,
    });
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    setCatalog(r.value);
    setId('');
    setName('');
    setCommand('');
    setProviderKind('');
  };

  const remove = async (entryId: string) => {
    const r = await call('catalog.removeCustom', { id: entryId });
    if (r.ok) setCatalog(r.value);
    else setError(r.error.message);
  };

  const custom = (catalog ?? []).filter((e) => e.custom);
  return (
    <section className="settings-section" data-testid="settings-custom-clis">
      <h2>Custom CLIs</h2>
      <p className="muted small">
        Any coding CLI: it runs in the agent’s worktree with the task in <code>$FLOTILLA_TASK</code>, and gets the key and
        base URL of the provider kind you pick.
      </p>
      {catalog && custom.length === 0 ? <div className="muted">No custom CLIs yet.</div> : null}
      {custom.length > 0 ? (
        <div className="settings-list">
          {custom.map((e) => (
            <div key={e.id} className="settings-row custom-cli-row" data-testid="custom-cli-row" data-id={e.id}>
              <div className="provider-main">
                <div className="provider-title">
                  <strong>{e.name}</strong>
                  <span className="tag">{e.id}</span>
                  {e.providerKind ? <span className="tag">{e.providerKind}</span> : null}
                  <span className={e.installed ? 'tag key-ok' : 'tag key-none'}>{e.installed ? (e.version ?? 'installed') : 'not found'}</span>
                </div>
                <div className="muted small mono">{e.command}</div>
              </div>
              <button className="ghost danger-hover" data-testid="custom-cli-remove" onClick={() => void remove(e.id)}>
                Remove
              </button>
            </div>
          ))}
        </div>
      ) : null}
      <form
        className="settings-add"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <div className="settings-add-title">Add a CLI</div>
        <div className="form-row">
          <label>
            <span>Id</span>
            <input data-testid="custom-cli-id-input" value={id} spellCheck={false} placeholder="my-agent" onChange={(e) => setId(e.target.value)} />
          </label>
          <label>
            <span>Name</span>
            <input data-testid="custom-cli-name-input" value={name} placeholder="My agent" onChange={(e) => setName(e.target.value)} />
          </label>
          <label>
            <span>Provider kind</span>
            <select
              data-testid="custom-cli-provider-select"
              value={providerKind}
              onChange={(e) => setProviderKind(e.target.value as ProviderKind | '')}
            >
              <option value="">None</option>
              {PROVIDER_KINDS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div className="form-row align-end">
          <label className="grow-2">
            <span>Command line</span>
            <input
              data-testid="custom-cli-command-input"
              value={command}
              spellCheck={false}
              placeholder='my-agent --yes "$FLOTILLA_TASK"'
              onChange={(e) => setCommand(e.target.value)}
            />
          </label>
          <button type="submit" className="primary" data-testid="custom-cli-add-button" disabled={busy}>
            Add CLI
          </button>
        </div>
      </form>
      <SectionError section="custom-clis" message={error} />
    </section>
  );
}
