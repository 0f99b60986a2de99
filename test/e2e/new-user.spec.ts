import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, removeDir, sh, writeFile } from '../helpers/repo';
import { createAgent, openSession, paneOf, typeInTerminal, type BrowserSession } from './harness';

/** 2 MiB with NUL bytes: binary to git, and over the 1 MiB a diff shows without asking. */
function bigBinary(seed: number): Buffer {
  const bytes = Buffer.alloc(2 * 1024 * 1024);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * seed) % 7 === 0 ? 0 : (i * 31 + seed) & 0xff;
  return bytes;
}

describe('what a new user hit, fixed', () => {
  let session: BrowserSession;
  let page: Page;
  let repo: string;

  beforeAll(async () => {
    repo = makeRepo({ 'README.md': '# new user\n' });
    writeFile(repo, 'big.bin', bigBinary(3));
    sh(repo, 'add', 'big.bin');
    sh(repo, 'commit', '-q', '-m', 'add a big binary');
    session = await openSession(repo);
    page = session.page;
  });

  afterAll(async () => {
    await session?.close();
    if (repo) removeDir(repo);
  });

  it('keeps the shortcut help open when clicked, until Escape, a click outside or its close button', async () => {
    const help = page.getByTestId('help-panel');
    await page.getByTestId('help-button').hover();
    await help.waitFor();
    await page.getByTestId('help-button').click();
    expect(await help.isVisible()).toBe(true);
    await help.locator('table').click();
    expect(await help.isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });

    await page.getByTestId('help-button').click();
    await help.waitFor();
    await page.getByTestId('repo-title').click();
    await help.waitFor({ state: 'detached' });

    await page.getByTestId('help-button').click();
    await help.waitFor();
    await page.getByTestId('help-close').click();
    await help.waitFor({ state: 'detached' });
  });

  it('refuses a second agent with the same name, suggesting a free one', async () => {
    await createAgent(page, { name: 'Files' });
    await page.getByTestId('new-agent-button').click();
    await page.getByTestId('agent-name-input').fill('files');
    await page.getByTestId('agent-kind-select').selectOption('shell');
    await page.getByTestId('agent-create-button').click();
    await expect
      .poll(() => page.getByTestId('dialog-error').textContent(), { timeout: 15_000 })
      .toMatch(/An agent named “files” already exists in this repository\. Choose another name, such as “files 2”/);
    await page.getByTestId('new-agent-dialog').getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('new-agent-dialog').waitFor({ state: 'detached' });
    expect(await page.getByTestId('agent-pane').count()).toBe(1);
  });

  it('shows a new file without a phantom empty line, and says why a binary file has no diff', async () => {
    await typeInTerminal(page, 'Files', "printf 'only line\\n' > new.txt && printf 'more' >> big.bin");
    await expect.poll(() => paneOf(page, 'Files').getByTestId('pane-diffstat').getAttribute('data-files'), { timeout: 20_000 }).toBe('2');
    await paneOf(page, 'Files').getByTestId('pane-changes').click();

    await page.locator('[data-testid="changed-file"][data-path="new.txt"]').click();
    const editor = page.locator('[data-testid="diff-editor"][data-path="new.txt"]');
    await expect.poll(() => editor.getAttribute('data-ready'), { timeout: 20_000 }).toBe('true');
    expect(await editor.getAttribute('data-mode')).toBe('added');
    // One line in the file, one line shown: no empty "before" line, no empty line after it.
    await expect.poll(() => editor.locator('.line-numbers').allTextContents(), { timeout: 10_000 }).toEqual(['1']);
    expect(await page.getByTestId('diff-file-note').first().textContent()).toBe('New file');

    await page.locator('[data-testid="changed-file"][data-path="big.bin"]').click();
    const summary = page.getByTestId('file-summary');
    await summary.waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('file-summary-message').textContent()).toMatch(/binary file: there is no text to compare/);
    // No button that could only lead to the same summary again.
    expect(await page.getByTestId('open-anyway').count()).toBe(0);
    await page.getByTestId('changes-close').click();
  });

  it('calls a malformed provider URL malformed, not missing', async () => {
    await page.getByTestId('settings-button').click();
    await page.getByTestId('settings-view').waitFor();
    await page.getByTestId('provider-name-input').fill('Local');
    await page.getByTestId('provider-url-input').fill('localhost:11434/v1');
    await page.getByTestId('provider-add-button').click();
    const error = page.locator('[data-testid="settings-error"][data-section="provider-add"]');
    await expect.poll(() => error.textContent(), { timeout: 10_000 }).toMatch(/"localhost:11434\/v1" is not a full URL: start it with http:\/\/ or https:\/\//);
    await page.getByTestId('provider-url-input').fill('');
    await page.getByTestId('provider-add-button').click();
    await expect.poll(() => error.textContent(), { timeout: 10_000 }).toMatch(/^Enter the base URL/);
    await page.getByTestId('settings-close').click();
  });
});
