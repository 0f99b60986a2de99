import { useToastStore } from '../../stores/toast-store';
import './toasts.css';

/** The toast stack in the bottom-right corner. */
export function Toasts() {
  const toasts = useToastStore((s) => s.toasts);
  const dismiss = useToastStore((s) => s.dismiss);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div
          key={t.id}
          className={`toast toast-${t.kind}`}
          data-testid="toast"
          data-kind={t.kind}
          role={t.kind === 'error' ? 'alert' : 'status'}
          onClick={() => dismiss(t.id)}
          title="Click to dismiss"
        >
          <span className="toast-icon">{t.kind === 'error' ? '!' : 'i'}</span>
          <span className="toast-message">{t.message}</span>
        </div>
      ))}
    </div>
  );
}
