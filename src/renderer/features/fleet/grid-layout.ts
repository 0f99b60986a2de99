/** Most panes shown at once; beyond this the grid scrolls. */
export const MAX_VISIBLE_PANES = 16;

/** Columns and visible rows for a fleet of `count` panes. */
export interface GridShape {
  cols: number;
  rows: number;
}

/**
 * 1→1 col, 2→2, 3-4→2x2, 5-6→3x2, 7-9→3x3, 10-16 (and more, scrolling)→4 cols of up to 4
 * visible rows. Rows never exceed what the panes fill, so 10 panes get 3 taller rows.
 */
export function gridShape(count: number): GridShape {
  const cols = count <= 1 ? 1 : count <= 4 ? 2 : count <= 9 ? 3 : 4;
  const maxRows = count <= 2 ? 1 : count <= 6 ? 2 : count <= 9 ? 3 : 4;
  return { cols, rows: Math.max(1, Math.min(maxRows, Math.ceil(count / cols))) };
}

/** Approximate terminal cell size at the app's font, used before a pane exists. */
const CELL_WIDTH_PX = 7.8;
const CELL_HEIGHT_PX = 17;
/** Pane header (two rows in a grid) plus padding. */
const PANE_CHROME_PX = 62;

/** Guesses the cols/rows a new pane will get when the fleet grows to `count` panes. */
export function estimateTerminalSize(areaWidth: number, areaHeight: number, count: number): { cols: number; rows: number } {
  const { cols, rows } = gridShape(count);
  const w = Math.max(0, areaWidth / cols - 16);
  const h = Math.max(0, areaHeight / rows - PANE_CHROME_PX);
  return {
    cols: Math.min(1000, Math.max(20, Math.floor(w / CELL_WIDTH_PX))),
    rows: Math.min(1000, Math.max(5, Math.floor(h / CELL_HEIGHT_PX))),
  };
}
