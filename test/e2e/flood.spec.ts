import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, removeDir } from '../helpers/repo';
import { createAgent, openSession, paneOf, terminalText, typeInTerminal, waitForTerminal, type BrowserSession } from './harness';

describe('a flood in one pane', () => {
  let session: BrowserSession;
  let page: Page;
  const repo = makeRepo();

  beforeAll(async () => {
    session = await openSession(repo, { width: 1300, height: 800 });
    page = session.page;
  });

  afterAll(async () => {
    await session?.close();
    removeDir(repo);
  });

  it('leaves the other pane responsive, and Ctrl-C silences it', async () => {
    const flood = await createAgent(page, { name: 'Flood' });
    const calm = await createAgent(page, { name: 'Calm' });
    await typeInTerminal(page, 'Flood', 'yes flotilla-flood-line');
    await waitForTerminal(page, flood, 'flotilla-flood-line');

    // While `yes` runs, the other pane still echoes what is typed, and buttons still work.
    await typeInTerminal(page, 'Calm', 'echo calm-$((20+3))');
    await waitForTerminal(page, calm, 'calm-23', 10_000);
    await paneOf(page, 'Calm').getByTestId('pane-maximize').click();
    await expect.poll(() => paneOf(page, 'Calm').getAttribute('class')).toContain('maximized');
    await paneOf(page, 'Calm').getByTestId('pane-maximize').click();
    await expect.poll(() => paneOf(page, 'Calm').getAttribute('class')).not.toContain('maximized');

    await paneOf(page, 'Flood').getByTestId('pane-terminal').click();
    await page.keyboard.press('Control+C');
    await typeInTerminal(page, 'Flood', 'echo stopped-$((2*50))');
    await waitForTerminal(page, flood, 'stopped-100', 10_000);
    // Silent afterwards: the buffer stops changing.
    const settled = await terminalText(page, flood);
    await page.waitForTimeout(500);
    expect(await terminalText(page, flood)).toBe(settled);

    // Stop shows the stopped state; the agent can be restarted.
    await paneOf(page, 'Calm').getByTestId('pane-stop').click();
    await expect.poll(() => paneOf(page, 'Calm').getAttribute('data-status'), { timeout: 10_000 }).toBe('stopped');
  });

  it('answers every keystroke in one pane while three others flood, and the floods keep flowing', async () => {
    const floods: string[] = [];
    for (const name of ['Flood A', 'Flood B', 'Flood C']) {
      floods.push(await createAgent(page, { name }));
      await typeInTerminal(page, name, `yes ${name.replace(' ', '-')}-line`);
    }
    for (const [i, id] of floods.entries()) await waitForTerminal(page, id, `Flood-${'ABC'[i]}-line`);
    const typist = await createAgent(page, { name: 'Typist' });

    // Each keystroke's echo arrives while the floods run (generous bound: a loaded machine is slow, not stuck).
    await paneOf(page, 'Typist').getByTestId('pane-terminal').click();
    for (const word of ['alpha', 'bravo', 'charlie']) {
      await page.keyboard.type(`echo typed-${word}`);
      await waitForTerminal(page, typist, `echo typed-${word}`, 15_000);
      await page.keyboard.press('Enter');
      await waitForTerminal(page, typist, `\ntyped-${word}`, 15_000);
    }
    // The background panes got smaller windows, not none: each still receives output.
    const written = (id: string) => page.evaluate((agentId) => window.__flotilla!.terminalWrittenBytes(agentId), id);
    for (const id of floods) {
      const before = await written(id);
      await expect.poll(() => written(id), { timeout: 15_000 }).toBeGreaterThan(before);
    }
    for (const name of ['Flood A', 'Flood B', 'Flood C']) {
      await paneOf(page, name).getByTestId('pane-terminal').click();
      await page.keyboard.press('Control+C');
    }
    for (const [i, id] of floods.entries()) {
      await typeInTerminal(page, `Flood ${'ABC'[i]}`, `echo quiet-$((${i}+40))`);
      await waitForTerminal(page, id, `quiet-${i + 40}`, 15_000);
    }
  });
});
