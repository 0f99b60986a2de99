/**
 * The terminal path under floods, over the real transport: a real core, the web server, a real
 * WebSocket, real PTYs in real worktrees. Proved by conditions (windows full, PTYs paused,
 * frame order), never by timing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Core } from '../src/main/core/index';
import { BACKGROUND_HIGH_WATERMARK_BYTES, BACKGROUND_MAX_COALESCE_BYTES, HIGH_WATERMARK_BYTES, MAX_COALESCE_BYTES } from '../src/main/core/pty';
import { startWebServer, type WebServer } from '../src/main/server/web-server';
import { decodeTerminalFrame } from '../src/shared/contract';
import type { AgentInfo, Result } from '../src/shared/types';
import { makeRepo, removeDir, tempDir } from './helpers/repo';

const TOKEN = 'priority-test-token-0123456789';
/** One read from a PTY is at most this much: the overshoot past a window. */
const PTY_READ_BYTES = 64 * 1024;

/** A web-mode client that records every terminal frame in arrival order, and acks only the agents it is told to. */
class Client {
  readonly frames: { agentId: string; text: string }[] = [];
  readonly received = new Map<string, number>();
  readonly acking = new Set<string>();
  private nextId = 1;
  private readonly pending = new Map<number, (r: Result<unknown>) => void>();
  private waiters: Array<() => void> = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        const message = JSON.parse(raw.toString()) as { t: string; id: number; result: Result<unknown> };
        if (message.t === 'result') this.pending.get(message.id)?.(message.result);
        return;
      }
      const { agentId, data } = decodeTerminalFrame(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
      this.frames.push({ agentId, text: Buffer.from(data).toString('utf8') });
      this.received.set(agentId, (this.received.get(agentId) ?? 0) + data.length);
      if (this.acking.has(agentId)) this.notify('terminal.ack', { agentId, bytes: data.length });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static open(port: number): Promise<Client> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ['flotilla', `flotilla-token.${TOKEN}`], { origin: `http://127.0.0.1:${port}` });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('error', reject);
    });
  }

  async call<T>(method: string, params: unknown): Promise<T> {
    const id = this.nextId++;
    const result = await new Promise<Result<unknown>>((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ t: 'call', id, method, params }));
    });
    this.pending.delete(id);
    if (!result.ok) throw new Error(`${method}: ${result.error.message}`);
    return result.value as T;
  }

  notify(name: string, params: unknown): void {
    this.ws.send(JSON.stringify({ t: 'notify', name, params }));
  }

  text(agentId: string): string {
    return this.frames.filter((f) => f.agentId === agentId).map((f) => f.text).join('');
  }

  /** Resolves once `check` holds after some frame, or rejects after `timeoutMs`. */
  waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const poll = () => {
        if (check()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(poll);
      };
      poll();
    });
  }

  /** Resolves with the bytes of `agentId` received once they stop growing (its PTY is paused). */
  async settled(agentId: string): Promise<number> {
    let last = -1;
    while ((this.received.get(agentId) ?? 0) !== last) {
      last = this.received.get(agentId) ?? 0;
      await new Promise((r) => setTimeout(r, 300));
    }
    return last;
  }

  close(): void {
    this.ws.close();
  }
}

describe('terminal priority over the web transport', () => {
  let repo: string;
  let dataDir: string;
  let home: string;
  let core: Core;
  let server: WebServer;
  let client: Client;
  const saved = { HOME: process.env.HOME, SHELL: process.env.SHELL };

  beforeAll(async () => {
    home = tempDir('flotilla-home-');
    writeFileSync(join(home, '.bashrc'), "PS1='$ '\n");
    writeFileSync(join(home, '.profile'), "PS1='$ '\n");
    process.env.HOME = home;
    process.env.SHELL = '/bin/bash';
    repo = makeRepo({ 'README.md': '# priority\n' });
    dataDir = tempDir('flotilla-data-');
    core = await Core.create({ dataDir, mode: 'web', version: 'test' });
    server = await startWebServer({ core, host: '127.0.0.1', port: 0, token: TOKEN, rendererDir: join(dataDir, 'no-renderer') });
    client = await Client.open(server.port);
  });

  afterAll(async () => {
    client?.close();
    await server?.close();
    await core?.dispose();
    process.env.HOME = saved.HOME;
    process.env.SHELL = saved.SHELL;
    removeDir(repo);
    removeDir(dataDir);
    removeDir(home);
  });

  it('echoes keystrokes while two floods fill their windows, and Ctrl-C stops a paused flood', async () => {
    const { id: repoId } = await client.call<{ id: string }>('repos.open', { path: repo });
    const create = (name: string, command: string) => client.call<AgentInfo>('agents.create', { repoId, name, kind: 'command', command });
    // Two floods whose client never acks: their windows fill and their PTYs pause.
    const floods = [await create('Flood A', 'yes flood-a'), await create('Flood B', 'yes flood-b')];
    for (const flood of floods) await client.call('terminal.attach', { agentId: flood.id });
    // A line-reading loop: the tty echoes what is typed, the loop answers each line.
    const typist = await create('Typist', 'while IFS= read -r line; do echo "got-$line"; done');
    client.acking.add(typist.id);
    await client.call('terminal.attach', { agentId: typist.id });
    for (const flood of floods) await client.waitFor(() => (client.received.get(flood.id) ?? 0) > 0, `${flood.name} output`);
    const stalled = await Promise.all(floods.map((flood) => client.settled(flood.id)));
    for (const bytes of stalled) expect(bytes).toBeLessThanOrEqual(HIGH_WATERMARK_BYTES + MAX_COALESCE_BYTES + PTY_READ_BYTES);

    // Every keystroke's echo arrives though both floods are held back by full windows.
    for (const word of ['alpha', 'bravo']) {
      client.notify('terminal.input', { agentId: typist.id, data: `${word}\r` });
      await client.waitFor(() => client.text(typist.id).includes(`got-${word}`), `the answer to ${word}`);
    }
    // Not one flood byte was sent meanwhile: their PTYs stayed paused.
    for (const [i, flood] of floods.entries()) expect(client.received.get(flood.id)).toBe(stalled[i]);

    // The floods are now background panes: once acked they run again, in a small window.
    for (const [i, flood] of floods.entries()) {
      client.notify('terminal.ack', { agentId: flood.id, bytes: stalled[i] });
      await client.waitFor(() => (client.received.get(flood.id) ?? 0) > stalled[i]!, `${flood.name} to flow again`);
    }
    const background = await Promise.all(floods.map((flood) => client.settled(flood.id)));
    for (const [i, bytes] of background.entries()) {
      expect(bytes - stalled[i]!).toBeLessThanOrEqual(BACKGROUND_HIGH_WATERMARK_BYTES + BACKGROUND_MAX_COALESCE_BYTES + PTY_READ_BYTES);
    }

    // Ctrl-C stops a paused flood; its command ends and the agent reports the exit.
    client.notify('terminal.input', { agentId: floods[0]!.id, data: '\x03' });
    client.acking.add(floods[0]!.id);
    client.notify('terminal.ack', { agentId: floods[0]!.id, bytes: background[0] });
    const agents = async () => (await client.call<AgentInfo[]>('agents.list', { repoId })).find((a) => a.id === floods[0]!.id);
    for (let i = 0; (await agents())?.status === 'running'; i++) {
      if (i > 100) throw new Error('Flood A still runs after Ctrl-C');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});
