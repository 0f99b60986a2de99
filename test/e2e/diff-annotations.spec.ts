import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, removeDir, writeFile } from '../helpers/repo';
import { createAgent, openSession, paneOf, waitUntil, type BrowserSession } from './harness';

/** The worktree of `branch`, from the repository's own worktree list. */
function worktreeOf(repo: string, branch: string): string {
  const records = execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: repo, encoding: 'utf8' }).split('\n\n');
  const path = /^worktree (.+)$/m.exec(records.find((r) => r.split('\n').includes(`branch refs/heads/${branch}`)) ?? '')?.[1];
  if (!path) throw new Error(`no worktree for ${branch}`);
  return path;
}

describe('annotations on the diff editor', () => {
  let session: BrowserSession;
  let page: Page;
  let repo: string;
  let agentId: string;

  beforeAll(async () => {
    repo = makeRepo({ 'src/cart.ts': 'export const a = 1;\nexport const b = 2;\nexport const c = 3;\n' });
    session = await openSession(repo);
    page = session.page;
    await createAgent(page, { name: 'Annotated' });
    writeFile(worktreeOf(repo, 'flotilla/annotated'), 'src/cart.ts', 'export const a = 1;\nexport const b = 20;\nexport const c = 3;\n');
    agentId = (await paneOf(page, 'Annotated').getAttribute('data-agent-id'))!;
    await paneOf(page, 'Annotated').getByTestId('pane-changes').click();
    await page.locator('[data-testid="changed-file"][data-path="src/cart.ts"]').click();
    await waitUntil(async () => (await page.getByTestId('diff-editor').getAttribute('data-ready')) === 'true', 30_000, 'the diff editor shows the file');
  });

  afterAll(async () => {
    await session?.close();
    if (repo) removeDir(repo);
  });

  it('draws each annotation on its side: a marked line and a widget with its title and text', async () => {
    await page.evaluate(
      ([id]) =>
        window.__flotilla!.setAnnotations(id, 'src/cart.ts', [
          { id: 'f1', side: 'modified', startLine: 2, endLine: 2, severity: 'blocker', title: 'b changed meaning', body: 'AC-2 says b stays 2.' },
          { id: 'f2', side: 'original', startLine: 1, endLine: 1, severity: 'nit', title: 'old naming' },
        ]),
      [agentId],
    );
    const widgets = page.getByTestId('annotation-widget');
    await expect.poll(() => widgets.count(), { timeout: 10_000 }).toBe(2);
    const blocker = page.locator('[data-annotation-id="f1"]');
    expect(await blocker.textContent()).toContain('blocker · b changed meaning');
    expect(await blocker.textContent()).toContain('AC-2 says b stays 2.');
    // The modified side's widget is in the modified editor, the original's in the original.
    expect(await page.locator('.editor.modified [data-annotation-id="f1"]').count()).toBe(1);
    expect(await page.locator('.editor.original [data-annotation-id="f2"]').count()).toBe(1);
    expect(await page.locator('.editor.modified .annotation-line.annotation-blocker').count()).toBeGreaterThan(0);
  });

  it('replacing or clearing the annotations removes what was drawn', async () => {
    await page.evaluate(([id]) => window.__flotilla!.setAnnotations(id, 'src/cart.ts', []), [agentId]);
    await expect.poll(() => page.getByTestId('annotation-widget').count(), { timeout: 10_000 }).toBe(0);
    expect(await page.locator('.annotation-line').count()).toBe(0);
    expect(await page.getByTestId('diff-editor').getAttribute('data-annotations')).toBe('0');
  });
});
