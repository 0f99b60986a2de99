import { useAgentsStore } from '../../stores/agents-store';
import { useUiStore } from '../../stores/ui-store';
import { AgentPane } from './agent-pane';
import { gridShape } from './grid-layout';

/** The fleet: every agent's pane in a grid sized to the count; one pane when maximized. */
export function FleetGrid() {
  const order = useAgentsStore((s) => s.order);
  const byId = useAgentsStore((s) => s.byId);
  const focusedId = useAgentsStore((s) => s.focusedId);
  const maximizedId = useAgentsStore((s) => s.maximizedId);
  const open = useUiStore((s) => s.open);

  if (order.length === 0) {
    return (
      <div className="fleet-empty">
        <div className="start-card">
          <h1>No agents yet</h1>
          <p className="muted">
            Start an agent: it gets its own branch and worktree, and a terminal running a shell or your coding CLI.
          </p>
          <button className="primary" onClick={() => open({ kind: 'new-agent' })}>
            + New agent
          </button>
          <p className="muted small">Shortcut: Ctrl+Shift+N</p>
        </div>
      </div>
    );
  }

  const { cols, rows } = gridShape(order.length);
  const maximized = maximizedId !== null && byId[maximizedId] ? maximizedId : null;
  // Panes stay mounted while one is maximized: unmounting would detach their terminals.
  return (
    <div
      className={maximized ? 'fleet-grid has-maximized' : 'fleet-grid'}
      data-testid="fleet-grid"
      style={{ '--cols': cols, '--rows': rows } as React.CSSProperties}
    >
      {order.map((id) => {
        const agent = byId[id];
        if (!agent) return null;
        return (
          <AgentPane
            key={id}
            agent={agent}
            focused={focusedId === id}
            maximized={maximized === id}
            hidden={maximized !== null && maximized !== id}
          />
        );
      })}
    </div>
  );
}
