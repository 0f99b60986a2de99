/**
 * Runs git through simple-git from a worker thread, so that starting a process never stalls the
 * event loop that carries terminal bytes. Starting a process from a large Node process blocks the
 * calling thread for milliseconds (fork and exec of a big address space: ~11 ms a spawn, 36 ms
 * under load, on the machines this was measured on); from the worker, the main thread keeps
 * serving while it happens. The worker only runs git and collects its output; what to run and
 * what the result means stays in core.ts.
 *
 * simple-git gives the argument handling, the environment and config guards, stdin, abort and
 * the buffer output for blobs. Two things it does not do are added through its plugin hooks: the
 * process runs in its own process group, killed as a whole on timeout or cancel (git's own
 * children — an alias, a filter — must not outlive it), and every exit code reaches core.ts
 * (simple-git treats a non-zero exit with an empty stderr as success).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** At most this many git processes run at once; further calls wait their turn in the worker. */
export const GIT_MAX_CONCURRENT = 6;

/** One git call to run. */
export interface ProcessRun {
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  input?: string | Uint8Array;
  timeoutMs: number;
  /** Above this much stdout the process is killed (reported as 'cancelled'). */
  maxOutputBytes: number;
}

/** How it ended. */
export interface ProcessOutcome {
  stdout: Buffer;
  stderr: string;
  code: number | null;
  killedFor: 'timeout' | 'cancelled' | null;
  /** The process could not be started (errno code and message). */
  spawnError: { code: string | null; message: string } | null;
}

// Plain CommonJS run with `eval`: no build step, so it works the same under Node, Electron and
// the test runner. simple-git is loaded from the path the main thread resolved. Output is copied
// into a fresh ArrayBuffer that is transferred, never a pooled Buffer's shared one.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { simpleGit } = require(workerData.simpleGitPath);
const running = new Map();
const waiting = [];
let active = 0;

function release() {
  active--;
  const next = waiting.shift();
  if (next) next();
}

// Every config key the call sets (GIT_CONFIG_KEY_n, -c key=value, git config): all chosen by core.ts, so
// simple-git's config guard is told to allow them.
function configKeys(run) {
  const keys = [];
  for (const [name, value] of Object.entries(run.env)) if (/^GIT_CONFIG_KEY_\\d+$/.test(name)) keys.push(value);
  let i = 0;
  for (; i < run.args.length - 1 && run.args[i] === '-c'; i += 2) keys.push(run.args[i + 1].split('=')[0]);
  // \`git config [--file F] <key> <value>\`: the key it writes.
  if (run.args[i] === 'config') for (const arg of run.args.slice(i + 1)) if (/^[a-z][a-z0-9-]*\\..+/i.test(arg)) keys.push(arg);
  return keys;
}

parentPort.on('message', (msg) => {
  if (msg.cancel !== undefined) {
    const kill = running.get(msg.cancel);
    if (kill) kill('cancelled');
    else {
      const index = waiting.findIndex((w) => w.id === msg.cancel);
      if (index >= 0) waiting.splice(index, 1)[0].cancel();
    }
    return;
  }
  const { id, run } = msg;
  const start = () => { active++; execute(id, run).finally(release); };
  if (active < workerData.maxConcurrent) start();
  else {
    const entry = () => start();
    entry.id = id;
    entry.cancel = () => post(id, { stdout: [], stderr: [], code: null, killedFor: 'cancelled', spawnError: null });
    waiting.push(entry);
  }
});

function post(id, { stdout, stderr, code, killedFor, spawnError }) {
  let bytes = 0;
  for (const chunk of stdout) bytes += chunk.length;
  const buffer = new ArrayBuffer(bytes);
  const view = new Uint8Array(buffer);
  let at = 0;
  for (const chunk of stdout) { view.set(chunk, at); at += chunk.length; }
  parentPort.postMessage({ id, stdout: buffer, stderr: Buffer.concat(stderr).toString('utf8'), code, killedFor, spawnError }, [buffer]);
}

async function execute(id, run) {
  const controller = new AbortController();
  let child = null;
  let killedFor = null;
  let spawnError = null;
  let result = null;
  let outBytes = 0;
  // The whole process group; simple-git's abort alone signals only git itself.
  const kill = (why) => {
    if (!killedFor) killedFor = why;
    controller.abort();
    if (!child || !child.pid) return;
    try { process.kill(-child.pid, 'SIGKILL'); } catch { try { child.kill('SIGKILL'); } catch {} }
  };
  running.set(id, kill);
  const timer = setTimeout(() => kill('timeout'), run.timeoutMs);
  const input = run.input === undefined ? undefined : typeof run.input === 'string' ? run.input : Buffer.from(run.input);
  try {
    const git = simpleGit({
      baseDir: run.cwd,
      abort: controller.signal,
      maxConcurrentProcesses: 1,
      allowEnvironment: Object.keys(run.env),
      allowConfig: configKeys(run),
      // Arguments are built by core.ts's callers, never taken from outside as options; these two
      // are Flotilla's own hardening (no template; file transport for a local submodule clone).
      unsafe: { allowUnsafeTemplateDir: true, allowUnsafeProtocolOverride: true },
      input: input === undefined ? undefined : () => input,
      // Called with every result: keep the exit code and the raw bytes, and let core.ts decide
      // which exit codes are failures.
      errors: (error, response) => { result = response; return undefined; },
    }).env(run.env);
    git._plugins.add([
      { type: 'spawn.options', action: (options) => ({ ...options, detached: process.platform !== 'win32' }) },
      {
        type: 'spawn.after',
        action: (_, { spawned }) => {
          child = spawned;
          spawned.on('error', (e) => { spawnError = { code: e.code || null, message: e.message }; });
          if (input === undefined) { spawned.stdin?.on('error', () => {}); spawned.stdin?.end(); }
          spawned.stdout?.on('data', (chunk) => { outBytes += chunk.length; if (outBytes > run.maxOutputBytes) kill('cancelled'); });
          if (killedFor) kill(killedFor);
        },
      },
    ]);
    // Blob contents come back as bytes, never decoded; every other call's bytes are kept by the
    // errors hook above.
    if (run.args[0] === 'cat-file') await git.binaryCatFile(run.args.slice(1));
    else await git.raw(run.args);
  } catch (e) {
    if (!killedFor && !spawnError && !result) spawnError = { code: null, message: String(e && e.message || e) };
  } finally {
    clearTimeout(timer);
    running.delete(id);
  }
  const tooBig = outBytes > run.maxOutputBytes;
  post(id, {
    stdout: tooBig || !result ? [] : result.stdOut,
    stderr: result ? result.stdErr : [],
    code: result && !spawnError ? result.exitCode : null,
    killedFor,
    spawnError: killedFor ? null : spawnError,
  });
}
`;

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, (outcome: ProcessOutcome) => void>();

function ensureWorker(): Worker {
  if (worker) return worker;
  const simpleGitPath = createRequire(import.meta.url).resolve('simple-git');
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { simpleGitPath, maxConcurrent: GIT_MAX_CONCURRENT } });
  w.on('message', (msg: { id: number; stdout: ArrayBuffer } & Omit<ProcessOutcome, 'stdout'>) => {
    const done = pending.get(msg.id);
    pending.delete(msg.id);
    if (pending.size === 0) w.unref();
    done?.({ stdout: Buffer.from(msg.stdout), stderr: msg.stderr, code: msg.code, killedFor: msg.killedFor, spawnError: msg.spawnError });
  });
  w.on('error', (err) => failAll(`the git worker failed: ${err.message}`));
  w.on('exit', () => {
    worker = null;
    failAll('the git worker stopped');
  });
  w.unref();
  worker = w;
  return w;
}

function failAll(message: string): void {
  for (const [id, done] of pending) {
    pending.delete(id);
    done({ stdout: Buffer.alloc(0), stderr: message, code: null, killedFor: null, spawnError: { code: null, message } });
  }
}

/** Runs git from the worker; `signal` kills it. Never rejects: failures are in the outcome. */
export function runProcess(run: ProcessRun, signal?: AbortSignal): Promise<ProcessOutcome> {
  const w = ensureWorker();
  const id = nextId++;
  return new Promise((resolve) => {
    const onAbort = () => w.postMessage({ cancel: id });
    pending.set(id, (outcome) => {
      signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    });
    // A call in flight keeps the process alive, as an in-thread child process would.
    w.ref();
    signal?.addEventListener('abort', onAbort, { once: true });
    w.postMessage({ id, run: { ...run, env: { ...run.env } } });
  });
}

/** Stops the worker (tests, shutdown); calls in flight fail. */
export async function stopProcessWorker(): Promise<void> {
  const w = worker;
  worker = null;
  await w?.terminate();
}
