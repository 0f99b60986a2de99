/**
 * Takes the README's screenshots against a real web-mode server and Debian's Chromium:
 * `npx tsx scripts/screenshots.ts [outDir]` (default docs/). Run `npm run build` first.
 */
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { makeRepo, removeDir, sh } from '../test/helpers/repo';
import { startFakeProvider } from '../test/fake-provider';
import { createAgent, launchBrowser, openRepo, paneOf, startServer, typeInTerminal, waitUntil } from '../test/e2e/harness';

async function main(): Promise<void> {
  const outDir = resolve(process.argv[2] ?? 'docs');
  mkdirSync(outDir, { recursive: true });
  const repo = makeRepo({
    'package.json': '{ "name": "acme-web", "private": true }\n',
    'README.md': '# acme-web\n\nA small web shop.\n',
    'src/cart.ts': 'export function total(items: { price: number }[]): number {\n  return items.reduce((sum, i) => sum + i.price, 0);\n}\n',
    'src/login.ts': 'export function login(user: string): boolean {\n  return user.length > 0;\n}\n',
  });
  sh(repo, 'commit', '-q', '--allow-empty', '-m', 'second');
  // Flotilla's agent talks to a local stand-in for a provider: no traffic leaves the machine.
  const fake = await startFakeProvider();
  fake.script([
    { text: 'Let me look at the login code first.', toolCalls: [{ name: 'read_file', args: { path: 'src/login.ts' } }], usage: { inputTokens: 5200, outputTokens: 180 } },
    {
      text: 'Adding a limit of 3 attempts per minute.',
      toolCalls: [{ name: 'edit_file', args: { path: 'src/login.ts', old_text: 'return user.length > 0;', new_text: 'if (attempts(user) > 3) return false;\n  return user.length > 0;' } }],
      usage: { inputTokens: 5900, outputTokens: 420 },
    },
    { text: 'Done: login now refuses a fourth attempt within a minute. Want tests for it?', usage: { inputTokens: 6400, outputTokens: 900 } },
  ]);
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(server.url);
    await page.getByTestId('repo-path-input').fill(repo.slice(0, -3));
    await page.waitForTimeout(800);
    await page.screenshot({ path: join(outDir, 'open.png') });
    await openRepo(page, repo);
    await page.getByTestId('new-agent-button').click();
    await page.getByTestId('agent-kind-select').selectOption('command');
    await page.getByTestId('agent-command-input').fill('claude');
    await page.getByTestId('agent-task-input').fill('Add a rate limit to login: at most 3 attempts per minute per user.');
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(outDir, 'new-agent.png') });
    await page.keyboard.press('Escape');
    await createAgent(page, { name: 'Fix cart totals', task: 'Round cart totals to cents' });
    await page.getByTestId('settings-button').click();
    await page.getByTestId('provider-name-input').fill('Local');
    await page.getByTestId('provider-url-input').fill(`${fake.url}/v1`);
    await page.getByTestId('provider-models-input').fill('gpt-4.1');
    await page.getByTestId('provider-add-button').click();
    const row = page.locator('[data-testid="provider-row"][data-provider-id="local"]');
    await row.getByTestId('provider-key-input').fill('test-key');
    await row.getByTestId('provider-key-save').click();
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(outDir, 'settings.png') });
    await page.getByTestId('settings-close').click();
    await page.getByTestId('new-agent-button').click();
    await page.getByTestId('agent-name-input').fill('Login rate limit');
    await page.getByTestId('agent-kind-select').selectOption('flotilla');
    await page.getByTestId('agent-provider-select').selectOption('local');
    await page.getByTestId('agent-task-input').fill('Limit login attempts to 3 per minute per user');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(outDir, 'new-agent-flotilla.png') });
    await page.getByTestId('agent-create-button').click();
    await paneOf(page, 'Login rate limit').waitFor();
    await createAgent(page, { name: 'Docs pass' });
    await createAgent(page, { name: 'Flaky test hunt', kind: 'command', command: "for i in 1 2 3; do echo run $i: ok; sleep 0.5; done; echo 1 failing test; exit 1" });
    await typeInTerminal(page, 'Fix cart totals', 'git log --oneline --decorate | head -5');
    await typeInTerminal(page, 'Fix cart totals', `printf 'export function total(items: { price: number }[]): number {\\n  const sum = items.reduce((s, i) => s + i.price, 0);\\n  return Math.round(sum * 100) / 100;\\n}\\n' > src/cart.ts`);
    await typeInTerminal(page, 'Fix cart totals', 'git diff --stat');
    await typeInTerminal(page, 'Docs pass', 'printf "\\n## Setup\\n\\nnpm install\\n" >> README.md; git status --short');
    await waitUntil(async () => (await paneOf(page, 'Fix cart totals').getByTestId('pane-diffstat').getAttribute('data-files')) === '1', 15_000, 'diff stat');
    await page.waitForTimeout(1000);
    await page.screenshot({ path: join(outDir, 'fleet.png') });

    await paneOf(page, 'Fix cart totals').getByTestId('pane-changes').click();
    await page.locator('[data-testid="changed-file"][data-path="src/cart.ts"]').click();
    await page.getByTestId('diff-editor').waitFor();
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(outDir, 'changes.png') });
    await page.getByTestId('changes-close').click();

    await paneOf(page, 'Fix cart totals').getByTestId('pane-merge').click();
    await page.getByTestId('merge-dialog').waitFor();
    await page.waitForTimeout(800);
    await page.screenshot({ path: join(outDir, 'merge.png') });
    await page.getByTestId('merge-close').click();
    await paneOf(page, 'Docs pass').getByTestId('pane-remove').click();
    await page.getByTestId('remove-dialog').waitFor();
    await page.waitForTimeout(800);
    await page.screenshot({ path: join(outDir, 'remove.png') });
    console.log(`screenshots written to ${outDir}`);
  } finally {
    await browser.close();
    await server.stop();
    await fake.close();
    removeDir(repo);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
