/**
 * When an agent's diff stat is measured: after signs of change (coalesced), at most a few at
 * once, and on a file event in a watched folder — not on a fast timer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChangeWatcher, MAX_CONCURRENT_MEASUREMENTS } from '../src/main/core/agents/change-watcher';
import { removeDir, tempDir } from './helpers/repo';

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const owned: ChangeWatcher[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const w of owned.splice(0)) w.dispose();
  for (const d of dirs.splice(0)) removeDir(d);
});

describe('ChangeWatcher', () => {
  it('coalesces a burst of signs into one measurement', async () => {
    const measured: string[] = [];
    const w = new ChangeWatcher(async (id) => void measured.push(id), { settleMs: 50 });
    owned.push(w);
    w.watch('a', []);
    await until(() => measured.length === 1, 'the first measurement');
    for (let i = 0; i < 50; i++) w.schedule('a');
    await until(() => measured.length === 2, 'one measurement for the burst');
    await new Promise((r) => setTimeout(r, 200));
    expect(measured).toEqual(['a', 'a']);
  });

  it('measures after a file event in a watched folder, and not after unwatch', async () => {
    const dir = tempDir('flotilla-watch-');
    dirs.push(dir);
    const measured: string[] = [];
    const w = new ChangeWatcher(async (id) => void measured.push(id), { settleMs: 20 });
    owned.push(w);
    w.watch('a', [dir]);
    await until(() => measured.length === 1, 'the first measurement');
    writeFileSync(join(dir, 'new.txt'), 'x');
    await until(() => measured.length === 2, 'a measurement after the file event');
    w.unwatch('a');
    mkdirSync(join(dir, 'sub'));
    w.schedule('a', 0);
    await new Promise((r) => setTimeout(r, 200));
    expect(measured).toHaveLength(2);
  });

  it(`runs at most ${MAX_CONCURRENT_MEASUREMENTS} measurements at once across the fleet`, async () => {
    let running = 0;
    let peak = 0;
    let done = 0;
    const release: Array<() => void> = [];
    const w = new ChangeWatcher(async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((r) => release.push(r));
      running--;
      done++;
    });
    owned.push(w);
    for (let i = 0; i < 8; i++) w.watch(`agent-${i}`, []);
    while (done < 8) {
      await until(() => release.length > 0, 'a measurement to start');
      release.shift()!();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(peak).toBe(MAX_CONCURRENT_MEASUREMENTS);
  });
});
