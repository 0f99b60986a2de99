import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { worktreeRoot } from '../../src/main/core/worktrees/naming';
import { makeRepo, removeDir, sh, tempDir } from '../helpers/repo';
import { createAgent, launchBrowser, makeHome, openRepo, paneOf, startServer, terminalText, typeInTerminal, waitUntil, type ServerHandle } from './harness';

/** Running and not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe.skipIf(process.platform !== 'linux')('what a hard stop of Flotilla left behind', () => {
  let browser: Browser;
  let server: ServerHandle | undefined;
  const repo = makeRepo();
  const dataDir = tempDir('flotilla-data-');
  const home = makeHome();
  const pids: number[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    removeDir(repo);
    removeDir(dataDir);
    removeDir(home);
  });

  it('shows a worktree it did not finish creating and a process that outlived it, and clears both on request', async () => {
    // A creation cut between `git worktree add` and the record.
    const lost = join(worktreeRoot(dataDir, repo), 'lost-heron');
    sh(repo, 'worktree', 'add', '-q', '-b', 'flotilla/lost-heron', lost);

    server = await startServer({ dataDir, home });
    let page = await browser.newPage();
    await page.goto(server.url);
    await openRepo(page, repo);
    const orphanOn = (p: typeof page) => p.locator('[data-testid="leftover-orphan"][data-slug="lost-heron"]');
    await orphanOn(page).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('leftovers').textContent()).toContain('did not finish creating');

    const id = await createAgent(page, { name: 'Stubborn' });
    await typeInTerminal(page, 'Stubborn', "(trap '' HUP; exec sleep 1000) & echo started-$!");
    let pid = 0;
    await waitUntil(
      async () => {
        const match = /started-(\d+)/.exec(await terminalText(page, id));
        pid = match ? Number(match[1]) : 0;
        return pid > 0;
      },
      15_000,
      'the background process to start',
    );
    pids.push(pid);

    // Flotilla is killed outright; the process ignores the hangup and keeps running.
    const exited = new Promise<void>((r) => server!.child.once('exit', () => r()));
    server.child.kill('SIGKILL');
    await exited;
    await page.close();
    expect(alive(pid)).toBe(true);

    server = await startServer({ dataDir, home });
    page = await browser.newPage();
    await page.goto(server.url);
    await openRepo(page, repo);
    const survivors = page.locator(`[data-testid="leftover-survivors"][data-agent-id="${id}"]`);
    await survivors.waitFor({ timeout: 15_000 });
    expect(await survivors.textContent()).toContain(`sleep ${pid}`);

    // Restart alone refuses to start a second copy in the same worktree.
    await expect.poll(() => paneOf(page, 'Stubborn').getAttribute('data-status'), { timeout: 15_000 }).toBe('interrupted');
    await paneOf(page, 'Stubborn').getByTestId('pane-restart').click();
    await expect.poll(() => page.getByTestId('toast').allTextContents(), { timeout: 15_000 }).toContainEqual(expect.stringContaining('still has'));
    expect(await paneOf(page, 'Stubborn').getAttribute('data-status')).toBe('interrupted');
    expect(alive(pid)).toBe(true);

    await survivors.getByRole('button', { name: 'Stop them and restart' }).click();
    await expect.poll(() => paneOf(page, 'Stubborn').getAttribute('data-status'), { timeout: 15_000 }).toBe('running');
    await waitUntil(() => !alive(pid), 15_000, `process ${pid} to stop`);
    await survivors.waitFor({ state: 'detached', timeout: 15_000 });

    // The orphan holds nothing to lose: removed at once.
    await orphanOn(page).getByRole('button', { name: 'Remove' }).click();
    await page.getByTestId('leftovers').waitFor({ state: 'detached', timeout: 15_000 });
    expect(existsSync(lost)).toBe(false);
    expect(sh(repo, 'branch', '--list', 'flotilla/lost-heron')).toBe('');
  });
});
