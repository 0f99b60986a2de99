/**
 * The browser half of `npm run bench`: Flotilla panes in Debian's Chromium against baselines
 * measured in the same run, on the same machine, with the same bytes.
 *
 * - Stream: a PTY printing a file into a Flotilla pane, against a bare xterm.js page (same
 *   size, same font, same renderer: WebGL where Chromium offers it, as in the pane) fed the
 *   same PTY's bytes over a plain WebSocket.
 * - Echo: a keystroke typed into an idle shell pane until xterm has parsed its echo, idle and
 *   while four other panes run `yes`; against a raw node-pty shell, idle and beside four raw
 *   `yes` PTYs.
 * - Ctrl-C to silence: one of four `yes` panes interrupted, until its pane stops receiving.
 *
 * Needs `npm run build` (the server runs from out/main/cli.js, as in the e2e tests).
 */
import { createServer, type Server } from 'node:http';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';
import * as pty from 'node-pty';
import type { Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { ROOT, createAgent, launchBrowser, openRepo, startServer } from '../test/e2e/harness';

/** One figure against its baseline; lower is better unless `higherIsBetter`. */
export interface BrowserFigure {
  name: string;
  ours: number;
  base: number;
  unit: 'ms' | 'MiB/s';
  baseline: string;
  higherIsBetter?: boolean;
}

const ECHO_PROBES = 40;
const FLOODS = 4;
/** A pane is silent once nothing has been written to it for this long. */
const SILENCE_MS = 500;
const FONT = {
  fontFamily: "'JetBrains Mono', 'Fira Code', 'Cascadia Code', Menlo, Consolas, 'DejaVu Sans Mono', monospace",
  fontSize: 13,
  lineHeight: 1.15,
};

/** Progress on stderr, so a slow phase is visible while the figures stay on stdout. */
function progress(message: string): void {
  process.stderr.write(`  … ${message}\n`);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
}

function median(values: number[]): number {
  return percentile(values, 0.5);
}

/** A page with nothing but xterm.js, fed a PTY's bytes over a WebSocket as they come. */
async function startBarePage(payload: string): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const bundle = await build({
    stdin: {
      contents: `
        import { Terminal } from '@xterm/xterm';
        import { FitAddon } from '@xterm/addon-fit';
        import { WebglAddon } from '@xterm/addon-webgl';
        window.bare = (options, width, height) => {
          const host = document.getElementById('host');
          host.style.width = width + 'px';
          host.style.height = height + 'px';
          const term = new Terminal({ ...options, scrollback: 10000 });
          const fit = new FitAddon();
          term.loadAddon(fit);
          term.open(host);
          // The renderer Flotilla's pane uses: WebGL where the browser has it (SwiftShader counts), else DOM.
          try { term.loadAddon(new WebglAddon()); window.renderer = 'webgl'; } catch { window.renderer = 'dom'; }
          fit.fit();
          window.term = term;
        };
        window.runBare = () => new Promise((resolve) => {
          const ws = new WebSocket('ws://' + location.host + '/ws');
          ws.binaryType = 'arraybuffer';
          let start = 0, written = 0, expected = -1;
          const check = () => { if (expected >= 0 && written >= expected) { ws.close(); resolve({ ms: performance.now() - start, bytes: written }); } };
          ws.onopen = () => { start = performance.now(); ws.send('go'); };
          ws.onmessage = (e) => {
            if (typeof e.data === 'string') { expected = Number(e.data); check(); return; }
            const data = new Uint8Array(e.data);
            window.term.write(data, () => { written += data.length; check(); });
          };
        });
      `,
      resolveDir: ROOT,
      loader: 'js',
    },
    bundle: true,
    write: false,
    format: 'iife',
    minify: true,
  });
  const script = bundle.outputFiles[0].text;
  const css = readFileSync(join(ROOT, 'node_modules', '@xterm', 'xterm', 'css', 'xterm.css'), 'utf8');
  const html = `<!doctype html><html><head><style>${css} body{margin:0;background:#14161b}</style></head><body><div id="host"></div><script>${script}</script></body></html>`;
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.once('message', () => {
      let bytes = 0;
      const p = pty.spawn('/bin/cat', [payload], { cols: 120, rows: 40, encoding: null as unknown as string });
      p.onData((d: unknown) => {
        bytes += (d as Buffer).length;
        ws.send(d as Buffer, { binary: true });
      });
      p.onExit(() => setTimeout(() => ws.send(String(bytes)), 0));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('bare page server has no port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    server,
    close: () => new Promise<void>((resolve) => {
      wss.close();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** In the page: types `go` into the pane and resolves once xterm has parsed `bytes` more. */
function streamIntoPane(page: Page, agentId: string, bytes: number): Promise<number> {
  return page.evaluate(
    ({ id, bytes }) =>
      new Promise<number>((resolve) => {
        const seam = window.__flotilla!;
        const base = seam.terminalWrittenBytes(id);
        const start = performance.now();
        const off = seam.onTerminalWrite(id, () => {
          if (seam.terminalWrittenBytes(id) - base < bytes) return;
          off();
          resolve(performance.now() - start);
        });
        seam.terminalInput(id, 'go\r');
      }),
    { id: agentId, bytes },
  );
}

/** In the page: `count` keystrokes into the pane, each timed until xterm has parsed its echo. */
function echoProbes(page: Page, agentId: string, count: number): Promise<number[]> {
  return page.evaluate(
    async ({ id, count }) => {
      const seam = window.__flotilla!;
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        const key = 'abcdefghijklmnopqrstuvwxyz'.charCodeAt(i % 26);
        times.push(
          await new Promise<number>((resolve) => {
            const start = performance.now();
            const off = seam.onTerminalWrite(id, (data) => {
              if (!data.includes(key)) return;
              off();
              resolve(performance.now() - start);
            });
            seam.terminalInput(id, String.fromCharCode(key));
          }),
        );
        await new Promise((r) => setTimeout(r, 20));
      }
      seam.terminalInput(id, '\x15'); // Ctrl-U: clear the line
      return times;
    },
    { id: agentId, count },
  );
}

/** In the page: Ctrl-C into a flooding pane; ms from the keystroke to its last written byte. */
function interruptPane(page: Page, agentId: string, silenceMs: number): Promise<number> {
  return page.evaluate(
    ({ id, silenceMs }) =>
      new Promise<number>((resolve) => {
        const seam = window.__flotilla!;
        const start = performance.now();
        let last = start;
        const off = seam.onTerminalWrite(id, () => {
          last = performance.now();
        });
        const poll = setInterval(() => {
          if (performance.now() - last < silenceMs) return;
          clearInterval(poll);
          off();
          resolve(last - start);
        }, 20);
        seam.terminalInput(id, '\x03');
      }),
    { id: agentId, silenceMs },
  );
}

/** Raw node-pty: keystroke echo of an interactive bash, optionally beside `floods` raw `yes` PTYs. */
async function rawEcho(count: number, floods: number): Promise<number[]> {
  const env = { ...process.env, PS1: '$ ' } as Record<string, string>;
  const noise = Array.from({ length: floods }, () => pty.spawn('/usr/bin/yes', ['flood'], { cols: 80, rows: 24, env, encoding: null as unknown as string }));
  for (const p of noise) p.onData(() => undefined);
  const shell = pty.spawn('/bin/bash', ['--noprofile', '--norc', '-i'], { cols: 80, rows: 24, env, encoding: null as unknown as string });
  let waiter: ((d: Buffer) => void) | null = null;
  shell.onData((d: unknown) => waiter?.(d as Buffer));
  await new Promise((r) => setTimeout(r, 300));
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const key = 'abcdefghijklmnopqrstuvwxyz'.charCodeAt(i % 26);
    times.push(
      await new Promise<number>((resolve) => {
        const start = performance.now();
        waiter = (d) => {
          if (!d.includes(key)) return;
          waiter = null;
          resolve(performance.now() - start);
        };
        shell.write(String.fromCharCode(key));
      }),
    );
    await new Promise((r) => setTimeout(r, 20));
  }
  shell.kill();
  for (const p of noise) p.kill();
  return times;
}

/** Runs the browser benchmarks; `payload` is the file streamed, `repo` a git repository to open. */
export async function browserBench(payload: string, repo: string): Promise<BrowserFigure[]> {
  const server = await startServer();
  const browser = await launchBrowser();
  const bare = await startBarePage(payload);
  const figures: BrowserFigure[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(server.url);
    await openRepo(page, repo);

    // 1. Stream into one pane vs a bare xterm of the same size.
    const stream = await createAgent(page, { name: 'Stream', kind: 'command', command: `while read go; do cat '${payload}'; done` });
    const box = await page.locator(`[data-agent-id="${stream}"] [data-testid="pane-terminal"]`).boundingBox();
    const barePage = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await barePage.goto(bare.url);
    await barePage.evaluate(({ font, width, height }) => (window as unknown as { bare(o: unknown, w: number, h: number): void }).bare(font, width, height), {
      font: FONT,
      width: Math.floor(box?.width ?? 800),
      height: Math.floor(box?.height ?? 600),
    });
    const ours: number[] = [];
    const base: number[] = [];
    let streamBytes = 0;
    for (let round = 0; round < 3; round++) {
      progress(`stream round ${round + 1}: bare xterm.js`);
      const b = await barePage.evaluate(() => (window as unknown as { runBare(): Promise<{ ms: number; bytes: number }> }).runBare());
      base.push(b.ms);
      streamBytes = b.bytes;
      await barePage.evaluate(() => (window as unknown as { term: { reset(): void } }).term.reset());
      await page.bringToFront();
      progress(`stream round ${round + 1}: Flotilla pane (${b.bytes} bytes, bare took ${b.ms.toFixed(0)} ms)`);
      ours.push(await streamIntoPane(page, stream, b.bytes));
      await barePage.bringToFront();
    }
    const renderer = await barePage.evaluate(() => (window as unknown as { renderer: string }).renderer);
    const mib = streamBytes / 1048576;
    await barePage.close();
    figures.push({ name: `PTY → pane, ${mib.toFixed(0)} MiB, ${renderer}`, ours: mib / (median(ours) / 1000), base: mib / (median(base) / 1000), unit: 'MiB/s', baseline: 'bare xterm.js page', higherIsBetter: true });

    // 2. Echo in an idle pane, then beside four floods; Ctrl-C to silence of one flood.
    await page.bringToFront();
    const echo = await createAgent(page, { name: 'Echo' });
    await page.waitForTimeout(500);
    progress('echo, idle');
    const idle = await echoProbes(page, echo, ECHO_PROBES);
    const floods: string[] = [];
    for (let i = 0; i < FLOODS; i++) floods.push(await createAgent(page, { name: `Flood ${i + 1}` }));
    for (const id of floods) await page.evaluate((id) => window.__flotilla!.terminalInput(id, 'yes flotilla-flood-line\r'), id);
    await page.waitForTimeout(1_000);
    progress(`echo, ${FLOODS} floods`);
    const flooded = await echoProbes(page, echo, ECHO_PROBES);
    progress('Ctrl-C');
    const interrupts: number[] = [];
    for (let round = 0; round < 3; round++) {
      interrupts.push(await interruptPane(page, floods[0], SILENCE_MS));
      await page.evaluate((id) => window.__flotilla!.terminalInput(id, 'yes flotilla-flood-line\r'), floods[0]);
      await page.waitForTimeout(1_000);
    }
    for (const id of floods) await page.evaluate((id) => window.__flotilla!.terminalInput(id, '\x03'), id);

    const rawIdle = await rawEcho(ECHO_PROBES, 0);
    const rawFlooded = await rawEcho(ECHO_PROBES, FLOODS);
    figures.push({ name: 'Echo p50, idle', ours: median(idle), base: median(rawIdle), unit: 'ms', baseline: 'raw node-pty, idle' });
    figures.push({ name: 'Echo p95, idle', ours: percentile(idle, 0.95), base: percentile(rawIdle, 0.95), unit: 'ms', baseline: 'raw node-pty, idle' });
    figures.push({ name: `Echo p50, ${FLOODS} floods`, ours: median(flooded), base: median(idle), unit: 'ms', baseline: 'Flotilla echo p50 idle' });
    figures.push({ name: `Echo p95, ${FLOODS} floods`, ours: percentile(flooded, 0.95), base: percentile(idle, 0.95), unit: 'ms', baseline: 'Flotilla echo p95 idle (goal ≤ 2×)' });
    figures.push({ name: `Raw echo p95, ${FLOODS} floods`, ours: percentile(rawFlooded, 0.95), base: percentile(rawIdle, 0.95), unit: 'ms', baseline: 'raw node-pty echo p95 idle' });
    figures.push({ name: `Ctrl-C to silence, ${FLOODS} floods`, ours: median(interrupts), base: 200, unit: 'ms', baseline: 'goal 200 ms' });
  } finally {
    await bare.close();
    await browser.close();
    await server.stop();
  }
  return figures;
}

/** Changed files in the changes-list benchmark. */
const CHANGED_FILES = 1_000;
/** Goals of issue 6 for the changes panel. */
const SHOW_GOAL_MS = 300;
const LONG_TASK_GOAL_MS = 100;

/** What the page measured for one opening of the changes panel. */
interface ChangesOpening {
  /** Click on the pane's Changes button until the list's rows are in the DOM. */
  showMs: number;
  /** Rows rendered: the list is virtualised, so a screenful rather than all of them. */
  rows: number;
  /** Longest main-thread task from the click until the list showed. */
  longestWhileListingMs: number;
  /** Longest main-thread task from the list showing until the first file's diff was ready. */
  longestWhileDiffOpensMs: number;
}

/**
 * Opens the changes panel of `agentId` from inside the page and measures it with a
 * MutationObserver (rows in the DOM) and a PerformanceObserver for 'longtask' entries.
 */
function openChanges(page: Page, agentId: string): Promise<ChangesOpening> {
  return page.evaluate(
    ({ agentId, expected }) =>
      new Promise<ChangesOpening>((resolve, reject) => {
        const tasks: { start: number; end: number }[] = [];
        const longtasks = new PerformanceObserver((list) => {
          for (const e of list.getEntries()) tasks.push({ start: e.startTime, end: e.startTime + e.duration });
        });
        longtasks.observe({ type: 'longtask', buffered: false });
        const longest = (from: number, to: number) =>
          Math.max(0, ...tasks.filter((t) => t.end > from && t.start < to).map((t) => t.end - t.start));
        const button = document.querySelector<HTMLButtonElement>(`[data-agent-id="${agentId}"] [data-testid="pane-changes"]`);
        if (!button) return reject(new Error('no Changes button'));
        let shownAt = 0;
        const filterSays = () => document.querySelector<HTMLInputElement>('.file-filter')?.placeholder.includes(`${expected} files`) ?? false;
        const check = () => {
          if (!shownAt && document.querySelector('[data-testid="changed-file"]') && filterSays()) shownAt = performance.now();
          if (shownAt && document.querySelector('[data-testid="diff-editor"][data-ready="true"]')) {
            observer.disconnect();
            const readyAt = performance.now();
            // Long tasks are reported after they end: give the observer one more turn.
            setTimeout(() => {
              longtasks.disconnect();
              resolve({
                showMs: shownAt - clickedAt,
                rows: document.querySelectorAll('[data-testid="changed-file"]').length,
                longestWhileListingMs: longest(clickedAt, shownAt),
                longestWhileDiffOpensMs: longest(shownAt, readyAt),
              });
            }, 50);
          }
        };
        const observer = new MutationObserver(check);
        observer.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-ready', 'placeholder'] });
        const clickedAt = performance.now();
        button.click();
      }),
    { agentId, expected: CHANGED_FILES },
  );
}

/**
 * The changes panel of an agent with 1,000 changed files in Chromium: time from the click until
 * the list shows, and the longest main-thread task while it lists and while the first file's diff
 * opens, against the goals (300 ms to show, no task over 100 ms). The first opening loads Monaco;
 * later ones reuse it, so both are reported.
 */
export async function changesPanelBench(repo: string): Promise<BrowserFigure[]> {
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(server.url);
    await openRepo(page, repo);
    const agentId = await createAgent(page, { name: 'Changes' });
    const dir = worktreeOf(repo, 'flotilla/changes');
    const tracked = gitLines(dir, ['ls-files']).slice(0, CHANGED_FILES);
    for (const [i, path] of tracked.entries()) writeFileSync(join(dir, path), `// changed by the bench ${i}\nexport const changed = ${i};\n`);
    // tsx names the functions inside the measuring callback with a helper the page lacks.
    await page.evaluate('globalThis.__name = (f) => f');
    const openings: ChangesOpening[] = [];
    for (let round = 0; round < 3; round++) {
      progress(`changes panel, opening ${round + 1}`);
      openings.push(await openChanges(page, agentId));
      await page.getByTestId('changes-close').click();
    }
    const [first, ...later] = openings;
    const show = (o: ChangesOpening) => o.showMs;
    return [
      { name: `Changes list shows, ${CHANGED_FILES} files`, ours: median(openings.map(show)), base: SHOW_GOAL_MS, unit: 'ms', baseline: `goal ${SHOW_GOAL_MS} ms (${first!.rows} rows in the DOM)` },
      { name: 'Longest task while the list shows', ours: Math.max(...openings.map((o) => o.longestWhileListingMs)), base: LONG_TASK_GOAL_MS, unit: 'ms', baseline: `goal ${LONG_TASK_GOAL_MS} ms` },
      { name: 'Longest task, first diff, 1st open', ours: first!.longestWhileDiffOpensMs, base: LONG_TASK_GOAL_MS, unit: 'ms', baseline: `goal ${LONG_TASK_GOAL_MS} ms (loads Monaco)` },
      { name: 'Longest task, first diff, reopened', ours: Math.max(...later.map((o) => o.longestWhileDiffOpensMs)), base: LONG_TASK_GOAL_MS, unit: 'ms', baseline: `goal ${LONG_TASK_GOAL_MS} ms` },
    ];
  } finally {
    await browser.close();
    await server.stop();
  }
}

function gitLines(cwd: string, args: string[]): string[] {
  return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split('\n').filter(Boolean);
}

/** The worktree of `branch` (the agent's), from the repository's own worktree list. */
function worktreeOf(repo: string, branch: string): string {
  const records = execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: repo, encoding: 'utf8' }).split('\n\n');
  const record = records.find((r) => r.includes(`branch refs/heads/${branch}\n`) || r.endsWith(`branch refs/heads/${branch}`));
  const path = /^worktree (.+)$/m.exec(record ?? '')?.[1];
  if (!path) throw new Error(`no worktree for ${branch}`);
  return path;
}
