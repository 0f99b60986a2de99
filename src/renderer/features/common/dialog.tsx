import { useEffect, useRef, type ReactNode } from 'react';
import './dialog.css';

interface DialogProps {
  testId: string;
  title: ReactNode;
  onClose(): void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
}

/** A modal dialog: Escape or a click on the backdrop closes it, focus starts inside. */
export function Dialog({ testId, title, onClose, children, footer, wide }: DialogProps) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    // Focus the first field so the keyboard works at once, unless something inside already has it.
    if (!el.contains(document.activeElement)) {
      const first = el.querySelector<HTMLElement>('input, select, textarea, button.primary');
      (first ?? el).focus();
    }
  }, []);
  return (
    <div
      className="backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        ref={ref}
        className={wide ? 'dialog wide' : 'dialog'}
        data-testid={testId}
        role="dialog"
        aria-modal="true"
        tabIndex={-1}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation();
            onClose();
          }
        }}
      >
        <div className="dialog-title">
          <span>{title}</span>
          <button className="icon-button" title="Close" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        <div className="dialog-body">{children}</div>
        {footer ? <div className="dialog-footer">{footer}</div> : null}
      </div>
    </div>
  );
}

/** An error line inside a dialog. */
export function DialogError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <div className="dialog-error" data-testid="dialog-error" role="alert">
      {message}
    </div>
  );
}
