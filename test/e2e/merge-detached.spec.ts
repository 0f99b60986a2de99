import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, removeDir, sh } from '../helpers/repo';
import { createAgent, openSession, paneOf, typeInTerminal, waitForTerminal, type BrowserSession } from './harness';

describe('merging an agent started from a detached HEAD', () => {
  let session: BrowserSession;
  let page: Page;
  let repo: string;

  beforeAll(async () => {
    repo = makeRepo({ 'README.md': '# project\n' });
    sh(repo, 'branch', 'release');
    sh(repo, 'checkout', '-q', '--detach');
    session = await openSession(repo);
    ({ page } = session);
  });

  afterAll(async () => {
    await session?.close();
    if (repo) removeDir(repo);
  });

  it('lets the user pick the branch to merge into, and merges there', async () => {
    const detachedAt = sh(repo, 'rev-parse', 'HEAD');
    const id = await createAgent(page, { name: 'Loose' });
    await typeInTerminal(page, 'Loose', "printf 'loose\\n' > loose.txt && echo wrote-$((6*7))");
    await waitForTerminal(page, id, 'wrote-42');

    await paneOf(page, 'Loose').getByTestId('pane-merge').click();
    await page.getByTestId('merge-dialog').waitFor();
    const select = page.getByTestId('merge-target-select');
    await select.waitFor({ timeout: 15_000 });
    expect(await select.locator('option').allTextContents()).toEqual(['main', 'release']);
    await select.selectOption('release');
    await expect.poll(() => page.getByTestId('merge-base').textContent(), { timeout: 15_000 }).toBe('release');
    await expect.poll(() => page.getByTestId('merge-confirm').isEnabled(), { timeout: 15_000 }).toBe(true);
    expect(await page.getByTestId('merge-confirm').textContent()).toBe('Merge into release');
    await page.getByTestId('merge-message').fill('Loose work');
    await page.getByTestId('merge-confirm').click();
    await page.getByTestId('merge-result').waitFor({ timeout: 15_000 });

    expect(sh(repo, 'show', 'release:loose.txt')).toBe('loose');
    expect(sh(repo, 'log', '-1', '--format=%s', 'release')).toBe('Loose work');
    expect(sh(repo, 'rev-parse', 'main')).toBe(detachedAt);
    expect(sh(repo, 'rev-parse', 'HEAD')).toBe(detachedAt);
  });
});
