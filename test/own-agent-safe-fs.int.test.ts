import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PathRefused } from '../src/main/core/own-agent/paths';
import { openForRead, openForWrite, PINNED_OPEN } from '../src/main/core/own-agent/safe-fs';
import { executeTool, type ToolContext } from '../src/main/core/own-agent/tools';
import { makeRepo, removeDir, tempDir } from './helpers/repo';

let repo: string;
let outside: string;

beforeEach(() => {
  repo = makeRepo({ 'src/a.txt': 'a\n' });
  outside = tempDir('flotilla-outside-');
  writeFileSync(join(outside, 'secret.txt'), 'secret\n');
});
afterEach(() => {
  removeDir(repo);
  removeDir(outside);
});

const ctx = (): ToolContext => ({ root: repo, echo: () => undefined, signal: new AbortController().signal, commandTimeoutMs: 10_000, ripgrep: null });
const call = (name: string, args: unknown) => executeTool(name, JSON.stringify(args), ctx());

describe('opening paths inside the worktree', () => {
  it('uses the pinned-descriptor walk on Linux', () => {
    if (process.platform === 'linux') expect(PINNED_OPEN).toBe(true);
  });

  it('follows symlinks that stay inside, for files and folders, and reports the real path', async () => {
    symlinkSync('src/a.txt', join(repo, 'alias.txt'));
    symlinkSync('src', join(repo, 'srclink'));
    const opened = openForRead(repo, 'srclink/a.txt');
    closeSync(opened.fd);
    expect(opened.rel).toBe('src/a.txt');
    expect((await call('read_file', { path: 'alias.txt' })).content).toBe('[src/a.txt: 1 lines]\na\n');
    expect((await call('write_file', { path: 'srclink/b.txt', content: 'b' })).content).toBe('Created src/b.txt (1 bytes).');
    expect(readFileSync(join(repo, 'src/b.txt'), 'utf8')).toBe('b');
  });

  it('refuses symlinks out at any depth, a symlink loop, and .git reached through a symlink', () => {
    mkdirSync(join(repo, 'deep/er'), { recursive: true });
    symlinkSync(outside, join(repo, 'deep/er/out'));
    symlinkSync('loop2', join(repo, 'loop1'));
    symlinkSync('loop1', join(repo, 'loop2'));
    symlinkSync('.git', join(repo, 'gitlink'));
    expect(() => openForRead(repo, 'deep/er/out/secret.txt')).toThrow(/outside the worktree/);
    expect(() => openForWrite(repo, 'deep/er/out/new.txt')).toThrow(PathRefused);
    expect(() => openForRead(repo, 'loop1')).toThrow(/too many symlinks/);
    expect(() => openForRead(repo, 'gitlink/config')).toThrow(/inside \.git/);
    expect(() => openForWrite(repo, 'gitlink/hooks/pre-commit')).toThrow(/inside \.git/);
  });

  it('will not write through a hard link, nor hang on a FIFO, nor write over a folder', async () => {
    linkSync(join(outside, 'secret.txt'), join(repo, 'hard.txt'));
    const w = await call('write_file', { path: 'hard.txt', content: 'pwned' });
    expect(w.content).toMatch(/has other hard links/);
    const e = await call('edit_file', { path: 'hard.txt', old_text: 'secret', new_text: 'pwned' });
    expect(e.content).toMatch(/has other hard links/);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('secret\n');
    execFileSync('mkfifo', [join(repo, 'pipe')]);
    expect((await call('read_file', { path: 'pipe' })).content).toBe('Error: pipe is not a regular file.');
    expect((await call('write_file', { path: 'src', content: 'x' })).content).toBe('Error: src is a folder.');
    // An edit of a missing file creates nothing on the way.
    expect((await call('edit_file', { path: 'nodir/x.txt', old_text: 'a', new_text: 'b' })).content).toMatch(/does not exist/);
    expect(existsSync(join(repo, 'nodir'))).toBe(false);
  });
});
