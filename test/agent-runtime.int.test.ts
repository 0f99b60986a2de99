import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { agentStateDir } from '../src/main/core/agents/launch';
import { AppError } from '../src/main/core/errors';
import { createServices, type Services } from '../src/main/core/services';
import { makeRepo, removeDir, tempDir } from './helpers/repo';

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const USAGE_LINE = '{"type":"usage","provider":"openai","model":"gpt-5","inputTokens":1000,"outputTokens":10}\n';

describe('agent runtime: what an agent owns ends with it', () => {
  let repo: string;
  let dataDir: string;
  let home: string;
  let s: Services;
  const saved = { HOME: process.env.HOME, SHELL: process.env.SHELL };

  // Agents start a login shell: give them a quiet HOME so the developer's profile plays no part.
  beforeAll(() => {
    home = tempDir('flotilla-home-');
    writeFileSync(join(home, '.bashrc'), "PS1='$ '\n");
    writeFileSync(join(home, '.profile'), "PS1='$ '\n");
    process.env.HOME = home;
    process.env.SHELL = '/bin/bash';
  });
  afterAll(() => {
    process.env.HOME = saved.HOME;
    process.env.SHELL = saved.SHELL;
    removeDir(home);
  });

  beforeEach(async () => {
    repo = makeRepo({ 'README.md': '# runtime test\n' });
    dataDir = tempDir('flotilla-data-');
    s = await createServices({ dataDir, mode: 'web', version: 'test' });
  });
  afterEach(async () => {
    await s.dispose();
    removeDir(repo);
    removeDir(dataDir);
  });

  it("stops the process's report and usage watchers when it exits, and credits usage read after the exit to that process", async () => {
    const r = await s.repos.open(repo);
    // Runs until the test says go, so the test can hold on to the process while it runs.
    const go = join(dataDir, 'go');
    const agent = await s.agents.create({ repoId: r.id, name: 'Reporter', kind: 'command', command: `while [ ! -e '${go}' ]; do sleep 0.05; done; exit 3` });
    const proc = s.agents.runtime(agent.id)?.process;
    expect(proc).toBeTruthy();
    const report = proc!.watchers.report!;
    expect(report.isDisposed).toBe(false);
    const runId = s.db.processes.latest(agent.id)!.id;
    expect(proc!.runId).toBe(runId);

    // A usage line lands just as the exit is handled (a hook's child, a buffered write): it is
    // written from an exit listener that runs after the agents service's own.
    const reportFile = join(agentStateDir(s.dataDir, agent.id), 'report.jsonl');
    s.pty.onDidExit((e) => {
      if (e.id === agent.id) appendFileSync(reportFile, USAGE_LINE);
    });
    writeFileSync(go, '');

    await until(() => s.agents.info(agent.id).status === 'exited', 'the agent exits');
    // Everything the process owned is released: nothing polls the report file any more.
    await until(() => proc!.isDisposed, 'the process is disposed after its exit');
    expect(report.isDisposed).toBe(true);
    expect(s.agents.runtime(agent.id)?.process).toBeNull();
    // The usage it reported last is kept, credited to the run of the process that reported it.
    expect(s.providers.usageForProcess(runId)).toMatchObject({ inputTokens: 1000, outputTokens: 10 });
    expect(s.providers.usageForAgent(agent.id)).toMatchObject({ inputTokens: 1000, outputTokens: 10 });
    expect(s.db.processes.latest(agent.id)).toMatchObject({ id: runId, status: 'exited', exitCode: 3 });
  });

  it('restarting gives a new process with its own run and watchers, the old ones stay stopped, and removal releases the runtime', async () => {
    const r = await s.repos.open(repo);
    const agent = await s.agents.create({ repoId: r.id, name: 'Twice', kind: 'shell' });
    const first = s.agents.runtime(agent.id)!.process!;
    await s.agents.restart(agent.id);
    const second = s.agents.runtime(agent.id)!.process!;
    expect(second).not.toBe(first);
    expect(second.runId).not.toBe(first.runId);
    await until(() => first.isDisposed, 'the first process is disposed');
    expect(first.watchers.report!.isDisposed).toBe(true);
    expect(second.watchers.report!.isDisposed).toBe(false);
    expect(s.db.processes.latest(agent.id)).toMatchObject({ id: second.runId, status: 'running' });

    // Removing the agent releases its runtime as a whole: process, watchers, change watch.
    const runtime = s.agents.runtime(agent.id)!;
    await s.agents.remove(agent.id, true);
    expect(runtime.isDisposed).toBe(true);
    expect(second.isDisposed).toBe(true);
    expect(second.watchers.report!.isDisposed).toBe(true);
    expect(s.agents.runtime(agent.id)).toBeUndefined();
  });

  describe('long git work is cancelled by its owner', () => {
    // A `git` first on PATH that, once armed, blocks at `write-tree` or `diff-index` (reading the
    // worktree's snapshot, which every merge and every change list does) until it is killed,
    // and says so.
    let shimDir: string;
    const savedPath = process.env.PATH;
    beforeEach(() => {
      shimDir = tempDir('flotilla-git-shim-');
      const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
      writeFileSync(
        join(shimDir, 'git'),
        [
          '#!/bin/sh',
          `if [ -e '${shimDir}/armed' ]; then`,
          '  for a in "$@"; do',
          `    if [ "$a" = write-tree ] || [ "$a" = diff-index ]; then echo $$ >> '${shimDir}/blocked'; exec sleep 600; fi`,
          '  done',
          'fi',
          `exec '${realGit}' "$@"`,
          '',
        ].join('\n'),
      );
      chmodSync(join(shimDir, 'git'), 0o755);
      process.env.PATH = `${shimDir}:${savedPath}`;
    });
    afterEach(() => {
      process.env.PATH = savedPath;
      if (existsSync(join(shimDir, 'blocked'))) {
        for (const pid of readFileSync(join(shimDir, 'blocked'), 'utf8').split('\n').filter(Boolean)) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // Already gone, as it should be.
          }
        }
      }
      removeDir(shimDir);
    });

    const blockedPids = () =>
      existsSync(join(shimDir, 'blocked')) ? readFileSync(join(shimDir, 'blocked'), 'utf8').split('\n').filter(Boolean).map(Number) : [];

    it('stopping an agent aborts the diff it is reading: the git call is killed and the diff ends "cancelled"', async () => {
      const r = await s.repos.open(repo);
      const agent = await s.agents.create({ repoId: r.id, name: 'Busy', kind: 'shell' });
      writeFileSync(join(agent.worktreePath, 'new.txt'), 'work\n');
      writeFileSync(join(shimDir, 'armed'), '');
      const listing = s.changes.list(agent.id).then(
        () => null,
        (err: unknown) => err,
      );
      await until(() => blockedPids().length > 0, 'a git call is blocked in the snapshot');

      await s.agents.stop(agent.id);
      const err = await listing;
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: 'cancelled', message: 'Reading the changes of Busy was cancelled because the agent was stopped.' });
      for (const pid of blockedPids()) await until(() => !isAlive(pid), `git ${pid} is killed`);

      // Nothing was left half-done, and later work runs in a fresh scope.
      rmSync(join(shimDir, 'armed'));
      const list = await s.changes.list(agent.id);
      expect(list.files.map((f) => f.path)).toEqual(['new.txt']);
      expect(s.agents.info(agent.id).status).toBe('stopped');
    });

    it('quitting aborts a merge preview in progress with a "cancelled" error that says why', async () => {
      const r = await s.repos.open(repo);
      const agent = await s.agents.create({ repoId: r.id, name: 'Merger', kind: 'shell' });
      writeFileSync(join(agent.worktreePath, 'feature.txt'), 'feature\n');
      writeFileSync(join(shimDir, 'armed'), '');
      const preview = s.merges.preview(agent.id).then(
        () => null,
        (err: unknown) => err,
      );
      await until(() => blockedPids().length > 0, 'a git call is blocked in the snapshot');

      await s.dispose();
      expect(await preview).toMatchObject({ code: 'cancelled', message: 'Previewing the merge of Merger was cancelled because Flotilla is shutting down.' });
      for (const pid of blockedPids()) await until(() => !isAlive(pid), `git ${pid} is killed`);
      // The user's checkout and branches are as they were.
      expect(execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' })).toBe('');
    });
  });
});
