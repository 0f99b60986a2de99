/**
 * The one door to git: processes started from a worker thread, with cancellation, timeouts, an
 * output cap, typed errors, and the hardening config on every call.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git, gitText, HARDENING_CONFIG } from '../src/main/core/git/core';
import { makeRepo, removeDir, tempDir } from './helpers/repo';

const repo = makeRepo({ 'a.txt': 'a\n' });
afterAll(() => removeDir(repo));

describe('git (the one door)', () => {
  it('returns stdout as bytes and passes stdin through', async () => {
    const { stdout, exitCode } = await git(['hash-object', '--stdin'], { cwd: repo, input: 'hello\n' });
    expect(exitCode).toBe(0);
    expect(stdout.toString('utf8').trim()).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
  });

  it('runs every call with the hardening config, whatever the repository says', async () => {
    await gitText(['config', 'core.fsmonitor', 'touch /nonexistent/pwned'], { cwd: repo });
    for (const [key, value] of HARDENING_CONFIG) {
      expect(await gitText(['config', '--get', key], { cwd: repo }), key).toBe(value);
    }
  });

  it('is cancelled by its signal, and a signal already aborted starts nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const slow = git(['-c', 'alias.x=!sleep 30', 'x'], { cwd: repo, signal: controller.signal });
    await expect(slow).rejects.toMatchObject({ kind: 'cancelled' });
    const running = new AbortController();
    const started = git(['-c', 'alias.wait=!sleep 30', 'wait'], { cwd: repo, signal: running.signal });
    running.abort();
    await expect(started).rejects.toMatchObject({ kind: 'cancelled' });
  });

  it('stops a call that takes too long', async () => {
    await expect(git(['-c', 'alias.wait=!sleep 30', 'wait'], { cwd: repo, timeoutMs: 200 })).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('tells a missing folder from a missing git', async () => {
    await expect(git(['status'], { cwd: join(repo, 'gone') })).rejects.toMatchObject({ kind: 'folder-missing' });
    const bin = tempDir('flotilla-nogit-');
    try {
      mkdirSync(join(bin, 'empty'));
      const saved = process.env.PATH;
      process.env.PATH = join(bin, 'empty');
      try {
        await expect(git(['--version'], { cwd: repo })).rejects.toMatchObject({ kind: 'git-missing' });
      } finally {
        process.env.PATH = saved;
      }
    } finally {
      removeDir(bin);
    }
  });
});
