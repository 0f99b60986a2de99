import { OverlayPanel } from '../common/overlay-panel';
import { useUiStore } from '../../stores/ui-store';
import { AgentEnvSection } from './agent-env-section';
import { CustomClisSection } from './custom-clis-section';
import { LogsSection } from './logs-section';
import { PricesSection } from './prices-section';
import { ProvidersSection } from './providers-section';
import './settings.css';

/** Settings overlay: providers and keys, the price table, custom coding CLIs, agents' environment, and the logs. */
export function SettingsView() {
  const close = useUiStore((s) => s.close);
  return (
    <OverlayPanel className="settings-view" testId="settings-view" label="Settings" onClose={close} closeOnBackdrop>
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
          <AgentEnvSection />
          <LogsSection />
        </div>
    </OverlayPanel>
  );
}
