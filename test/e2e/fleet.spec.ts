import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, removeDir, sh, tempDir, writeFile } from '../helpers/repo';
import { createAgent, openSession, paneOf, terminalText, typeInTerminal, waitForTerminal, type BrowserSession, type ServerHandle } from './harness';

describe('a fleet of two shell agents, from typing to merge and removal', () => {
  let session: BrowserSession;
  let server: ServerHandle;
  let page: Page;
  let repo: string;
  let alpha: string;
  let beta: string;
  const USER_EDIT = '# user edit, not committed\n';

  beforeAll(async () => {
    repo = makeRepo({ 'README.md': '# project\n', 'src/app.ts': 'export const x = 1;\n' });
    // The user works on another branch with uncommitted edits while agents work from main.
    sh(repo, 'switch', '-q', '-c', 'feature');
    writeFile(repo, 'README.md', USER_EDIT);
    session = await openSession(repo);
    ({ server, page } = session);
  });

  afterAll(async () => {
    await session?.close();
    if (repo) removeDir(repo);
  });

  it('launches two shell agents and types in both terminals', async () => {
    alpha = await createAgent(page, { name: 'Alpha', base: 'main' });
    beta = await createAgent(page, { name: 'Beta', base: 'main' });
    expect(await paneOf(page, 'Alpha').getByTestId('pane-branch').textContent()).toContain('flotilla/alpha');
    await typeInTerminal(page, 'Alpha', 'echo alpha-says-$((40+2))');
    await typeInTerminal(page, 'Beta', 'echo beta-says-$((50+5))');
    await waitForTerminal(page, alpha, 'alpha-says-42');
    await waitForTerminal(page, beta, 'beta-says-55');
    expect(await terminalText(page, alpha)).not.toContain('beta-says-55');
    // Each agent works in its own worktree, outside the repository.
    await typeInTerminal(page, 'Alpha', 'pwd');
    await waitForTerminal(page, alpha, join(server.dataDir, 'worktrees'));
  });

  it('shows a file written in a worktree in the diff stat and the diff view', async () => {
    await typeInTerminal(page, 'Alpha', "printf 'hello from alpha\\n' > alpha.txt");
    const stat = paneOf(page, 'Alpha').getByTestId('pane-diffstat');
    await expect.poll(() => stat.getAttribute('data-files'), { timeout: 15_000 }).toBe('1');
    expect(await stat.getAttribute('data-additions')).toBe('1');

    await paneOf(page, 'Alpha').getByTestId('pane-changes').click();
    const row = page.locator('[data-testid="changed-file"][data-path="alpha.txt"]');
    await row.waitFor({ timeout: 10_000 });
    await row.click();
    await page.getByTestId('diff-editor').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.getByTestId('diff-editor').textContent(), { timeout: 20_000 }).toContain('hello from alpha');
    await page.getByTestId('changes-close').click();
  });

  it('merges into main while the user checkout keeps its own edits', async () => {
    const mainBefore = sh(repo, 'rev-parse', 'main');
    await paneOf(page, 'Alpha').getByTestId('pane-merge').click();
    await page.getByTestId('merge-dialog').waitFor();
    await page.getByTestId('merge-message').fill('Add alpha.txt');
    await page.getByTestId('merge-confirm').click();
    await page.getByTestId('merge-result').waitFor({ timeout: 15_000 });

    const mainAfter = sh(repo, 'rev-parse', 'main');
    expect(mainAfter).not.toBe(mainBefore);
    expect(sh(repo, 'show', 'main:alpha.txt')).toBe('hello from alpha');
    expect(sh(repo, 'log', '-1', '--format=%P', 'main')).toBe(mainBefore);
    expect(sh(repo, 'log', '-1', '--format=%s', 'main')).toBe('Add alpha.txt');
    // The user's checkout: same branch, same uncommitted edit, no alpha.txt.
    expect(sh(repo, 'branch', '--show-current')).toBe('feature');
    expect(readFileSync(join(repo, 'README.md'), 'utf8')).toBe(USER_EDIT);
    expect(existsSync(join(repo, 'alpha.txt'))).toBe(false);
    await page.getByTestId('merge-close').click();
  });

  it('refuses a conflicting merge and changes nothing', async () => {
    await typeInTerminal(page, 'Beta', "printf 'beta readme\\n' > README.md");
    await expect.poll(() => paneOf(page, 'Beta').getByTestId('pane-diffstat').getAttribute('data-files'), { timeout: 15_000 }).toBe('1');
    // Meanwhile main changes the same lines.
    const side = join(tempDir(), 'side');
    sh(repo, 'worktree', 'add', '-q', side, 'main');
    writeFile(side, 'README.md', '# project, edited on main\n');
    sh(side, 'commit', '-q', '-am', 'edit readme on main');
    sh(repo, 'worktree', 'remove', side);
    const mainBefore = sh(repo, 'rev-parse', 'main');

    await paneOf(page, 'Beta').getByTestId('pane-merge').click();
    await page.getByTestId('merge-dialog').waitFor();
    await page.locator('[data-testid="merge-conflict-file"]', { hasText: 'README.md' }).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('merge-confirm').isDisabled()).toBe(true);
    await page.getByTestId('merge-close').click();

    expect(sh(repo, 'rev-parse', 'main')).toBe(mainBefore);
    const betaPath = sh(repo, 'worktree', 'list', '--porcelain').split('\n').find((l) => l.startsWith('worktree ') && l.endsWith('/beta'))!.slice(9);
    expect(sh(betaPath, 'status', '--porcelain')).toBe('M README.md');
    expect(sh(betaPath, 'rev-list', '--count', 'main..HEAD')).toBe('0');
  });

  it('removes an agent with uncommitted work only after confirmation, keeping a snapshot ref', async () => {
    await paneOf(page, 'Beta').getByTestId('pane-remove').click();
    await page.getByTestId('remove-dialog').waitFor();
    await expect.poll(() => page.getByTestId('remove-summary').textContent(), { timeout: 10_000 }).toMatch(/1 uncommitted/);
    await page.getByTestId('remove-confirm').click();
    await expect.poll(() => paneOf(page, 'Beta').count(), { timeout: 15_000 }).toBe(0);

    const refs = sh(repo, 'for-each-ref', '--format=%(refname)', 'refs/flotilla/archive/beta/');
    expect(refs).toMatch(/^refs\/flotilla\/archive\/beta\/\d{8}T\d{6}Z/);
    expect(sh(repo, 'show', `${refs.split('\n')[0]}:README.md`)).toBe('beta readme');
    expect(sh(repo, 'branch', '--list', 'flotilla/beta')).toBe('');
    expect(await paneOf(page, 'Alpha').count()).toBe(1);
  });

  it('shows the merged agent as merged, with Merge disabled, and removes it without a snapshot', async () => {
    const pane = paneOf(page, 'Alpha');
    await expect.poll(() => pane.getByTestId('pane-diffstat').getAttribute('data-merged'), { timeout: 15_000 }).toBe('true');
    expect(await pane.getByTestId('pane-diffstat').textContent()).toBe('merged');
    expect(await pane.getByTestId('pane-merge').isDisabled()).toBe(true);
    expect(await pane.getByTestId('pane-merge').textContent()).toBe('Merged');

    await pane.getByTestId('pane-remove').click();
    await page.getByTestId('remove-dialog').waitFor();
    // Nothing to save: the merged work is in main (the agent's branch may even be main's own commit,
    // when the merge commit of its uncommitted work and the squash commit come out identical).
    await expect.poll(() => page.getByTestId('remove-summary').textContent(), { timeout: 10_000 }).toMatch(/already merged into main|No uncommitted changes or unmerged commits/);
    expect(await page.getByTestId('remove-confirm').textContent()).toBe('Remove');
    await page.getByTestId('remove-confirm').click();
    await expect.poll(() => pane.count(), { timeout: 15_000 }).toBe(0);
    expect(sh(repo, 'for-each-ref', '--format=%(refname)', 'refs/flotilla/archive/alpha/')).toBe('');
    expect(sh(repo, 'branch', '--list', 'flotilla/alpha')).toBe('');
  });
});
