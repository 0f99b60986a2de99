import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, removeDir, sh, tempDir } from '../helpers/repo';
import { launchBrowser, openRepo, startServer, type ServerHandle } from './harness';

describe('opening a repository in the browser', () => {
  let server: ServerHandle;
  let browser: Browser;
  let page: Page;
  const dirs: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    for (const d of dirs) removeDir(d);
  });

  async function openAndExpectError(path: string, pattern: RegExp): Promise<void> {
    await page.getByTestId('repo-path-input').fill(path);
    await page.getByTestId('repo-open-button').click();
    await expect.poll(() => page.getByTestId('repo-error').textContent(), { timeout: 10_000 }).toMatch(pattern);
  }

  it('explains each path that cannot be opened, and opens nothing', async () => {
    const scratch = tempDir();
    dirs.push(scratch);
    await openAndExpectError(join(scratch, 'does-not-exist'), /does not exist/i);

    writeFileSync(join(scratch, 'a-file.txt'), 'x');
    await openAndExpectError(join(scratch, 'a-file.txt'), /not a folder/i);

    const plain = join(scratch, 'plain');
    mkdirSync(plain);
    await openAndExpectError(plain, /not inside a git repository/i);

    const bare = join(scratch, 'bare.git');
    sh(scratch, 'init', '-q', '--bare', bare);
    await openAndExpectError(bare, /bare/i);

    const empty = join(scratch, 'empty');
    mkdirSync(empty);
    sh(empty, 'init', '-q');
    await openAndExpectError(empty, /no commits yet/i);

    expect(await page.getByTestId('agent-pane').count()).toBe(0);
    expect(await page.getByTestId('repo-title').count()).toBe(0);
  });

  it('opens the top level from a subfolder and lists it as recent after a reload', async () => {
    const repo = makeRepo({ 'src/deep/file.ts': 'export {};\n', 'README.md': '# r\n' });
    dirs.push(repo);
    await openRepo(page, join(repo, 'src', 'deep'));
    expect(await page.getByTestId('repo-title').textContent()).toContain(repo.split('/').pop()!);
    await expect.poll(() => page.getByTestId('repo-branch').textContent()).toContain('main');

    await page.goto(server.origin + '/');
    await expect.poll(() => page.locator(`[data-testid="recent-repo"][data-path="${repo}"]`).count(), { timeout: 10_000 }).toBe(1);
  });

  it('completes a typed path', async () => {
    const repo = makeRepo();
    dirs.push(repo);
    mkdirSync(join(repo, 'completion-target-folder'));
    await page.goto(server.origin + '/');
    await page.getByTestId('repo-path-input').fill(join(repo, 'completion-tar'));
    await expect.poll(() => page.getByText('completion-target-folder').count(), { timeout: 10_000 }).toBeGreaterThan(0);
  });
});
