import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core, type ClientConnection } from '../src/main/core/index';
import type { AgentInfo, RemovalCheck, Result } from '../src/shared/types';
import { makeRepo, removeDir, sh, tempDir, writeFile } from './helpers/repo';

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('a squash-merged agent, through the real core and git', () => {
  let repo: string;
  let dataDir: string;
  let core: Core;
  let conn: ClientConnection;
  const latest = new Map<string, AgentInfo>();

  async function call<T>(method: string, params: unknown): Promise<T> {
    const r = (await conn.invoke(method, params)) as Result<T>;
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r.value;
  }

  /** An agent whose process has ended, with a committed and an uncommitted change in its worktree. */
  async function agentWithWork(name: string): Promise<AgentInfo> {
    const r = await call<{ id: string }>('repos.open', { path: repo });
    const a = await call<AgentInfo>('agents.create', { repoId: r.id, name, kind: 'command', command: 'true' });
    await until(() => latest.get(a.id)?.status === 'exited', `${name} to exit`);
    writeFile(a.worktreePath, `${a.slug}.txt`, 'committed\n');
    sh(a.worktreePath, 'add', '-A');
    sh(a.worktreePath, 'commit', '-q', '-m', 'agent commit');
    writeFile(a.worktreePath, `${a.slug}-notes.txt`, 'not committed\n');
    return a;
  }

  const archiveRefs = () => sh(repo, 'for-each-ref', '--format=%(refname)', 'refs/flotilla/archive/');

  beforeEach(async () => {
    repo = makeRepo({ 'README.md': '# merged\n' });
    dataDir = tempDir('flotilla-data-');
    core = await Core.create({ dataDir, mode: 'web', version: 'test' });
    latest.clear();
    conn = core.connect({
      event: (name, payload) => {
        if (name === 'agents.changed') latest.set((payload as AgentInfo).id, payload as AgentInfo);
      },
      terminalData: (agentId, data) => conn.notify('terminal.ack', { agentId, bytes: data.length }),
    });
  });
  afterEach(async () => {
    await core.dispose();
    removeDir(repo);
    removeDir(dataDir);
  });

  it('shows merged and removes without a snapshot, since all its work is in the base', async () => {
    const a = await agentWithWork('Merged one');
    expect((await call<RemovalCheck>('agents.removalCheck', { agentId: a.id })).hasWork).toBe(true);
    await call('merge.run', { agentId: a.id, message: 'Merge it' });
    expect(sh(repo, 'show', 'main:merged-one-notes.txt')).toBe('not committed');
    await until(() => latest.get(a.id)?.merged === true, 'the pane to show merged');

    const check = await call<RemovalCheck>('agents.removalCheck', { agentId: a.id });
    // Its commits are not ancestors of main after a squash merge, yet nothing is left to lose.
    expect(check.commitsAhead).toBeGreaterThan(0);
    expect(check.hasWork).toBe(false);
    // Without confirmation: not refused, and no snapshot of work already in main.
    expect(await call('agents.remove', { agentId: a.id, confirm: false })).toEqual({ snapshotRef: null });
    expect(archiveRefs()).toBe('');
    expect(sh(repo, 'branch', '--list', a.branch)).toBe('');

    // The agent is gone; the record of what it did and that it was merged is not.
    const db = new Database(join(dataDir, 'flotilla.db'), { readonly: true });
    try {
      const journal = db.prepare('SELECT subject_kind, subject_id, type, payload FROM journal ORDER BY id').all() as { subject_kind: string; subject_id: string; type: string; payload: string | null }[];
      const attemptId = (JSON.parse(journal.find((e) => e.type === 'created' && e.subject_id === a.id)!.payload!) as { attemptId: string }).attemptId;
      expect(journal.filter((e) => e.subject_kind === 'agent' && e.subject_id === a.id).map((e) => e.type)).toEqual(['created', 'started', 'exited', 'removed']);
      expect(journal.filter((e) => e.subject_kind === 'attempt' && e.subject_id === attemptId).map((e) => e.type)).toEqual(['merged']);
      const attempt = db.prepare('SELECT branch, closed_at FROM attempts WHERE id = ?').get(attemptId) as { branch: string; closed_at: number | null };
      expect(attempt.branch).toBe(a.branch);
      expect(attempt.closed_at).not.toBeNull();
      expect(db.prepare('SELECT count(*) AS n FROM agents WHERE id = ?').get(a.id)).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('counts new work after a merge again, and snapshots it on removal', async () => {
    const a = await agentWithWork('Kept working');
    await call('merge.run', { agentId: a.id, message: 'Merge it' });
    await until(() => latest.get(a.id)?.merged === true, 'the pane to show merged');
    writeFile(a.worktreePath, 'later.txt', 'new work after the merge\n');
    await until(() => latest.get(a.id)?.merged === false, 'the pane to drop merged');
    expect((await call<RemovalCheck>('agents.removalCheck', { agentId: a.id })).hasWork).toBe(true);
    await expect(call('agents.remove', { agentId: a.id, confirm: false })).rejects.toMatchObject({ code: 'needs-confirmation' });
    const removed = await call<{ snapshotRef: string | null }>('agents.remove', { agentId: a.id, confirm: true });
    expect(removed.snapshotRef).toMatch(/^refs\/flotilla\/archive\//);
    expect(sh(repo, 'show', `${removed.snapshotRef}:later.txt`)).toBe('new work after the merge');
  });

  it('treats merged work as unsaved again when the merge was taken out of the base', async () => {
    const a = await agentWithWork('Undone');
    const before = sh(repo, 'rev-parse', 'main');
    await call('merge.run', { agentId: a.id, message: 'Merge it' });
    await until(() => latest.get(a.id)?.merged === true, 'the pane to show merged');
    // The user undoes the merge in their own checkout.
    sh(repo, 'reset', '-q', '--hard', before);
    expect((await call<RemovalCheck>('agents.removalCheck', { agentId: a.id })).hasWork).toBe(true);
    const removed = await call<{ snapshotRef: string | null }>('agents.remove', { agentId: a.id, confirm: true });
    expect(removed.snapshotRef).toMatch(/^refs\/flotilla\/archive\//);
  });
});
