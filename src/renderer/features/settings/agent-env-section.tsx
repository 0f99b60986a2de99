import { useState } from 'react';
import { toastInfo } from '../../stores/toast-store';
import { call } from '../common/call';
import { useContract } from '../common/use-contract';
import { SectionError } from './section-error';
import { parseNameList } from './settings-logic';

/**
 * Variables passed from Flotilla's environment to agents: off by default (agents get a scrubbed
 * environment), for what a user needs an agent to have — an SSH agent, a proxy, a gh token.
 */
export function AgentEnvSection() {
  const [text, setText] = useState('');
  const [saveError, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const query = useContract('settings.agentEnv', {}, [], (names) => setText(names.join(', ')));
  const saved = query.value ?? null;
  const setSaved = query.set;
  const error = saveError ?? (query.loaded.state === 'error' ? `Cannot load the setting: ${query.loaded.message}` : null);

  const save = async () => {
    setBusy(true);
    setError(null);
    const r = await call('settings.setAgentEnv', { names: parseNameList(text) });
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    setSaved(r.value);
    setText(r.value.join(', '));
    toastInfo(r.value.length > 0 ? `Agents started from now on get ${r.value.join(', ')}.` : 'Agents get no extra variables.');
  };

  return (
    <section className="settings-section" data-testid="settings-agent-env">
      <h2>Agents' environment</h2>
      <p className="muted small">
        Agents start with a scrubbed environment: PATH, HOME, the locale and a few more, no keys or tokens. Name the variables
        they should also get from Flotilla's environment, e.g. <code>SSH_AUTH_SOCK</code> to push over SSH,{' '}
        <code>HTTPS_PROXY</code> behind a proxy, <code>GH_TOKEN</code> for <code>gh</code>. Each one is then visible to every
        agent started from now on, and to everything those agents run. A confined agent gets the variable but still cannot
        reach host sockets (so <code>SSH_AUTH_SOCK</code> works only for unconfined agents).
      </p>
      <form
        className="form-row align-end"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label className="grow-2">
          <span>Variable names (comma separated)</span>
          <input
            data-testid="agent-env-input"
            value={text}
            spellCheck={false}
            placeholder="none (SSH_AUTH_SOCK, HTTPS_PROXY, GH_TOKEN…)"
            disabled={saved === null}
            onChange={(e) => setText(e.target.value)}
          />
        </label>
        <button type="submit" data-testid="agent-env-save" disabled={busy || saved === null}>
          Save
        </button>
      </form>
      <SectionError section="agent-env" message={error} />
    </section>
  );
}
