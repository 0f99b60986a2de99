/**
 * Helpers for PTY tests: a real database with agent rows (transcripts reference agents),
 * a collecting sink, and a plain environment for the processes.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { adHocAttempt, openDatabase, type AgentRow, type FlotillaDb } from '../../src/main/core/db';
import type { PtyExitEvent, PtyService } from '../../src/main/core/pty';
import { removeDir, tempDir } from './repo';

/** A database in a fresh temp dir; `cleanup` closes it and removes the dir. */
export function makeTestDb(): { dir: string; file: string; db: FlotillaDb; cleanup: () => void } {
  const dir = tempDir('flotilla-db-');
  const file = join(dir, 'data', 'flotilla.db');
  const db = openDatabase(file);
  return {
    dir,
    file,
    db,
    cleanup: () => {
      db.close();
      removeDir(dir);
    },
  };
}

/** A complete agent row for `repoId`, with overrides. */
export function agentRow(repoId: string, overrides: Partial<AgentRow> = {}): AgentRow {
  const now = Date.now();
  const id = overrides.id ?? randomUUID();
  return {
    id,
    repoId,
    attemptId: randomUUID(),
    name: 'Agent',
    slug: `agent-${id.slice(0, 8)}`,
    branch: `flotilla/agent-${id.slice(0, 8)}`,
    baseRef: 'main',
    baseIsBranch: true,
    baseSha: '0'.repeat(40),
    kind: 'shell',
    command: null,
    task: null,
    worktreePath: '/tmp/nowhere',
    status: 'starting',
    exitCode: null,
    missing: false,
    createdAt: now,
    updatedAt: now,
    launch: null,
    activity: null,
    ...overrides,
  };
}

/** Inserts an agent with the ad-hoc attempt it works in (an agent needs its attempt), in one transaction. */
export function insertAgent(db: FlotillaDb, row: AgentRow): void {
  db.transaction(() => {
    db.attempts.insert(adHocAttempt(row));
    db.agents.insert(row);
  });
}

/** Inserts a repository and an agent in it; returns the agent id. */
export function seedAgent(db: FlotillaDb, repoPath = '/tmp/flotilla-test-repo'): string {
  const repo = db.repos.upsert(repoPath, 'repo');
  const row = agentRow(repo.id);
  insertAgent(db, row);
  return row.id;
}

/** A plain environment for test processes: no user rc files, a known prompt. */
export function testEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    LANG: 'C.UTF-8',
    PS1: '$ ',
  };
}

/** Collects everything a terminal sink receives. */
export class OutputCollector {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  private waiters: Array<() => void> = [];

  readonly sink = (data: Uint8Array): void => {
    this.chunks.push(Buffer.from(data));
    this.bytes += data.byteLength;
    for (const wake of this.waiters.splice(0)) wake();
  };

  buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }

  text(): string {
    return this.buffer().toString('utf8');
  }

  /** Resolves once `predicate` holds over what arrived, or rejects after `timeoutMs`. */
  waitFor(predicate: (c: OutputCollector) => boolean, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; received ${this.bytes} bytes: ${JSON.stringify(this.text().slice(-300))}`)), timeoutMs);
      const check = () => {
        if (predicate(this)) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  waitForText(text: string, timeoutMs?: number): Promise<void> {
    return this.waitFor((c) => c.text().includes(text), timeoutMs);
  }
}

/** Resolves with the next exit of `id`. */
export function nextExit(service: PtyService, id: string, timeoutMs = 10_000): Promise<PtyExitEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`${id} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = service.onDidExit((e) => {
      if (e.id !== id) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(e);
    });
  });
}

/** Sleeps; for letting output settle where the assertion is "nothing more arrives". */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * What a terminal of `cols` × `rows` shows after `bytes` (scrollback included), one line per
 * row with trailing spaces trimmed: a stand-in for the page's xterm.
 */
export async function screenText(bytes: Uint8Array, cols: number, rows: number): Promise<string> {
  // CommonJS whose named exports Node's ESM loader cannot see.
  const require = createRequire(import.meta.url);
  const { Terminal } = require('@xterm/headless') as typeof import('@xterm/headless');
  const term = new Terminal({ cols, rows, scrollback: 10_000, allowProposedApi: true });
  try {
    await new Promise<void>((resolve) => term.write(bytes, resolve));
    const buffer = term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
    return lines.join('\n');
  } finally {
    term.dispose();
  }
}
