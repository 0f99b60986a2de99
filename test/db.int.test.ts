import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_TRANSCRIPT_BYTES, type FlotillaDb } from '../src/main/core/db';
import { agentRow, insertAgent, makeTestDb } from './helpers/pty';

let db: FlotillaDb;
let cleanup: () => void;

beforeEach(() => {
  ({ db, cleanup } = makeTestDb());
});
afterEach(() => cleanup());

function transcriptBytes(agentId: string): number {
  const row = db.connection.prepare('SELECT COALESCE(SUM(length(data)), 0) AS n FROM transcript_chunks WHERE agent_id = ?').get(agentId) as { n: number };
  return row.n;
}

describe('repos table', () => {
  it('upsert keeps the id of a known path and bumps lastOpenedAt', async () => {
    const first = db.repos.upsert('/r/one', 'one');
    await new Promise((r) => setTimeout(r, 5));
    const again = db.repos.upsert('/r/one', 'one-renamed');
    expect(again.id).toBe(first.id);
    expect(again.addedAt).toBe(first.addedAt);
    expect(again.lastOpenedAt).toBeGreaterThan(first.lastOpenedAt);
    expect(again.name).toBe('one-renamed');
    expect(db.repos.get(first.id)).toEqual(again);
  });

  it('recent lists by last opened, newest first, within the limit', async () => {
    const a = db.repos.upsert('/r/a', 'a');
    await new Promise((r) => setTimeout(r, 3));
    const b = db.repos.upsert('/r/b', 'b');
    await new Promise((r) => setTimeout(r, 3));
    db.repos.upsert('/r/a', 'a');
    expect(db.repos.recent().map((r) => r.id)).toEqual([a.id, b.id]);
    expect(db.repos.recent(1).map((r) => r.id)).toEqual([a.id]);
  });

  it('remove forgets a repository without agents, and refuses one that still has agents', () => {
    const empty = db.repos.upsert('/r/empty', 'empty');
    db.repos.remove(empty.id);
    expect(db.repos.get(empty.id)).toBeUndefined();

    const busy = db.repos.upsert('/r/busy', 'busy');
    insertAgent(db, agentRow(busy.id));
    expect(() => db.repos.remove(busy.id)).toThrow(/FOREIGN KEY/);
    expect(db.repos.get(busy.id)).toBeDefined();
  });
});

describe('agents table', () => {
  it('round-trips every field, including booleans and nulls', () => {
    const repo = db.repos.upsert('/r', 'r');
    const row = agentRow(repo.id, {
      kind: 'flotilla',
      command: 'npm test',
      task: 'fix it',
      baseIsBranch: false,
      missing: true,
      exitCode: 3,
      launch: { presetId: null, providerId: 'openai', model: 'gpt-x', permissionMode: 'auto-edit', confined: true, network: 'provider' },
      activity: 'waiting',
    });
    insertAgent(db, row);
    expect(db.agents.get(row.id)).toEqual(row);
  });

  it('update applies a patch, keeps the rest, and returns undefined for an unknown id', () => {
    const repo = db.repos.upsert('/r', 'r');
    const row = agentRow(repo.id);
    insertAgent(db, row);
    const updated = db.agents.update(row.id, { status: 'exited', exitCode: 1, updatedAt: 42 });
    expect(updated).toEqual({ ...row, status: 'exited', exitCode: 1, updatedAt: 42 });
    expect(db.agents.get(row.id)).toEqual(updated);
    expect(db.agents.update('nope', { status: 'running' })).toBeUndefined();
  });

  it('lists a repository’s agents oldest first', () => {
    const repo = db.repos.upsert('/r', 'r');
    const other = db.repos.upsert('/o', 'o');
    const late = agentRow(repo.id, { createdAt: 2000 });
    const early = agentRow(repo.id, { createdAt: 1000 });
    insertAgent(db, late);
    insertAgent(db, early);
    insertAgent(db, agentRow(other.id));
    expect(db.agents.listByRepo(repo.id).map((a) => a.id)).toEqual([early.id, late.id]);
    expect(db.agents.all()).toHaveLength(3);
  });

  it('deleting an agent cascades to its processes and transcript, never to its attempt or journal', () => {
    const repo = db.repos.upsert('/r', 'r');
    const row = agentRow(repo.id);
    insertAgent(db, row);
    db.processes.start(row.id);
    db.journal.append({ kind: 'agent', id: row.id }, 'created');
    db.journal.append({ kind: 'attempt', id: row.attemptId }, 'merged', { commit: 'c' });
    db.transcripts.appendBatch([{ agentId: row.id, data: Buffer.from('hello') }]);
    db.agents.delete(row.id);
    expect(db.agents.get(row.id)).toBeUndefined();
    expect(db.processes.latest(row.id)).toBeUndefined();
    expect(db.transcripts.tail(row.id, 100).length).toBe(0);
    expect(db.journal.list({ kind: 'agent', id: row.id }).map((e) => e.type)).toEqual(['created']);
    expect(db.journal.list({ kind: 'attempt', id: row.attemptId }).map((e) => e.type)).toEqual(['merged']);
    expect(db.attempts.get(row.attemptId)).toMatchObject({ branch: row.branch, worktreePath: row.worktreePath });
  });

  it('refuses an agent whose attempt does not exist', () => {
    const repo = db.repos.upsert('/r', 'r');
    expect(() => db.agents.insert(agentRow(repo.id))).toThrow(/FOREIGN KEY/);
  });
});

describe('processes table', () => {
  it('records a process from start to finish', () => {
    const repo = db.repos.upsert('/r', 'r');
    const row = agentRow(repo.id);
    insertAgent(db, row);
    const first = db.processes.start(row.id);
    db.processes.finish(first, 'exited', 0);
    const second = db.processes.start(row.id);
    expect(second).toBeGreaterThan(first);
    expect(db.processes.latest(row.id)).toMatchObject({ id: second, agentId: row.id, status: 'running', endedAt: null, exitCode: null });
    db.processes.finish(second, 'stopped', 129);
    const latest = db.processes.latest(row.id)!;
    expect(latest).toMatchObject({ status: 'stopped', exitCode: 129 });
    expect(latest.endedAt).not.toBeNull();
  });

  it('interruptOpen marks only processes without an end as interrupted', () => {
    const repo = db.repos.upsert('/r', 'r');
    const a = agentRow(repo.id);
    const b = agentRow(repo.id);
    insertAgent(db, a);
    insertAgent(db, b);
    db.processes.finish(db.processes.start(a.id), 'exited', 0);
    db.processes.start(b.id);
    expect(db.processes.interruptOpen()).toBe(1);
    expect(db.processes.latest(a.id)?.status).toBe('exited');
    expect(db.processes.latest(b.id)).toMatchObject({ status: 'interrupted' });
    expect(db.processes.latest(b.id)?.endedAt).not.toBeNull();
    expect(db.processes.interruptOpen()).toBe(0);
  });
});

describe('transcripts table', () => {
  function seed(): string {
    const repo = db.repos.upsert('/r', 'r');
    const row = agentRow(repo.id);
    insertAgent(db, row);
    return row.id;
  }

  it('tail returns the most recent bytes in order across chunks', () => {
    const id = seed();
    db.transcripts.appendBatch([{ agentId: id, data: Buffer.from('abc') }]);
    db.transcripts.appendBatch([
      { agentId: id, data: Buffer.from('def') },
      { agentId: id, data: new Uint8Array(Buffer.from('ghi')) },
    ]);
    expect(db.transcripts.tail(id, 100).toString()).toBe('abcdefghi');
    expect(db.transcripts.tail(id, 5).toString()).toBe('efghi');
    expect(db.transcripts.tail(id, 0).length).toBe(0);
  });

  it('trims each agent to MAX_TRANSCRIPT_BYTES by dropping its oldest chunks', () => {
    const id = seed();
    const other = seed();
    const chunkBytes = 256 * 1024;
    const count = 12; // 3 MiB in all
    for (let i = 0; i < count; i++) {
      db.transcripts.appendBatch([
        { agentId: id, data: Buffer.alloc(chunkBytes, i) },
        { agentId: other, data: Buffer.from(`o${i};`) },
      ]);
    }
    const stored = transcriptBytes(id);
    expect(stored).toBeLessThanOrEqual(MAX_TRANSCRIPT_BYTES);
    expect(stored).toBeGreaterThan(MAX_TRANSCRIPT_BYTES - chunkBytes);
    const tail = db.transcripts.tail(id, MAX_TRANSCRIPT_BYTES);
    expect(tail.length).toBe(stored);
    // Newest chunk last, and chunk fill values strictly increasing: order kept, oldest gone.
    expect(tail[tail.length - 1]).toBe(count - 1);
    expect(tail[0]).toBe(count - stored / chunkBytes);
    for (let off = chunkBytes; off < tail.length; off += chunkBytes) expect(tail[off]).toBe(tail[off - chunkBytes] + 1);
    // Trimming one agent leaves the other alone.
    expect(db.transcripts.tail(other, 1000).toString()).toBe(Array.from({ length: count }, (_, i) => `o${i};`).join(''));
  });

  it('keeps only the last MAX_TRANSCRIPT_BYTES of a single oversized chunk', () => {
    const id = seed();
    const big = Buffer.alloc(MAX_TRANSCRIPT_BYTES + 10, 1);
    big.write('END', big.length - 3);
    db.transcripts.appendBatch([{ agentId: id, data: big }]);
    const tail = db.transcripts.tail(id, MAX_TRANSCRIPT_BYTES * 2);
    expect(tail.length).toBe(MAX_TRANSCRIPT_BYTES);
    expect(tail.subarray(-3).toString()).toBe('END');
  });

  it('writes a batch as one transaction: a failing chunk rolls back the whole batch', () => {
    const id = seed();
    db.transcripts.appendBatch([{ agentId: id, data: Buffer.from('kept;') }]);
    const broken = [
      { agentId: id, data: Buffer.from('first;') },
      { agentId: id, data: Buffer.from('second;') },
      { agentId: id, data: 'not bytes' as unknown as Uint8Array },
    ];
    expect(() => db.transcripts.appendBatch(broken)).toThrow();
    expect(db.transcripts.tail(id, 1000).toString()).toBe('kept;');
  });

  it('inserts every chunk of a batch inside one open transaction and commits it', () => {
    const id = seed();
    const txStates: boolean[] = [];
    db.connection.function('in_tx', () => (txStates.push(db.connection.inTransaction), 1));
    db.connection.exec('CREATE TEMP TRIGGER check_tx AFTER INSERT ON main.transcript_chunks BEGIN SELECT in_tx(); END');
    db.transcripts.appendBatch(Array.from({ length: 50 }, (_, i) => ({ agentId: id, data: Buffer.from(`c${i};`) })));
    expect(txStates).toHaveLength(50);
    expect(txStates.every(Boolean)).toBe(true);
    expect(db.connection.inTransaction).toBe(false);
    expect(db.transcripts.tail(id, 1000).toString()).toMatch(/^c0;c1;.*c49;$/);
  });

  it('skips chunks of agents that no longer exist instead of failing the batch', () => {
    const id = seed();
    db.transcripts.appendBatch([
      { agentId: 'deleted-agent', data: Buffer.from('lost') },
      { agentId: id, data: Buffer.from('kept') },
    ]);
    expect(db.transcripts.tail(id, 100).toString()).toBe('kept');
    expect(db.transcripts.tail('deleted-agent', 100).length).toBe(0);
  });

  it('deleteForAgent clears one agent only', () => {
    const a = seed();
    const b = seed();
    db.transcripts.appendBatch([
      { agentId: a, data: Buffer.from('a') },
      { agentId: b, data: Buffer.from('b') },
    ]);
    db.transcripts.deleteForAgent(a);
    expect(db.transcripts.tail(a, 10).length).toBe(0);
    expect(db.transcripts.tail(b, 10).toString()).toBe('b');
  });
});
