import { useEffect, useState } from 'react';
import { baseUrlProblem } from '../../../shared/base-url';
import type { AppErrorData, ProviderInfo } from '../../../shared/types';
import { toastInfo } from '../../stores/toast-store';
import { call } from '../common/call';
import { SectionError } from './section-error';
import {
  ENDPOINT_KINDS,
  isBuiltinProvider,
  isPlaintextRefusal,
  keySourceLabel,
  kindLabel,
  parseModelList,
  providerIdFromName,
} from './settings-logic';

/**
 * Providers with their models and key status; add an OpenAI-, Anthropic- or Gemini-compatible
 * endpoint; move a built-in to another base URL; set or clear keys.
 */
export function ProvidersSection() {
  const [providers, setProviders] = useState<ProviderInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = async () => {
    const r = await call('providers.list', {});
    if (r.ok) {
      setProviders(r.value);
      setError(null);
    } else setError(`Cannot list providers: ${r.error.message}`);
  };
  useEffect(() => void reload(), []);

  const replace = (updated: ProviderInfo) =>
    setProviders((list) => {
      const current = list ?? [];
      return current.some((p) => p.id === updated.id) ? current.map((p) => (p.id === updated.id ? updated : p)) : [...current, updated];
    });

  return (
    <section className="settings-section" data-testid="settings-providers">
      <h2>Providers</h2>
      <p className="muted small">
        Keys are stored in the OS keychain (desktop) or an owner-only file, or read from environment variables such as{' '}
        <code>OPENAI_API_KEY</code>. They are never shown again, and never given to an agent: agents reach their provider
        through Flotilla, which adds the key.
      </p>
      <SectionError section="providers" message={error} />
      {providers === null && !error ? <div className="muted">Loading…</div> : null}
      {providers && providers.length === 0 ? <div className="muted">No providers yet.</div> : null}
      {providers && providers.length > 0 ? (
        <div className="settings-list">
          {providers.map((p) => (
            <ProviderRow key={p.id} provider={p} onChanged={replace} onRemoved={() => void reload()} />
          ))}
        </div>
      ) : null}
      <AddProviderForm existing={providers ?? []} onAdded={replace} />
    </section>
  );
}

function ProviderRow({
  provider,
  onChanged,
  onRemoved,
}: {
  provider: ProviderInfo;
  onChanged(p: ProviderInfo): void;
  onRemoved(): void;
}) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** Set when the only storage is plain text: the user must accept it explicitly. */
  const [plaintextOffer, setPlaintextOffer] = useState<AppErrorData | null>(null);
  /** The base URL being edited (built-ins only), or null when not editing. */
  const [urlDraft, setUrlDraft] = useState<string | null>(null);
  const builtin = isBuiltinProvider(provider);

  const saveUrl = async () => {
    const url = (urlDraft ?? '').trim();
    const problem = url ? baseUrlProblem(url) : null;
    if (problem) return setError(problem);
    setBusy(true);
    setError(null);
    const r = await call('providers.save', { id: provider.id, kind: provider.kind, name: provider.name, baseUrl: url || null, models: provider.models });
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    setUrlDraft(null);
    onChanged(r.value);
  };

  const saveKey = async (allowPlaintext: boolean) => {
    if (!key) {
      setError('Paste the key first.');
      return;
    }
    setBusy(true);
    setError(null);
    const r = await call('providers.setKey', { id: provider.id, key, allowPlaintext: allowPlaintext || undefined });
    setBusy(false);
    if (r.ok) {
      setKey('');
      setPlaintextOffer(null);
      onChanged(r.value);
      toastInfo(`Key for ${provider.name} saved.`);
    } else if (!allowPlaintext && isPlaintextRefusal(r.error)) {
      setPlaintextOffer(r.error);
    } else {
      setError(r.error.message);
    }
  };

  const clearKey = async () => {
    setBusy(true);
    const r = await call('providers.clearKey', { id: provider.id });
    setBusy(false);
    if (r.ok) onChanged(r.value);
    else setError(r.error.message);
  };

  const remove = async () => {
    const r = await call('providers.remove', { id: provider.id });
    if (r.ok) onRemoved();
    else setError(r.error.message);
  };

  return (
    <div className="settings-row provider-row" data-testid="provider-row" data-provider-id={provider.id}>
      <div className="provider-main">
        <div className="provider-title">
          <strong>{provider.name}</strong>
          <span className="tag">{kindLabel(provider)}</span>
          <span
            className={provider.hasKey ? 'tag key-ok' : 'tag key-none'}
            data-testid="provider-key-status"
            data-key-source={provider.keySource ?? 'none'}
          >
            {keySourceLabel(provider)}
          </span>
        </div>
        {urlDraft === null ? (
          <div className="muted small mono">
            {provider.baseUrl ?? 'vendor default endpoint'}
            {builtin ? (
              <button type="button" className="ghost small" data-testid="provider-url-edit" onClick={() => setUrlDraft(provider.baseUrl ?? '')}>
                Change
              </button>
            ) : null}
          </div>
        ) : (
          <form
            className="provider-url-form"
            onSubmit={(e) => {
              e.preventDefault();
              void saveUrl();
            }}
          >
            <input
              data-testid="provider-url-edit-input"
              value={urlDraft}
              spellCheck={false}
              placeholder="empty: the vendor's default endpoint"
              onChange={(e) => setUrlDraft(e.target.value)}
            />
            <button type="submit" data-testid="provider-url-save" disabled={busy}>
              Save URL
            </button>
            <button type="button" className="ghost" onClick={() => setUrlDraft(null)}>
              Cancel
            </button>
          </form>
        )}
        <div className="muted small" title={provider.models.join(', ')}>
          {provider.models.length > 0 ? provider.models.join(', ') : 'no models listed'}
        </div>
      </div>
      <form
        className="provider-key"
        onSubmit={(e) => {
          e.preventDefault();
          void saveKey(false);
        }}
      >
        <input
          type="password"
          data-testid="provider-key-input"
          autoComplete="new-password"
          spellCheck={false}
          placeholder={provider.hasKey ? 'Replace key…' : 'Paste API key…'}
          value={key}
          onChange={(e) => {
            setKey(e.target.value);
            setPlaintextOffer(null);
          }}
        />
        <button type="submit" data-testid="provider-key-save" disabled={busy || !key}>
          Save key
        </button>
        {provider.hasKey && provider.keySource !== 'env' ? (
          <button type="button" className="ghost" data-testid="provider-key-clear" disabled={busy} onClick={() => void clearKey()}>
            Clear key
          </button>
        ) : null}
        {!builtin ? (
          <button type="button" className="ghost danger-hover" data-testid="provider-remove" onClick={() => void remove()}>
            Remove
          </button>
        ) : null}
      </form>
      {plaintextOffer ? (
        <div className="plaintext-offer" role="alert">
          <span>{plaintextOffer.message}</span>
          <button className="danger" data-testid="provider-key-plaintext" disabled={busy} onClick={() => void saveKey(true)}>
            Store in plain text anyway
          </button>
          <button className="ghost" onClick={() => setPlaintextOffer(null)}>
            Cancel
          </button>
        </div>
      ) : null}
      {error ? (
        <div className="dialog-error" data-testid="provider-error" role="alert">
          {error}
        </div>
      ) : null}
    </div>
  );
}

function AddProviderForm({ existing, onAdded }: { existing: readonly ProviderInfo[]; onAdded(p: ProviderInfo): void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<(typeof ENDPOINT_KINDS)[number]['kind']>('openai-compatible');
  const [baseUrl, setBaseUrl] = useState('');
  const [models, setModels] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const selected = ENDPOINT_KINDS.find((k) => k.kind === kind) ?? ENDPOINT_KINDS[0]!;

  const add = async () => {
    const id = providerIdFromName(name);
    if (!id) return setError('Give the provider a name, e.g. Ollama or LM Studio.');
    if (existing.some((p) => p.id === id)) return setError(`A provider with the id ${id} already exists; pick another name.`);
    const problem = baseUrlProblem(baseUrl);
    if (problem) return setError(problem);
    setBusy(true);
    setError(null);
    const r = await call('providers.save', {
      id,
      kind,
      name: name.trim(),
      baseUrl: baseUrl.trim(),
      models: parseModelList(models),
    });
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    onAdded(r.value);
    setName('');
    setBaseUrl('');
    setModels('');
  };

  return (
    <form
      className="settings-add"
      data-testid="provider-add-form"
      onSubmit={(e) => {
        e.preventDefault();
        void add();
      }}
    >
      <div className="settings-add-title">Add an endpoint by base URL ({selected.examples}…)</div>
      <div className="form-row">
        <label>
          <span>Speaks</span>
          <select data-testid="provider-kind-select" value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
            {ENDPOINT_KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Name</span>
          <input data-testid="provider-name-input" value={name} placeholder="Ollama" onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="grow-2">
          <span>Base URL</span>
          <input
            data-testid="provider-url-input"
            value={baseUrl}
            spellCheck={false}
            placeholder={selected.placeholder}
            onChange={(e) => setBaseUrl(e.target.value)}
          />
        </label>
      </div>
      <div className="form-row align-end">
        <label className="grow-2">
          <span>Models (comma separated)</span>
          <input
            data-testid="provider-models-input"
            value={models}
            spellCheck={false}
            placeholder="llama3.1, qwen2.5-coder"
            onChange={(e) => setModels(e.target.value)}
          />
        </label>
        <button type="submit" className="primary" data-testid="provider-add-button" disabled={busy}>
          Add provider
        </button>
      </div>
      <SectionError section="provider-add" message={error} />
    </form>
  );
}
