import type { ReactNode } from 'react';
import { useUiStore, type View } from '../../stores/ui-store';
import { FleetGrid } from '../fleet/fleet-grid';

/** One renderer per kind of view; TypeScript refuses a view kind without one. */
const VIEWS: { [K in View['kind']]: (view: Extract<View, { kind: K }>) => ReactNode } = {
  fleet: () => <FleetGrid />,
};

/** The main area: whichever work surface the user navigated to (the fleet by default). */
export function ViewRouter() {
  const view = useUiStore((s) => s.view);
  const render = VIEWS[view.kind] as (view: View) => ReactNode;
  return (
    <div className="view" data-testid="view" data-view={view.kind}>
      {render(view)}
    </div>
  );
}
