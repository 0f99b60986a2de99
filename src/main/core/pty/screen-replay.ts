/**
 * Restores a terminal's screen from its transcript. Raw bytes replayed at another width come
 * out wrong: a shell redraws its prompt on every resize with cursor moves computed for the
 * width of that moment, and at another width those moves erase earlier output. So the bytes
 * are fed to a headless xterm that is resized exactly where the PTY was, and what is sent is
 * that terminal's serialized state (scrollback included): a screen, not a history.
 */
import { createRequire } from 'node:module';
import type { SerializeAddon as SerializeAddonType } from '@xterm/addon-serialize';
import type { Terminal as HeadlessTerminal } from '@xterm/headless';

// Both packages are CommonJS whose named exports Node's ESM loader cannot see; require them.
const requireCommonJs = createRequire(import.meta.url);
const { Terminal } = requireCommonJs('@xterm/headless') as { Terminal: typeof HeadlessTerminal };
const { SerializeAddon } = requireCommonJs('@xterm/addon-serialize') as { SerializeAddon: typeof SerializeAddonType };

/** The restored screen keeps at most this many lines above the visible rows. */
export const REPLAY_SCROLLBACK_LINES = 5_000;
/** The size assumed for output stored before sizes were recorded. */
const FALLBACK_SIZE = { cols: 80, rows: 24 } as const;

/** Output printed at one terminal size, oldest first. */
export interface SizedOutput {
  data: Uint8Array;
  cols: number | null;
  rows: number | null;
}

/**
 * Replays `segments` into a headless terminal, resized at each change of size, and returns
 * bytes that draw the resulting screen and scrollback on a fresh terminal. Empty input gives
 * an empty result.
 */
export async function renderScreen(segments: readonly SizedOutput[], scrollbackLines = REPLAY_SCROLLBACK_LINES): Promise<Buffer> {
  const nonEmpty = segments.filter((s) => s.data.byteLength > 0);
  if (nonEmpty.length === 0) return Buffer.alloc(0);
  const first = nonEmpty.find((s) => s.cols !== null && s.rows !== null);
  const start = { cols: first?.cols ?? FALLBACK_SIZE.cols, rows: first?.rows ?? FALLBACK_SIZE.rows };
  const term = new Terminal({ cols: start.cols, rows: start.rows, scrollback: scrollbackLines, allowProposedApi: true });
  const serializer = new SerializeAddon();
  term.loadAddon(serializer);
  try {
    for (const segment of nonEmpty) {
      const cols = segment.cols ?? term.cols;
      const rows = segment.rows ?? term.rows;
      if (cols !== term.cols || rows !== term.rows) {
        // Writes are queued; the resize must land after every byte printed at the old size.
        await new Promise<void>((resolve) => term.write(new Uint8Array(0), resolve));
        term.resize(cols, rows);
      }
      term.write(segment.data);
    }
    await new Promise<void>((resolve) => term.write(new Uint8Array(0), resolve));
    return Buffer.from(serializer.serialize({ scrollback: scrollbackLines }), 'utf8');
  } finally {
    term.dispose();
  }
}
