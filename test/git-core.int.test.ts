/**
 * The one door to git: processes started from a worker thread, with cancellation, timeouts, an
 * output cap, typed errors, and the hardening config on every call.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git, gitText, HARDENING_CONFIG } from '../src/main/core/git/core';
import { GIT_MAX_CONCURRENT } from '../src/main/core/git/spawn-worker';
import { makeRepo, removeDir, tempDir } from './helpers/repo';

/** Resolves once `check` holds, polling; fails the test after `limitMs`. */
async function until(check: () => boolean, limitMs = 20_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

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

  it("reports a non-zero exit with an empty stderr as that exit code, not as success", async () => {
    const missing = await git(['rev-parse', '--verify', '--quiet', 'refs/heads/nope'], { cwd: repo, okExitCodes: [1] });
    expect(missing.exitCode).toBe(1);
    await expect(git(['rev-parse', '--verify', '--quiet', 'refs/heads/nope'], { cwd: repo })).rejects.toMatchObject({ exitCode: 1 });
  });

  it('returns blob contents as the exact bytes, not decoded text', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41, 0x0a]);
    const dir = makeRepo();
    try {
      writeFileSync(join(dir, 'bin.dat'), bytes);
      const sha = (await gitText(['hash-object', '-w', '--', 'bin.dat'], { cwd: dir })).trim();
      const { stdout } = await git(['cat-file', 'blob', sha], { cwd: dir });
      expect(Buffer.compare(stdout, bytes)).toBe(0);
    } finally {
      removeDir(dir);
    }
  });

  it("kills git's own children with it on timeout and on cancel, and only that call's", async () => {
    const dir = tempDir('flotilla-group-');
    const spawner = (file: string) => ['-c', `alias.spawn=!sh -c 'sleep 60 & echo $! > "${join(dir, file)}"; wait'`, 'spawn'];
    const pidIn = (file: string) => Number(readFileSync(join(dir, file), 'utf8').trim());
    const written = (file: string) => existsSync(join(dir, file)) && readFileSync(join(dir, file), 'utf8').trim() !== '';
    try {
      const other = new AbortController();
      const bystander = git(spawner('other'), { cwd: repo, signal: other.signal });
      await until(() => written('other'));
      await expect(git(spawner('timed'), { cwd: repo, timeoutMs: 1_500 })).rejects.toMatchObject({ kind: 'timeout' });
      await until(() => !alive(pidIn('timed')));
      expect(alive(pidIn('other'))).toBe(true);
      other.abort();
      await expect(bystander).rejects.toMatchObject({ kind: 'cancelled' });
      await until(() => !alive(pidIn('other')));
    } finally {
      removeDir(dir);
    }
  });

  it(`runs at most ${GIT_MAX_CONCURRENT} git processes at once; the rest wait their turn`, async () => {
    const dir = tempDir('flotilla-limit-');
    try {
      const started = join(dir, 'started');
      mkdirSync(started);
      const release = join(dir, 'release');
      const script = `!sh -c 'touch "${started}/$$"; while [ ! -e "${release}" ]; do sleep 0.05; done'`;
      const calls = Array.from({ length: GIT_MAX_CONCURRENT + 2 }, () => git(['-c', `alias.hold=${script}`, 'hold'], { cwd: repo }));
      await until(() => readdirSync(started).length >= GIT_MAX_CONCURRENT);
      // Give a call over the limit every chance to start before checking that none did.
      await new Promise((r) => setTimeout(r, 500));
      expect(readdirSync(started).length).toBe(GIT_MAX_CONCURRENT);
      writeFileSync(release, '');
      await Promise.all(calls);
      expect(readdirSync(started).length).toBe(GIT_MAX_CONCURRENT + 2);
    } finally {
      removeDir(dir);
    }
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
