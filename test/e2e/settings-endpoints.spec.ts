import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, removeDir } from '../helpers/repo';
import { openSession, type BrowserSession } from './harness';

describe('settings: endpoints by protocol, built-in base URLs, variables passed to agents', () => {
  let session: BrowserSession;
  let page: Page;
  let repo: string;

  beforeAll(async () => {
    repo = makeRepo({ 'a.txt': 'a\n' });
    session = await openSession(repo);
    page = session.page;
    await page.getByTestId('settings-button').click();
    await page.getByTestId('settings-view').waitFor();
  });

  afterAll(async () => {
    await session?.close();
    if (repo) removeDir(repo);
  });

  it('adds an Anthropic-compatible endpoint, and says what is wrong with a URL that is not one', async () => {
    await page.getByTestId('provider-kind-select').selectOption('anthropic');
    await page.getByTestId('provider-name-input').fill('Claude proxy');
    await page.getByTestId('provider-url-input').fill('localhost:4000');
    await page.getByTestId('provider-add-button').click();
    await expect.poll(() => page.locator('[data-section="provider-add"]').textContent()).toContain('is not a full URL: start it with http:// or https://');
    await page.getByTestId('provider-url-input').fill('http://127.0.0.1:4000');
    await page.getByTestId('provider-add-button').click();
    const row = page.locator('[data-testid="provider-row"][data-provider-id="claude-proxy"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('anthropic-compatible');
    expect(await row.textContent()).toContain('http://127.0.0.1:4000');
    expect(await row.getByTestId('provider-remove').count()).toBe(1);
  });

  it('moves a built-in provider to another base URL and back to its default', async () => {
    const row = page.locator('[data-testid="provider-row"][data-provider-id="google"]');
    expect(await row.getByTestId('provider-remove').count()).toBe(0);
    await row.getByTestId('provider-url-edit').click();
    await row.getByTestId('provider-url-edit-input').fill('https://gemini-gateway.example/');
    await row.getByTestId('provider-url-save').click();
    await expect.poll(() => row.textContent()).toContain('https://gemini-gateway.example');
    await row.getByTestId('provider-url-edit').click();
    await row.getByTestId('provider-url-edit-input').fill('');
    await row.getByTestId('provider-url-save').click();
    await expect.poll(() => row.textContent()).toContain('vendor default endpoint');
  });

  it('stores the variables passed to agents, refusing a bad name with its reason', async () => {
    const input = page.getByTestId('agent-env-input');
    await expect.poll(() => input.isEnabled()).toBe(true);
    await input.fill('SSH_AUTH_SOCK, 1BAD');
    await page.getByTestId('agent-env-save').click();
    await expect.poll(() => page.locator('[data-section="agent-env"]').textContent()).toContain('"1BAD" is not a variable name');
    await input.fill('SSH_AUTH_SOCK HTTPS_PROXY, GH_TOKEN');
    await page.getByTestId('agent-env-save').click();
    await expect.poll(() => input.inputValue()).toBe('SSH_AUTH_SOCK, HTTPS_PROXY, GH_TOKEN');
    await expect.poll(() => page.locator('[data-section="agent-env"]').count()).toBe(0);
    // Kept across a reload: it lives in the database.
    await page.reload();
    await page.getByTestId('settings-button').click();
    await expect.poll(() => page.getByTestId('agent-env-input').inputValue()).toBe('SSH_AUTH_SOCK, HTTPS_PROXY, GH_TOKEN');
  });

  it("shows where the logs are in web mode, a folder Flotilla writes to, with the web server's token kept out", async () => {
    await page.getByTestId('settings-open-logs').click();
    const shown = page.getByTestId('settings-logs-path');
    await shown.waitFor();
    const path = (await shown.textContent()) ?? '';
    expect(path).toBe(join(session.server.dataDir, 'logs'));
    expect(await page.getByTestId('settings-copy-logs-path').count()).toBe(1);
    await expect.poll(() => readdirSync(path).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(0);
    const text = readdirSync(path).map((f) => readFileSync(join(path, f), 'utf8')).join('');
    expect(text).toContain('flotilla started');
    expect(text).not.toContain(session.server.token);
  });
});
