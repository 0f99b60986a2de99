/**
 * `flotilla serve` started with keys in its environment: the process that received them
 * (the launcher) starts the real server without them and hands them over a pipe, so that the
 * server — the parent of every agent — carries no key in its /proc/<pid>/environ. A process's
 * initial environment cannot be changed after exec, so the launcher (like the shell or npm that
 * started it) still holds them: see docs/technical/keys.md.
 */
import { spawn } from 'node:child_process';
import { closeSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import type { Writable } from 'node:stream';
import { isKeyEnvName } from './secret-store';

/** Set in the server's environment: the file descriptor the keys arrive on. */
export const KEY_HANDOVER_VARIABLE = 'FLOTILLA_KEYS_FD';
/** stdin, stdout, stderr, then the keys' pipe. */
const HANDOVER_FD = 3;

/** The key variables of `env` with a value, by name. */
export function keyVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (isKeyEnvName(name) && value?.trim()) out[name] = value;
  return out;
}

/**
 * In the launcher: when the environment holds keys (and this is not already the server), starts
 * this same command again without them, hands them over, forwards signals and exits as the server
 * exits. Returns false when there is nothing to hand over: the caller then is the server itself.
 */
export function relaunchWithoutKeys(): boolean {
  if (process.env[KEY_HANDOVER_VARIABLE] !== undefined) return false;
  const keys = keyVariables(process.env);
  if (Object.keys(keys).length === 0) return false;
  const env: NodeJS.ProcessEnv = { ...process.env, [KEY_HANDOVER_VARIABLE]: String(HANDOVER_FD) };
  for (const name of Object.keys(keys)) delete env[name];
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
    // Its own process group: a terminal's Ctrl-C reaches only the launcher, which forwards it once
    // (twice would make the server skip its graceful shutdown).
    detached: true,
  });
  const pipe = child.stdio[HANDOVER_FD] as Writable;
  pipe.on('error', () => undefined); // the server died before reading: its exit says why
  pipe.end(JSON.stringify(keys));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.once('error', (err) => {
    process.stderr.write(`flotilla: could not start the server: ${err.message}\n`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  return true;
}

/** In the server: the keys the launcher handed over (null when started without any). */
export function takeHandedKeys(): Record<string, string> | null {
  const fdText = process.env[KEY_HANDOVER_VARIABLE];
  if (fdText === undefined) return null;
  delete process.env[KEY_HANDOVER_VARIABLE];
  const fd = Number(fdText);
  let text: string;
  try {
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {};
  }
  return typeof value === 'object' && value !== null ? keyVariables(value as NodeJS.ProcessEnv) : {};
}
