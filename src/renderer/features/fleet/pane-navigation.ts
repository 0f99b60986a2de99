import { assertNever } from '../../../shared/assert-never';

/** A direction for moving focus between panes. */
export type PaneDirection = 'left' | 'right' | 'up' | 'down';

/**
 * The index focus moves to from `index` in a grid of `count` panes laid out `cols` wide.
 * Stays put at an edge; -1 (nothing focused) goes to the first pane.
 */
export function neighborIndex(index: number, count: number, cols: number, direction: PaneDirection): number {
  if (count <= 0) return -1;
  if (index < 0 || index >= count) return 0;
  const col = index % cols;
  switch (direction) {
    case 'left':
      return col > 0 ? index - 1 : index;
    case 'right':
      return col < cols - 1 && index + 1 < count ? index + 1 : index;
    case 'up':
      return index - cols >= 0 ? index - cols : index;
    case 'down':
      return index + cols < count ? index + cols : index;
    default:
      return assertNever(direction);
  }
}

/** Maps an arrow key to a direction. */
export function arrowDirection(key: string): PaneDirection | null {
  switch (key) {
    case 'ArrowLeft':
      return 'left';
    case 'ArrowRight':
      return 'right';
    case 'ArrowUp':
      return 'up';
    case 'ArrowDown':
      return 'down';
    default:
      return null;
  }
}
