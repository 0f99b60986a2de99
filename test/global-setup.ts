/**
 * Runs once before the unit/integration project: installs the pinned coding CLIs the real-CLI
 * tests launch (from the npm registry, into .cache/test-clis; a no-op when already there), so
 * no two test files race to install them; and gives the test workers a home of their own.
 */
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestClis } from './cli/install-clis';

export default async function setup(): Promise<() => void> {
  await ensureTestClis();
  // Agents' login shells read the machine user's dotfiles; a profile that runs, say, `pyenv
  // rehash` takes a lock that a test killing a shell mid-start can leave behind, and every later
  // login shell then waits a minute for it. The workers, forked after this, inherit this HOME.
  const home = realpathSync(mkdtempSync(join(tmpdir(), 'flotilla-test-home-')));
  writeFileSync(join(home, '.bashrc'), "PS1='$ '\n");
  const saved = process.env.HOME;
  process.env.HOME = home;
  return () => {
    process.env.HOME = saved;
    rmSync(home, { recursive: true, force: true });
  };
}
