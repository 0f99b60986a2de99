import { useEffect, useRef, type ReactNode } from 'react';
import './dialog.css';

interface OverlayPanelProps {
  className: string;
  testId: string;
  label: string;
  onClose: () => void;
  /** Close on a click on the dimmed backdrop (not for views where a stray click would lose work). */
  closeOnBackdrop?: boolean;
  children: ReactNode;
}

/** A large modal panel over the fleet: takes focus when it opens and closes on Escape. */
export function OverlayPanel({ className, testId, label, onClose, closeOnBackdrop = false, children }: OverlayPanelProps) {
  const panelRef = useRef<HTMLDivElement>(null);
  useEffect(() => panelRef.current?.focus(), []);
  return (
    <div
      className="backdrop"
      onMouseDown={
        closeOnBackdrop
          ? (e) => {
              if (e.target === e.currentTarget) onClose();
            }
          : undefined
      }
    >
      <div
        className={className}
        data-testid={testId}
        role="dialog"
        aria-modal="true"
        aria-label={label}
        tabIndex={-1}
        ref={panelRef}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation();
            onClose();
          }
        }}
      >
        {children}
      </div>
    </div>
  );
}
