import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../fake-provider';
import { makeRepo, removeDir } from '../helpers/repo';
import { createAgent, openSession, paneOf, waitForTerminal, type BrowserSession } from './harness';

describe("settings, Flotilla's agent, activity, cost and the attention list in the browser", () => {
  let session: BrowserSession;
  let page: Page;
  let repo: string;
  let fake: FakeProvider;

  beforeAll(async () => {
    repo = makeRepo({ 'a.txt': 'a\n' });
    fake = await startFakeProvider();
    session = await openSession(repo);
    page = session.page;
  });

  afterAll(async () => {
    await session?.close();
    await fake?.close();
    if (repo) removeDir(repo);
  });

  it('adds an OpenAI-compatible provider and its key in settings, never showing the key again', async () => {
    await page.getByTestId('settings-button').click();
    await page.getByTestId('settings-view').waitFor();
    await page.getByTestId('provider-name-input').fill('Local');
    await page.getByTestId('provider-url-input').fill(`${fake.url}/v1`);
    await page.getByTestId('provider-models-input').fill('gpt-4.1, other-model');
    await page.getByTestId('provider-add-button').click();
    const row = page.locator('[data-testid="provider-row"][data-provider-id="local"]');
    await row.waitFor();
    await expect.poll(() => row.getByTestId('provider-key-status').getAttribute('data-key-source')).toBe('none');
    await row.getByTestId('provider-key-input').fill('test-key');
    await row.getByTestId('provider-key-save').click();
    await expect.poll(() => row.getByTestId('provider-key-status').getAttribute('data-key-source')).toBe('file');
    expect(await row.getByTestId('provider-key-input').inputValue()).toBe('');
    expect(await page.getByTestId('settings-view').textContent()).not.toContain('test-key');
    await page.getByTestId('settings-close').click();
  });

  it("runs Flotilla's agent on that provider and shows it waiting, with tokens and cost in the pane and the header", async () => {
    fake.script([
      { text: 'Reading a.txt first.', toolCalls: [{ name: 'read_file', args: { path: 'a.txt' } }], usage: { inputTokens: 6000, outputTokens: 300 } },
      { text: 'The file says a. What should I change it to?', usage: { inputTokens: 6300, outputTokens: 2000 } },
    ]);
    await page.getByTestId('new-agent-button').click();
    await page.getByTestId('agent-name-input').fill('Own');
    await page.getByTestId('agent-kind-select').selectOption('flotilla');
    await page.getByTestId('agent-provider-select').selectOption('local');
    expect(await page.getByTestId('agent-model-input').inputValue()).toBe('gpt-4.1');
    await page.getByTestId('agent-permission-select').selectOption('ask');
    await page.getByTestId('agent-task-input').fill('Look at a.txt');
    await page.getByTestId('agent-create-button').click();
    const pane = paneOf(page, 'Own');
    await pane.waitFor({ timeout: 20_000 }).catch(async (err: Error) => {
      const said = await page.locator('[data-testid="toast"], [data-testid="dialog-error"]').allTextContents();
      throw new Error(`${err.message}\nthe page said: ${JSON.stringify(said)}`);
    });
    const id = (await pane.getAttribute('data-agent-id'))!;
    await waitForTerminal(page, id, 'What should I change it to?', 30_000);
    await expect.poll(() => pane.getByTestId('pane-activity').getAttribute('data-activity'), { timeout: 20_000 }).toBe('waiting');
    // 12,300 input tokens at $2/Mtok + 2,300 output tokens at $8/Mtok = $0.0430.
    await expect.poll(() => pane.getByTestId('pane-cost').textContent(), { timeout: 20_000 }).toBe('14.6k tok · $0.04');
    await expect.poll(() => page.getByTestId('fleet-spend').textContent(), { timeout: 20_000 }).toContain('$0.04');
  });

  it('runs a coding CLI from the catalog beside it, streaming, with the status the CLI reports', async () => {
    await page.getByTestId('settings-button').click();
    await page.getByTestId('settings-view').waitFor();
    await page.getByTestId('custom-cli-id-input').fill('ticker');
    await page.getByTestId('custom-cli-name-input').fill('Ticker');
    await page
      .getByTestId('custom-cli-command-input')
      .fill(`for i in 1 2 3 4 5; do echo tick-$i; sleep 0.2; done; printf '{"type":"status","activity":"waiting"}\\n' >> "$FLOTILLA_REPORT"; sleep 60`);
    await page.getByTestId('custom-cli-add-button').click();
    await page.locator('[data-testid="custom-cli-row"][data-id="ticker"]').waitFor();
    await page.getByTestId('settings-close').click();

    await page.getByTestId('new-agent-button').click();
    await page.getByTestId('agent-name-input').fill('Ticker agent');
    await page.getByTestId('agent-kind-select').selectOption('cli');
    await page.getByTestId('agent-preset-select').selectOption('ticker');
    await page.getByTestId('agent-permission-select').selectOption('ask');
    await page.getByTestId('agent-create-button').click();
    const pane = paneOf(page, 'Ticker agent');
    await pane.waitFor({ timeout: 20_000 });
    const id = (await pane.getAttribute('data-agent-id'))!;
    await waitForTerminal(page, id, 'tick-5', 20_000);
    await expect.poll(() => pane.getByTestId('pane-activity').getAttribute('data-activity'), { timeout: 20_000 }).toBe('waiting');
    // Both panes side by side: the own agent's conversation is still there.
    const own = (await paneOf(page, 'Own').getAttribute('data-agent-id'))!;
    await waitForTerminal(page, own, 'What should I change it to?');
    // Two columns, and the own agent's pane shows tokens: its ✕ still sits inside it and takes a click.
    const ownPane = paneOf(page, 'Own');
    expect(await ownPane.getByTestId('pane-cost').isVisible()).toBe(true);
    const paneBox = (await ownPane.boundingBox())!;
    const removeBox = (await ownPane.getByTestId('pane-remove').boundingBox())!;
    expect(removeBox.x + removeBox.width).toBeLessThanOrEqual(paneBox.x + paneBox.width);
    expect(removeBox.y + removeBox.height).toBeLessThanOrEqual(paneBox.y + paneBox.height);
    await ownPane.getByTestId('pane-remove').click({ trial: true, timeout: 5_000 });
  });

  it('names an agent after the suggestion shown when the name is left empty', async () => {
    await page.getByTestId('new-agent-button').click();
    const input = page.getByTestId('agent-name-input');
    await expect.poll(() => input.getAttribute('placeholder')).not.toBe('Suggesting…');
    const suggested = (await input.getAttribute('placeholder'))!;
    expect(await input.inputValue()).toBe('');
    await page.getByTestId('agent-create-button').click();
    await paneOf(page, suggested).waitFor({ timeout: 20_000 });
    await paneOf(page, suggested).getByTestId('pane-remove').click();
    await page.getByTestId('remove-confirm').click();
    await expect.poll(() => paneOf(page, suggested).count(), { timeout: 15_000 }).toBe(0);
  });

  it('lists agents that need the user and jumps to them from the list and with Ctrl+Shift+A', async () => {
    const failing = await createAgent(page, { name: 'Failing', kind: 'command', command: 'sleep 1; exit 3' });
    await expect.poll(() => paneOf(page, 'Failing').getAttribute('data-activity'), { timeout: 20_000 }).toBe('failed');
    const own = (await paneOf(page, 'Own').getAttribute('data-agent-id'))!;
    const ticker = (await paneOf(page, 'Ticker agent').getAttribute('data-agent-id'))!;
    await expect.poll(() => page.getByTestId('attention-count').textContent()).toBe('3');
    await page.getByTestId('attention-button').click();
    const items = page.getByTestId('attention-item');
    expect(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-agent-id')))).toEqual([own, ticker, failing]);
    await page.locator(`[data-testid="attention-item"][data-agent-id="${own}"]`).click();
    await expect.poll(() => page.getByTestId('attention-list').count()).toBe(0);
    await expect.poll(() => paneOf(page, 'Own').getAttribute('class')).toContain('focused');
    await page.keyboard.press('Control+Shift+A');
    await expect.poll(() => paneOf(page, 'Ticker agent').getAttribute('class')).toContain('focused');
    await page.keyboard.press('Control+Shift+A');
    await expect.poll(() => paneOf(page, 'Failing').getAttribute('class')).toContain('focused');
  });
});
