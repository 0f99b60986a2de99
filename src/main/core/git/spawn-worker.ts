/**
 * Runs git processes from a worker thread, so that starting one never stalls the event loop that
 * carries terminal bytes. Starting a process from a large Node process blocks the calling thread
 * for milliseconds (fork and exec of a big address space: ~11 ms a spawn, 36 ms under load, on the
 * machines this was measured on); from the worker, the main thread keeps serving while it happens.
 * The worker only starts processes and collects their output; what to run and what the result
 * means stays in core.ts.
 */
import { Worker } from 'node:worker_threads';

/** One process to run. */
export interface ProcessRun {
  file: string;
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
// the test runner. Output is copied into a fresh ArrayBuffer that is transferred, never a
// pooled Buffer's shared one.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const running = new Map();
parentPort.on('message', (msg) => {
  if (msg.cancel !== undefined) {
    const entry = running.get(msg.cancel);
    if (entry) entry.kill('cancelled');
    return;
  }
  const { id, run } = msg;
  const out = [];
  const err = [];
  let outBytes = 0;
  let killedFor = null;
  let done = false;
  let child;
  const finish = (code, spawnError) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    running.delete(id);
    const buffer = new ArrayBuffer(outBytes > run.maxOutputBytes ? 0 : outBytes);
    const view = new Uint8Array(buffer);
    let at = 0;
    if (buffer.byteLength) for (const chunk of out) { view.set(chunk, at); at += chunk.length; }
    parentPort.postMessage({ id, stdout: buffer, stderr: Buffer.concat(err).toString('utf8'), code, killedFor, spawnError }, [buffer]);
  };
  // The whole process group: git's own children (an alias, a helper) must not outlive it.
  const kill = (why) => {
    if (!killedFor) killedFor = why;
    try { process.kill(-child.pid, 'SIGKILL'); } catch { try { child.kill('SIGKILL'); } catch {} }
  };
  const timer = setTimeout(() => kill('timeout'), run.timeoutMs);
  try {
    child = spawn(run.file, run.args, { cwd: run.cwd, env: run.env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true, detached: process.platform !== 'win32' });
  } catch (e) {
    finish(null, { code: e.code || null, message: e.message });
    return;
  }
  running.set(id, { kill });
  child.stdout.on('data', (chunk) => {
    outBytes += chunk.length;
    if (outBytes > run.maxOutputBytes) kill('cancelled');
    else out.push(chunk);
  });
  child.stderr.on('data', (chunk) => err.push(chunk));
  child.on('error', (e) => finish(null, { code: e.code || null, message: e.message }));
  child.on('close', (code) => finish(code, null));
  // Killed: done at its exit, without waiting for pipes a stray descendant may still hold.
  child.on('exit', (code) => { if (killedFor) finish(code, null); });
  child.stdin.on('error', () => {});
  if (run.input !== undefined) child.stdin.end(typeof run.input === 'string' ? run.input : Buffer.from(run.input));
  else child.stdin.end();
});
`;

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, (outcome: ProcessOutcome) => void>();

function ensureWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true });
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

/** Runs a process from the worker; `signal` kills it. Never rejects: failures are in the outcome. */
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
