/**
 * End-to-end harness: the real web-mode server (built CLI) and Debian's Chromium driven by
 * playwright-core. Each test gets its own data folder, HOME and repositories.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { chromium, type Browser, type Page } from 'playwright-core';
import { tempDir } from '../helpers/repo';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'out', 'main', 'cli.js');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const READY = /^Flotilla ready at (http:\/\/[^\s/]+)\/#token=(\S+)$/m;

export interface ServerHandle {
  url: string;
  origin: string;
  token: string;
  dataDir: string;
  home: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A HOME with a quiet login shell and a short prompt, and no git identity. */
export function makeHome(): string {
  const home = tempDir('flotilla-home-');
  writeFileSync(join(home, '.profile'), "export PS1='$ '\n");
  writeFileSync(join(home, '.bash_profile'), "export PS1='$ '\n");
  writeFileSync(join(home, '.bashrc'), "export PS1='$ '\n");
  return home;
}

/**
 * Starts `flotilla serve --port 0` and resolves once it prints its ready line. The token is the
 * one Flotilla keeps in the data folder unless `token` is given (then through --token-file,
 * never on the command line).
 */
export async function startServer(opts: { dataDir?: string; home?: string; token?: string } = {}): Promise<ServerHandle> {
  if (!existsSync(CLI)) throw new Error('out/main/cli.js is missing: run `npm run build` first (npm test does).');
  const dataDir = opts.dataDir ?? tempDir('flotilla-data-');
  const home = opts.home ?? makeHome();
  mkdirSync(dataDir, { recursive: true });
  const args = [CLI, 'serve', '--port', '0', '--data', dataDir];
  if (opts.token !== undefined) {
    const tokenFile = join(home, '.flotilla-test-token');
    writeFileSync(tokenFile, `${opts.token}\n`, { mode: 0o600 });
    args.push('--token-file', tokenFile);
  }
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, SHELL: '/bin/bash', LANG: 'C.UTF-8', GIT_CONFIG_NOSYSTEM: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const ready = await new Promise<{ url: string; token: string }>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time. stderr:\n${stderr}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const m = READY.exec(output);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ url: `${m[1]}/#token=${m[2]}`, token: m[2]! });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready. stderr:\n${stderr}`));
    });
  });
  const { url, token } = ready;
  const origin = new URL(url).origin;
  return {
    url,
    origin,
    token,
    dataDir,
    home,
    child,
    stop: () =>
      new Promise<void>((resolvePromise) => {
        if (child.exitCode !== null) return resolvePromise();
        child.once('exit', () => resolvePromise());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/** Launches Debian's Chromium headless (never a downloaded browser). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Opens a repository through the path field and waits for its title. */
export async function openRepo(page: Page, path: string): Promise<void> {
  await page.getByTestId('repo-path-input').fill(path);
  await page.getByTestId('repo-open-button').click();
  await page.getByTestId('repo-title').waitFor({ timeout: 15_000 });
}

/** Creates an agent through the New-agent dialog; returns its pane's agent id. */
export async function createAgent(
  page: Page,
  opts: { name: string; kind?: 'shell' | 'command'; command?: string; base?: string; task?: string },
): Promise<string> {
  await page.getByTestId('new-agent-button').click();
  const dialog = page.getByTestId('new-agent-dialog');
  await dialog.waitFor();
  await page.getByTestId('agent-name-input').fill(opts.name);
  if (opts.base) await page.getByTestId('agent-base-select').selectOption(opts.base);
  await page.getByTestId('agent-kind-select').selectOption(opts.kind ?? 'shell');
  if (opts.command) await page.getByTestId('agent-command-input').fill(opts.command);
  if (opts.task) await page.getByTestId('agent-task-input').fill(opts.task);
  await page.getByTestId('agent-create-button').click();
  const pane = paneOf(page, opts.name);
  await pane.waitFor({ timeout: 45_000 }).catch(async (err: Error) => {
    const said = await page.locator('[data-testid="toast"], [data-testid="dialog-error"]').allTextContents();
    const shot = join(tmpdir(), `flotilla-e2e-${opts.name.replace(/\W+/g, '-')}-${Date.now()}.png`);
    await page.screenshot({ path: shot }).catch(() => undefined);
    throw new Error(`${err.message}\nthe page said: ${JSON.stringify(said)}; screenshot: ${shot}`);
  });
  await waitUntil(async () => (await pane.getAttribute('data-status')) === 'running', 20_000, `${opts.name} to be running`);
  return (await pane.getAttribute('data-agent-id'))!;
}

/** Polls `check` until it holds; usable in hooks, where vitest's expect.poll is not. */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (await check()) return;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function paneOf(page: Page, name: string) {
  return page.locator(`[data-testid="agent-pane"][data-agent-name="${name}"]`);
}

/** The text in an agent's terminal buffer, through the renderer's test seam. */
export function terminalText(page: Page, agentId: string): Promise<string> {
  return page.evaluate((id) => {
    const seam = (window as unknown as { __flotilla?: { terminalText(id: string): string } }).__flotilla;
    return seam ? seam.terminalText(id) : '';
  }, agentId);
}

/** Clicks into an agent's terminal and types a line followed by Enter. */
export async function typeInTerminal(page: Page, name: string, line: string): Promise<void> {
  await paneOf(page, name).getByTestId('pane-terminal').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/** Waits until an agent's terminal shows `needle`. */
export async function waitForTerminal(page: Page, agentId: string, needle: string, timeout = 15_000): Promise<void> {
  let last = '';
  await waitUntil(async () => (last = await terminalText(page, agentId)).includes(needle), timeout, () => `terminal to show ${JSON.stringify(needle)}; it shows:\n${last.slice(-500)}`);
}

export interface BrowserSession {
  server: ServerHandle;
  browser: Browser;
  page: Page;
  /** Closes the browser, stops the server and removes its data folder and HOME. */
  close(): Promise<void>;
}

/** A fresh server, Chromium and one page with `repo` already open. */
export async function openSession(repo: string, viewport = { width: 1400, height: 900 }): Promise<BrowserSession> {
  const server = await startServer();
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport });
  await page.goto(server.url);
  await openRepo(page, repo);
  return {
    server,
    browser,
    page,
    async close() {
      await browser.close();
      await server.stop();
      rmSync(server.dataDir, { recursive: true, force: true });
      rmSync(server.home, { recursive: true, force: true });
    },
  };
}
