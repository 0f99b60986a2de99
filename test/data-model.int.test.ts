import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FlotillaDb } from '../src/main/core/db';
import { AppError } from '../src/main/core/errors';
import type { JournalEventType } from '../src/shared/journal';
import { agentRow, insertAgent, makeTestDb } from './helpers/pty';

let db: FlotillaDb;
let cleanup: () => void;

beforeEach(() => {
  ({ db, cleanup } = makeTestDb());
});
afterEach(() => cleanup());

const count = (table: string) => (db.connection.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('db.transaction', () => {
  it('commits every write together, or none of them when the function throws', () => {
    const repo = db.repos.upsert('/r', 'r');
    const row = agentRow(repo.id);
    expect(() =>
      db.transaction(() => {
        insertAgent(db, row);
        db.journal.append({ kind: 'agent', id: row.id }, 'created');
        throw new Error('cut short');
      }),
    ).toThrow('cut short');
    expect([count('agents'), count('attempts'), count('journal')]).toEqual([0, 0, 0]);

    expect(db.transaction(() => (insertAgent(db, row), db.journal.append({ kind: 'agent', id: row.id }, 'created')))).toBeGreaterThan(0);
    expect([count('agents'), count('attempts'), count('journal')]).toEqual([1, 1, 1]);
  });

  it('refuses an async function instead of committing before it finishes', () => {
    expect(() => db.transaction(async () => undefined)).toThrow(/synchronous/);
  });
});

describe('journal', () => {
  it('lists a subject’s entries oldest first, the most recent within a limit, with JSON payloads', () => {
    const agent = { kind: 'agent', id: 'a1' } as const;
    db.journal.append(agent, 'created', { branch: 'flotilla/x' });
    db.journal.append({ kind: 'agent', id: 'a2' }, 'created');
    db.journal.append(agent, 'started', { processId: 1, resume: false });
    db.journal.append(agent, 'exited', { exitCode: 0 });
    const all = db.journal.list(agent);
    expect(all.map((e) => e.type)).toEqual(['created', 'started', 'exited']);
    expect(all[0]).toMatchObject({ subject: agent, payload: { branch: 'flotilla/x' } });
    expect(all[0].time).toBeGreaterThan(0);
    expect(db.journal.list({ kind: 'agent', id: 'a2' })[0].payload).toBeUndefined();
    expect(db.journal.list(agent, 2).map((e) => e.type)).toEqual(['started', 'exited']);
    expect(db.journal.ofType(agent, 'exited').map((e) => e.payload)).toEqual([{ exitCode: 0 }]);
    // Same id, another kind of subject: not mixed up.
    expect(db.journal.list({ kind: 'attempt', id: 'a1' })).toEqual([]);
  });

  it('is append-only: the database refuses to change or delete an entry', () => {
    db.journal.append({ kind: 'task', id: 't1' }, 'created');
    expect(() => db.connection.exec(`UPDATE journal SET type = 'removed'`)).toThrow(/append-only/);
    expect(() => db.connection.exec('DELETE FROM journal')).toThrow(/append-only/);
    expect(count('journal')).toBe(1);
  });

  it('refuses an event type outside the closed set', () => {
    expect(() => db.journal.append({ kind: 'agent', id: 'a1' }, 'exploded' as JournalEventType)).toThrow(AppError);
    expect(count('journal')).toBe(0);
  });
});

describe('tasks and revisions', () => {
  const criteria = [
    { id: 'AC-1', text: 'Totals include tax' },
    { id: 'AC-2', text: 'An empty cart shows zero' },
  ];

  it('creates a task with its first revision, and numbers later revisions without changing earlier ones', () => {
    const { task, revision } = db.tasks.create({ repoId: 'r1', title: 'Cart totals', spec: '# Cart\n', criteria });
    expect(task).toMatchObject({ repoId: 'r1', title: 'Cart totals', baseRef: null });
    expect(revision).toMatchObject({ taskId: task.id, number: 1, spec: '# Cart\n', criteria });
    const second = db.tasks.revise(task.id, '# Cart v2\n', [...criteria, { id: 'AC-3', text: 'Rounds to cents' }]);
    expect(second.number).toBe(2);
    expect(db.tasks.revision(revision.id)).toEqual(revision);
    expect(db.tasks.revisions(task.id).map((r) => r.number)).toEqual([1, 2]);
    expect(db.tasks.latestRevision(task.id)?.id).toBe(second.id);
    expect(db.tasks.get(task.id)!.updatedAt).toBeGreaterThanOrEqual(task.updatedAt);
    expect(db.tasks.listByRepo('r1').map((t) => t.id)).toEqual([task.id]);
    expect(db.tasks.listByRepo('r2')).toEqual([]);
  });

  it('never changes a revision in place: attempts and verifications pin it', () => {
    const { revision } = db.tasks.create({ repoId: 'r1', title: 't', spec: 's', criteria });
    expect(() => db.connection.prepare('UPDATE task_revisions SET spec = ? WHERE id = ?').run('x', revision.id)).toThrow(/never changes/);
  });

  it('refuses repeated or malformed criterion ids, writing nothing', () => {
    const dup = () => db.tasks.create({ repoId: 'r1', title: 't', spec: 's', criteria: [criteria[0], { id: 'AC-1', text: 'again' }] });
    expect(dup).toThrow(/AC-1 appears twice/);
    expect(() => db.tasks.create({ repoId: 'r1', title: 't', spec: 's', criteria: [{ id: 'one', text: 'x' }] })).toThrow(/AC-1/);
    expect([count('tasks'), count('task_revisions')]).toEqual([0, 0]);
    expect(() => db.tasks.revise('no-such-task', 's', criteria)).toThrow(/no longer exists/);
  });
});

describe('attempts', () => {
  it('lists a task’s attempts (best of N), pins a revision, and is closed rather than deleted', () => {
    const { task, revision } = db.tasks.create({ repoId: 'r1', title: 't', spec: 's', criteria: [] });
    const base = { repoId: 'r1', taskId: task.id, revisionId: revision.id, baseRef: 'main', baseIsBranch: true, baseSha: 'a'.repeat(40), createdAt: 1, closedAt: null };
    db.attempts.insert({ ...base, id: 'x1', branch: 'flotilla/x1', worktreePath: '/w/x1', environment: null });
    db.attempts.insert({ ...base, id: 'x2', branch: 'flotilla/x2', worktreePath: '/w/x2', environment: { confined: true }, createdAt: 2 });
    expect(db.attempts.listByTask(task.id).map((a) => a.id)).toEqual(['x1', 'x2']);
    expect(db.attempts.get('x2')).toMatchObject({ environment: { confined: true }, revisionId: revision.id, baseIsBranch: true });
    db.attempts.close('x1');
    const closedAt = db.attempts.get('x1')!.closedAt;
    expect(closedAt).not.toBeNull();
    db.attempts.close('x1');
    expect(db.attempts.get('x1')!.closedAt).toBe(closedAt);
    expect(() => db.attempts.insert({ ...base, id: 'x3', branch: 'b', worktreePath: '/w', environment: null, revisionId: 'no-such-revision' })).toThrow(/FOREIGN KEY/);
  });

  it('an agent’s attempt outlives it, with the agent’s branch, worktree and base', () => {
    const repo = db.repos.upsert('/r', 'r');
    const row = agentRow(repo.id);
    insertAgent(db, row);
    expect(db.attempts.get(row.attemptId)).toMatchObject({ taskId: null, branch: row.branch, worktreePath: row.worktreePath, baseSha: row.baseSha });
    // An attempt still worked in by an agent cannot be deleted from under it.
    expect(() => db.connection.prepare('DELETE FROM attempts WHERE id = ?').run(row.attemptId)).toThrow(/FOREIGN KEY/);
    db.agents.delete(row.id);
    expect(db.attempts.get(row.attemptId)).toBeDefined();
  });
});

describe('workflow runs', () => {
  it('persists the engine’s state and a record per step and round', () => {
    const { task, revision } = db.tasks.create({ repoId: 'r1', title: 't', spec: 's', criteria: [] });
    const definition = { id: 'quick-change', steps: [{ id: 'implement' }, { id: 'test' }] };
    const run = db.workflowRuns.create({ taskId: task.id, workflowId: 'quick-change', definition, state: { at: 'implement', round: 1 } });
    expect(run).toMatchObject({ status: 'running', definition, state: { at: 'implement', round: 1 } });
    const implement = db.workflowRuns.startStep({ runId: run.id, stepId: 'implement', round: 1 });
    db.workflowRuns.finishStep(implement, 'passed');
    const test = db.workflowRuns.startStep({ runId: run.id, stepId: 'test', round: 1, revisionId: revision.id });
    db.workflowRuns.finishStep(test, 'failed', { passed: 3, failed: 1, tail: 'AssertionError' });
    db.workflowRuns.startStep({ runId: run.id, stepId: 'implement', round: 2 });
    expect(db.workflowRuns.update(run.id, 'waiting', { at: 'implement', round: 2 })).toMatchObject({ status: 'waiting', state: { round: 2 } });
    expect(db.workflowRuns.update('no-such-run', 'failed', {})).toBeUndefined();

    const steps = db.workflowRuns.steps(run.id);
    expect(steps.map((s) => [s.stepId, s.round, s.status])).toEqual([
      ['implement', 1, 'passed'],
      ['test', 1, 'failed'],
      ['implement', 2, 'running'],
    ]);
    expect(steps[1]).toMatchObject({ revisionId: revision.id, outcome: { failed: 1 } });
    expect(steps[1].endedAt).not.toBeNull();
    expect(steps[2]).toMatchObject({ endedAt: null, outcome: null });
    expect(db.workflowRuns.listByTask(task.id).map((r) => r.id)).toEqual([run.id]);
  });
});

describe('usage owners', () => {
  it('counts an agent’s usage for its attempt too, and keeps usage owned by an attempt or a verification alone', () => {
    const repo = db.repos.upsert('/r', 'r');
    const row = agentRow(repo.id);
    insertAgent(db, row);
    const call = { repoId: repo.id, provider: 'openai', model: 'gpt-x', inputTokens: 10, outputTokens: 1, costUsd: 0.5 };
    db.usage.insert({ ...call, agentId: row.id, processId: 7 });
    db.usage.insert({ ...call, agentId: null, attemptId: row.attemptId, processId: null });
    db.usage.insert({ ...call, agentId: null, verificationId: 'v1', processId: null });
    expect(db.usage.forAgent(row.id)).toEqual({ inputTokens: 10, outputTokens: 1, costUsd: 0.5 });
    expect(db.usage.forAttempt(row.attemptId)).toEqual({ inputTokens: 20, outputTokens: 2, costUsd: 1 });
    expect(db.usage.forProcess(7)).toEqual({ inputTokens: 10, outputTokens: 1, costUsd: 0.5 });
    const summary = db.usage.summary(repo.id);
    expect(summary.total.inputTokens).toBe(30);
    // The per-agent breakdown lists agents only; the rest still counts in the total.
    expect(summary.byAgent).toEqual([{ agentId: row.id, usage: { inputTokens: 10, outputTokens: 1, costUsd: 0.5 } }]);
    expect(() => db.usage.insert({ ...call, agentId: null, processId: null })).toThrow(/owner/);
    // Removing the agent keeps what it spent.
    db.agents.delete(row.id);
    expect(db.usage.forAttempt(row.attemptId)?.inputTokens).toBe(20);
  });
});
