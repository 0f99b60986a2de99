/**
 * run_command: the user's shell in the worktree, its output echoed live to the pane and its tail
 * kept for the model, in its own process group so a timeout or Ctrl-C kills what it started too.
 */
import { spawn } from 'node:child_process';
import { VENDOR_KEY_ENV_NAMES } from '../../../shared/vendor-keys';
import { defaultShell } from '../pty/default-shell';

/** Bytes of a command's output (its tail) returned to the model. */
export const COMMAND_OUTPUT_TAIL_BYTES = 16 * 1024;
/** Environment variables a command run by the model never sees: its gateway token, Flotilla's own switches. */
const SECRET_ENV = new RegExp(`^(${[...VENDOR_KEY_ENV_NAMES, 'FLOTILLA_.*', 'ELECTRON_RUN_AS_NODE'].join('|')})$`);

/** What a command needs from the running agent. */
export interface CommandContext {
  /** The worktree's real path. */
  root: string;
  /** Where a command's output is echoed live (the PTY the user watches). */
  echo(chunk: Uint8Array | string): void;
  signal: AbortSignal;
}

/** The result of running a command for the model. */
export interface CommandResult {
  exitCode: number | null;
  output: string;
  timedOut: boolean;
  cancelled: boolean;
}

/** Strips ANSI escape sequences so the model reads plain text. Pure. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g, '');
}

/**
 * Runs `command` with the user's shell in the worktree, echoing its output live and keeping
 * the tail for the model. It gets its own process group so a timeout or Ctrl-C kills what it
 * started too.
 */
export function runCommand(ctx: CommandContext, command: string, timeoutMs: number): Promise<CommandResult> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!SECRET_ENV.test(k)) env[k] = v;
  env.PAGER = 'cat';
  env.GIT_PAGER = 'cat';
  return new Promise((resolve) => {
    const child = spawn(defaultShell().file, ['-c', command], { cwd: ctx.root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    let tail = Buffer.alloc(0);
    let timedOut = false;
    let cancelled = false;
    let settled = false;
    const onData = (chunk: Buffer) => {
      ctx.echo(chunk);
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > COMMAND_OUTPUT_TAIL_BYTES * 2) tail = tail.subarray(tail.length - COMMAND_OUTPUT_TAIL_BYTES);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const killGroup = () => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    const onAbort = () => {
      cancelled = true;
      killGroup();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const done = (exitCode: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      child.stdout.destroy();
      child.stderr.destroy();
      let text = tail.toString('utf8');
      if (tail.length > COMMAND_OUTPUT_TAIL_BYTES) text = `… (earlier output cut)\n${text.slice(-COMMAND_OUTPUT_TAIL_BYTES)}`;
      resolve({ exitCode, output: stripAnsi(text), timedOut, cancelled });
    };
    child.on('error', (e) => {
      tail = Buffer.from(`could not start the shell: ${e.message}`);
      done(null);
    });
    // 'close' waits for every holder of the pipes; a background grandchild could hold them
    // forever, so after 'exit' give the output a moment to drain and then stop waiting.
    child.on('exit', (code, signal) => setTimeout(() => done(code ?? (signal ? 128 : null)), 150).unref());
    child.on('close', (code, signal) => done(code ?? (signal ? 128 : null)));
    if (ctx.signal.aborted) onAbort();
  });
}
