/** Most panes shown at once; beyond this the grid scrolls. */
export const MAX_VISIBLE_PANES = 16;

/** Columns and visible rows for a fleet of `count` panes. */
export interface GridShape {
  cols: number;
  rows: number;
}

/** 1→1 col, 2→2, 3-4→2x2, 5-6→3x2, 7-9→3x3, 10-16 (and more, scrolling)→4x4. */
export function gridShape(count: number): GridShape {
  if (count <= 1) return { cols: 1, rows: 1 };
  if (count === 2) return { cols: 2, rows: 1 };
  if (count <= 4) return { cols: 2, rows: 2 };
  if (count <= 6) return { cols: 3, rows: 2 };
  if (count <= 9) return { cols: 3, rows: 3 };
  return { cols: 4, rows: 4 };
}

/** Approximate terminal cell size at the app's font, used before a pane exists. */
const CELL_WIDTH_PX = 7.8;
const CELL_HEIGHT_PX = 17;
/** Pane header plus padding. */
const PANE_CHROME_PX = 40;

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
