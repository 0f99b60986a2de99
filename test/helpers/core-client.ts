/**
 * The client side of integration tests that drive a real core in-process: typed calls, each
 * agent's terminal bytes (acked, as the renderer does), the events seen, waiting on a condition,
 * and a quiet HOME so that the developer's shell profile plays no part.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { ClientConnection, Core } from '../../src/main/core/index';
import type { Result } from '../../src/shared/types';
import { removeDir, tempDir } from './repo';

/** A connection to a core with what it received. */
export interface CoreClient {
  conn: ClientConnection;
  /** The method's result as data. */
  invoke: <T>(method: string, params: unknown) => Promise<Result<T>>;
  /** The method's value; an error result throws, with its `code`. */
  call: <T>(method: string, params: unknown) => Promise<T>;
  /** Everything the agent's terminal printed so far, as text. */
  pane: (agentId: string) => string;
  /** Every event, in order. */
  events: { name: string; payload: unknown }[];
}

/** Connects a client to `core` that collects terminal bytes per agent and acks them. */
export function connectClient(core: Core, onEvent?: (name: string, payload: unknown) => void): CoreClient {
  const output = new Map<string, string>();
  const events: { name: string; payload: unknown }[] = [];
  const conn: ClientConnection = core.connect({
    event: (name, payload) => {
      events.push({ name, payload });
      onEvent?.(name, payload);
    },
    terminalData: (agentId, data) => {
      output.set(agentId, (output.get(agentId) ?? '') + Buffer.from(data).toString('utf8'));
      conn.notify('terminal.ack', { agentId, bytes: data.length });
    },
  });
  const invoke = <T>(method: string, params: unknown) => conn.invoke(method, params) as Promise<Result<T>>;
  const call = async <T>(method: string, params: unknown): Promise<T> => {
    const result = await invoke<T>(method, params);
    if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code });
    return result.value;
  };
  return { conn, invoke, call, pane: (agentId) => output.get(agentId) ?? '', events };
}

/**
 * Waits until `check` holds. The timeout is only a backstop against a hang, generous for a loaded
 * machine; `what` names the condition in the failure (a function: read when it fails).
 */
export async function until(check: () => boolean, what: string | (() => string), timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A fresh HOME whose shell prompt is `$ `, set as HOME with SHELL=/bin/bash for the agents' login
 * shells. Returns the folder; the caller restores process.env and removes it.
 */
export function quietHome(prefix = 'flotilla-home-'): string {
  const home = tempDir(prefix);
  writeFileSync(join(home, '.bashrc'), "PS1='$ '\n");
  writeFileSync(join(home, '.profile'), "PS1='$ '\n");
  process.env.HOME = home;
  process.env.SHELL = '/bin/bash';
  return home;
}

/** A quiet HOME (see quietHome) for every test of the enclosing describe block, undone after them. */
export function useQuietHome(prefix?: string): void {
  const saved = { HOME: process.env.HOME, SHELL: process.env.SHELL };
  let home = '';
  beforeAll(() => {
    home = quietHome(prefix);
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    removeDir(home);
  });
}
