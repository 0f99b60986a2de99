import { useEffect, useRef } from 'react';
import { useUiStore } from '../../stores/ui-store';
import { CustomClisSection } from './custom-clis-section';
import { PricesSection } from './prices-section';
import { ProvidersSection } from './providers-section';

/** Settings overlay: providers and keys, the price table, and custom coding CLIs. */
export function SettingsView() {
  const close = useUiStore((s) => s.close);
  const panelRef = useRef<HTMLDivElement>(null);
  useEffect(() => panelRef.current?.focus(), []);

  return (
    <div
      className="backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) close();
      }}
    >
      <div
        className="settings-view"
        data-testid="settings-view"
        role="dialog"
        aria-modal="true"
        aria-label="Settings"
        tabIndex={-1}
        ref={panelRef}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation();
            close();
          }
        }}
      >
        <div className="changes-header">
          <span className="changes-title">Settings</span>
          <span className="pane-spacer" />
          <button data-testid="settings-close" className="ghost" onClick={close}>
            Close
          </button>
        </div>
        <div className="settings-body">
          <ProvidersSection />
          <PricesSection />
          <CustomClisSection />
        </div>
      </div>
    </div>
  );
}
