import { rmSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, removeDir, sh, tempDir } from '../helpers/repo';
import { createAgent, launchBrowser, makeHome, openRepo, paneOf, startServer, terminalText, typeInTerminal, waitForTerminal, type ServerHandle } from './harness';

describe('coming back after a restart', () => {
  let browser: Browser;
  let server: ServerHandle | undefined;
  const repo = makeRepo();
  const dataDir = tempDir('flotilla-data-');
  const home = makeHome();

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    removeDir(repo);
  });

  it('shows history, transcripts, interrupted agents and missing worktrees', async () => {
    server = await startServer({ dataDir, home });
    let page = await browser.newPage();
    await page.goto(server.url);
    await openRepo(page, repo);
    const gamma = await createAgent(page, { name: 'Gamma' });
    await createAgent(page, { name: 'Delta' });
    await typeInTerminal(page, 'Gamma', 'echo persisted-marker-$((6*7))');
    await waitForTerminal(page, gamma, 'persisted-marker-42');
    await page.close();
    await server.stop();

    // Delta's worktree is deleted behind Flotilla's back while it is not running.
    const deltaPath = sh(repo, 'worktree', 'list', '--porcelain').split('\n').find((l) => l.startsWith('worktree ') && l.endsWith('/delta'))!.slice(9);
    rmSync(deltaPath, { recursive: true, force: true });

    server = await startServer({ dataDir, home });
    page = await browser.newPage();
    await page.goto(server.url);
    await openRepo(page, repo);
    await expect.poll(() => paneOf(page, 'Gamma').getAttribute('data-status'), { timeout: 15_000 }).toBe('interrupted');
    await expect.poll(() => terminalText(page, gamma), { timeout: 15_000 }).toContain('persisted-marker-42');
    await expect.poll(() => paneOf(page, 'Delta').getAttribute('data-status'), { timeout: 15_000 }).toBe('missing');

    await paneOf(page, 'Gamma').getByTestId('pane-restart').click();
    await expect.poll(() => paneOf(page, 'Gamma').getAttribute('data-status'), { timeout: 15_000 }).toBe('running');
    await typeInTerminal(page, 'Gamma', 'echo back-again-$((1+1))');
    await waitForTerminal(page, gamma, 'back-again-2');
  });

  it('an open tab reconnects to a restarted server, and a reload keeps the open repository', async () => {
    const ownData = tempDir('flotilla-data-');
    const ownHome = makeHome();
    let own = await startServer({ dataDir: ownData, home: ownHome });
    try {
      const page = await browser.newPage();
      await page.goto(own.url);
      await openRepo(page, repo);
      const title = await page.getByTestId('repo-title').textContent();
      // The token is gone from the address bar, kept in the tab.
      expect(page.url()).not.toContain(own.token);

      await own.stop();
      await page.getByTestId('reconnecting').waitFor({ timeout: 15_000 });
      const before = { origin: own.origin, token: own.token };
      own = await startServer({ dataDir: ownData, home: ownHome });
      expect({ origin: own.origin, token: own.token }).toEqual(before);
      await page.getByTestId('reconnecting').waitFor({ state: 'detached', timeout: 30_000 });
      await createAgent(page, { name: 'AfterRestart' });

      await page.reload();
      await expect.poll(() => page.getByTestId('repo-title').textContent(), { timeout: 15_000 }).toBe(title);
      await expect.poll(() => paneOf(page, 'AfterRestart').getAttribute('data-status'), { timeout: 15_000 }).toBe('running');
      await page.close();
    } finally {
      await own.stop();
      removeDir(ownData);
      removeDir(ownHome);
    }
  });
});
