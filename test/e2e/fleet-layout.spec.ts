import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, removeDir } from '../helpers/repo';
import { createAgent, openSession, ROOT, type BrowserSession } from './harness';

const PANE_BUTTONS = ['pane-changes', 'pane-merge', 'pane-restart', 'pane-stop', 'pane-maximize', 'pane-remove'];
const PANE_LABELS = ['pane-title', 'pane-status', 'pane-branch', 'pane-diffstat'];

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function inside(inner: Box, outer: Box): boolean {
  return (
    inner.width > 0 &&
    inner.height > 0 &&
    inner.x >= outer.x - 0.5 &&
    inner.y >= outer.y - 0.5 &&
    inner.x + inner.width <= outer.x + outer.width + 0.5 &&
    inner.y + inner.height <= outer.y + outer.height + 0.5
  );
}

async function box(locator: Locator, what: string): Promise<Box> {
  const b = await locator.boundingBox();
  if (!b) throw new Error(`${what} has no box (not rendered)`);
  return b;
}

/**
 * Every pane shows its name, status, branch and diff stat, and every button sits inside the pane
 * and receives a click there (a trial click: Playwright's hit test, without acting).
 */
async function expectEveryPaneComplete(page: Page, count: number): Promise<void> {
  const panes = page.getByTestId('agent-pane');
  await expect.poll(() => panes.count()).toBe(count);
  for (let i = 0; i < count; i++) {
    const pane = panes.nth(i);
    await pane.scrollIntoViewIfNeeded();
    const name = await pane.getAttribute('data-agent-name');
    const paneBox = await box(pane, `pane ${name}`);
    for (const id of [...PANE_LABELS, ...PANE_BUTTONS]) {
      const part = pane.getByTestId(id);
      expect(await part.isVisible(), `${id} of ${name} at ${count} agents is visible`).toBe(true);
      const partBox = await box(part, `${id} of ${name}`);
      expect(inside(partBox, paneBox), `${id} of ${name} at ${count} agents lies inside its pane: ${JSON.stringify({ partBox, paneBox })}`).toBe(true);
    }
    // The branch may be ellipsized, but it is shown.
    expect((await box(pane.getByTestId('pane-branch'), 'branch')).width).toBeGreaterThan(30);
    for (const id of PANE_BUTTONS) {
      await pane.getByTestId(id).click({ trial: true, timeout: 5_000 });
    }
  }
}

describe('the fleet grid keeps every pane complete, from 1 to 16 agents', () => {
  let session: BrowserSession;
  let page: Page;
  let repo: string;

  beforeAll(async () => {
    repo = makeRepo({ 'README.md': '# layout\n' });
    session = await openSession(repo, { width: 1280, height: 800 });
    page = session.page;
  });

  afterAll(async () => {
    await session?.close();
    if (repo) removeDir(repo);
  });

  it('shows name, status, branch, diff stat and clickable buttons in every pane at 1, 7, 13 and 16 agents', async () => {
    // Long names and branches: the header must ellipsize, not push buttons out.
    const name = (n: number) => `Layout agent number ${n} with a long name`;
    let created = 0;
    for (const target of [1, 7, 13, 16]) {
      while (created < target) await createAgent(page, { name: name(++created) });
      await expectEveryPaneComplete(page, target);
      // The README's screenshots, refreshed on request only: a test run leaves the checkout as it was.
      if (process.env.UPDATE_SCREENSHOTS === '1') {
        if (target === 1) await page.screenshot({ path: join(ROOT, 'docs', 'fleet-1-agent.png') });
        if (target === 16) await page.screenshot({ path: join(ROOT, 'docs', 'fleet-16-agents.png') });
      }
    }
  }, 400_000);
});
