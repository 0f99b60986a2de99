import { useState } from 'react';
import { toastInfo } from '../../stores/toast-store';
import { call } from '../common/call';
import { SectionError } from './section-error';

/**
 * Where Flotilla's log files are: the desktop app opens the folder; in a browser the path is
 * shown with a copy button (a page cannot open a folder on the machine it was served from).
 */
export function LogsSection() {
  const [path, setPath] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const open = async () => {
    setBusy(true);
    setError(null);
    const r = await call('app.openLogs', {});
    setBusy(false);
    if (!r.ok) return setError(`Cannot open the logs folder: ${r.error.message}`);
    setPath(r.value.opened ? null : r.value.path);
  };

  const copy = async () => {
    if (!path) return;
    try {
      await navigator.clipboard.writeText(path);
      toastInfo('Copied the path of the logs folder.');
    } catch {
      setError('Cannot copy here; select the path and copy it by hand.');
    }
  };

  return (
    <section className="settings-section" data-testid="settings-logs">
      <h2>Logs</h2>
      <p className="muted small">
        One file a day, the last 7 days kept. Failed git commands, unexpected errors, agent starts and exits, and refused
        requests, with the detail messages leave out. Keys and tokens are never written.
      </p>
      <div className="form-row align-end">
        <button data-testid="settings-open-logs" disabled={busy} onClick={() => void open()}>
          Open logs folder
        </button>
      </div>
      {path && (
        <div className="form-row align-end">
          <code data-testid="settings-logs-path" className="grow-2">
            {path}
          </code>
          <button className="ghost" data-testid="settings-copy-logs-path" onClick={() => void copy()}>
            Copy
          </button>
        </div>
      )}
      <SectionError section="logs" message={error} />
    </section>
  );
}
