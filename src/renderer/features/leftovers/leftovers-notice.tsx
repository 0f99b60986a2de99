import { useEffect, useState } from 'react';
import { useLeftoversStore } from '../../stores/leftovers-store';
import { adoptOrphan, loadLeftovers, removeOrphan, stopSurvivorsAndRestart } from './leftovers-actions';
import './leftovers.css';

/**
 * A bar under the repository bar when a hard stop of Flotilla left something behind: worktrees
 * or branches it did not finish creating (Adopt as a Shell agent, or Remove with a snapshot of
 * any work), and processes still running in an agent's worktree (Stop them and restart).
 */
export function LeftoversNotice({ repoId }: { repoId: string }) {
  const leftovers = useLeftoversStore((s) => (s.repoId === repoId ? s.leftovers : null));
  const [busy, setBusy] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<{ slug: string; message: string } | null>(null);

  useEffect(() => {
    void loadLeftovers();
  }, [repoId]);

  if (!leftovers || (leftovers.orphans.length === 0 && leftovers.survivors.length === 0)) return null;

  const remove = async (slug: string, confirm: boolean) => {
    setBusy(slug);
    try {
      const outcome = await removeOrphan(slug, confirm);
      setConfirming(outcome ? { slug, message: outcome.needsConfirmation } : null);
    } finally {
      setBusy(null);
    }
  };
  const run = async (key: string, action: () => Promise<void>) => {
    setBusy(key);
    try {
      await action();
    } finally {
      setBusy(null);
    }
  };
  const count = leftovers.orphans.length;

  return (
    <div className="leftovers-bar" data-testid="leftovers" role="status">
      {count > 0 ? (
        <div className="leftovers-group">
          <span>
            Flotilla found {count === 1 ? 'a worktree or branch' : `${count} worktrees or branches`} it did not finish creating:
          </span>
          {leftovers.orphans.map((o) => (
            <span key={o.slug} className="leftovers-item" data-testid="leftover-orphan" data-slug={o.slug} title={o.worktreePath ?? o.branch ?? o.slug}>
              <code>{o.branch ?? o.slug}</code>
              {confirming?.slug === o.slug ? (
                <>
                  <span className="leftovers-warning">{confirming.message}</span>
                  <button className="danger" disabled={busy !== null} onClick={() => void remove(o.slug, true)}>
                    Snapshot and remove
                  </button>
                  <button className="ghost" onClick={() => setConfirming(null)}>
                    Keep
                  </button>
                </>
              ) : (
                <>
                  {o.registered && o.worktreePath && o.branch ? (
                    <button className="ghost" disabled={busy !== null} onClick={() => void run(o.slug, () => adoptOrphan(o.slug))}>
                      Adopt
                    </button>
                  ) : null}
                  <button className="ghost" disabled={busy !== null} onClick={() => void remove(o.slug, false)}>
                    Remove
                  </button>
                </>
              )}
            </span>
          ))}
        </div>
      ) : null}
      {leftovers.survivors.map((s) => (
        <div key={s.agentId} className="leftovers-group" data-testid="leftover-survivors" data-agent-id={s.agentId}>
          <span>
            {s.name} still has {s.processes.length === 1 ? 'a process' : `${s.processes.length} processes`} from an earlier run in its
            worktree ({s.processes.map((p) => `${p.command} ${p.pid}`).join(', ')}).
          </span>
          <button className="danger" disabled={busy !== null} onClick={() => void run(s.agentId, () => stopSurvivorsAndRestart(s.agentId))}>
            Stop them and restart
          </button>
        </div>
      ))}
    </div>
  );
}
