import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, removeDir, writeFile } from '../helpers/repo';
import { createAgent, openSession, paneOf, type BrowserSession } from './harness';

const FILES = 1_000;

/** The worktree of `branch`, from the repository's own worktree list. */
function worktreeOf(repo: string, branch: string): string {
  const records = execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: repo, encoding: 'utf8' }).split('\n\n');
  const record = records.find((r) => r.split('\n').includes(`branch refs/heads/${branch}`));
  const path = /^worktree (.+)$/m.exec(record ?? '')?.[1];
  if (!path) throw new Error(`no worktree for ${branch}`);
  return path;
}

describe('a change list of 1,000 files in the changes panel', () => {
  let session: BrowserSession;
  let page: Page;
  let repo: string;
  const name = (i: number) => `src/m${String(i % 10)}/file${String(i).padStart(4, '0')}.txt`;

  beforeAll(async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < FILES; i++) files[name(i)] = `original ${i}\n`;
    repo = makeRepo(files);
    session = await openSession(repo);
    page = session.page;
    await createAgent(page, { name: 'Many' });
    const worktree = worktreeOf(repo, 'flotilla/many');
    for (let i = 0; i < FILES; i++) writeFile(worktree, name(i), `changed ${i}\n`);
  });

  afterAll(async () => {
    await session?.close();
    if (repo) removeDir(repo);
  });

  it('lists every file, keeps only a screenful of rows in the page, and scrolls to the last one', async () => {
    await paneOf(page, 'Many').getByTestId('pane-changes').click();
    const filter = page.locator('.file-filter');
    await expect.poll(() => filter.getAttribute('placeholder'), { timeout: 60_000 }).toBe(`Filter ${FILES} files…`);
    const rows = page.getByTestId('changed-file');
    await rows.first().waitFor();
    // Virtualised: a 1,000-row list puts only the rows in view (and a margin) in the DOM.
    expect(await rows.count()).toBeLessThan(200);
    const last = [...Array(FILES).keys()].map(name).sort().at(-1)!;
    await page.locator('.file-list').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    const lastRow = page.locator(`[data-testid="changed-file"][data-path="${last}"]`);
    await lastRow.waitFor({ timeout: 10_000 });
    expect(await lastRow.getAttribute('data-status')).toBe('M');
    await lastRow.click();
    await expect.poll(() => page.getByTestId('diff-editor').getAttribute('data-path'), { timeout: 30_000 }).toBe(last);
    await expect.poll(() => page.getByTestId('diff-editor').textContent(), { timeout: 30_000 }).toContain(`changed ${FILES - 1}`);
  });

  it('opens the first file by itself once the list shows', async () => {
    await page.getByTestId('changes-close').click();
    await paneOf(page, 'Many').getByTestId('pane-changes').click();
    const first = [...Array(FILES).keys()].map(name).sort()[0]!;
    await expect.poll(() => page.getByTestId('diff-editor').getAttribute('data-path'), { timeout: 60_000 }).toBe(first);
    await expect.poll(() => page.getByTestId('diff-editor').getAttribute('data-ready'), { timeout: 30_000 }).toBe('true');
  });
});
