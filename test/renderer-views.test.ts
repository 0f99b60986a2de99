import { beforeEach, describe, expect, it } from 'vitest';
import { sameView, useUiStore } from '../src/renderer/stores/ui-store';

describe('view navigation', () => {
  beforeEach(() => useUiStore.setState({ view: { kind: 'fleet' }, history: [], overlay: { kind: 'none' } }));

  it('starts on the fleet, and back from the start stays there', () => {
    expect(useUiStore.getState().view).toEqual({ kind: 'fleet' });
    useUiStore.getState().back();
    expect(useUiStore.getState().view).toEqual({ kind: 'fleet' });
    expect(useUiStore.getState().history).toEqual([]);
  });

  it('navigating to the view already shown adds no history step and keeps an open overlay', () => {
    useUiStore.getState().open({ kind: 'settings' });
    useUiStore.getState().navigate({ kind: 'fleet' });
    expect(useUiStore.getState().history).toEqual([]);
    expect(useUiStore.getState().overlay).toEqual({ kind: 'settings' });
  });

  it('views compare by value', () => {
    expect(sameView({ kind: 'fleet' }, { kind: 'fleet' })).toBe(true);
  });
});
