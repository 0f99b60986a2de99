import { symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  computeDiffStat,
  listChanges,
  mergeBaseFor,
  readFileDiff,
  TEXT_LIMIT_BYTES,
} from '../src/main/core/changes';
import { makeRepo, removeDir, sh, tempDir, writeFile } from './helpers/repo';

const cleanups: string[] = [];
afterEach(() => {
  while (cleanups.length) removeDir(cleanups.pop() as string);
});

/** A repository on `main` and an agent worktree on `flotilla/x` started from it. */
function setup(files: Record<string, string>): { repo: string; wt: string; baseSha: string } {
  const repo = makeRepo(files);
  const parent = tempDir('flotilla-wt-');
  cleanups.push(repo, parent);
  const wt = join(parent, 'x');
  sh(repo, 'worktree', 'add', '-q', '-b', 'flotilla/x', wt, 'main');
  return { repo, wt, baseSha: sh(repo, 'rev-parse', 'main') };
}

describe('mergeBaseFor', () => {
  it('measures from the fork point even after the base branch moved on', async () => {
    const { repo, wt, baseSha } = setup({ 'a.txt': 'a\n' });
    writeFile(repo, 'a.txt', 'moved\n');
    sh(repo, 'commit', '-qam', 'main moves');
    expect(await mergeBaseFor(wt, 'main', 'fallback')).toBe(baseSha);
  });

  it('falls back to the recorded start commit when the base branch is gone', async () => {
    const { wt, baseSha } = setup({ 'a.txt': 'a\n' });
    expect(await mergeBaseFor(wt, 'no-such-branch', baseSha)).toBe(baseSha);
  });
});

describe('listChanges', () => {
  it('lists committed, uncommitted, deleted, untracked and binary changes sorted by path', async () => {
    const { wt, baseSha } = setup({ 'a.txt': 'one\ntwo\n', 'b.txt': 'b\n', 'c.txt': 'c\n', 'rename me.txt': 'same\ncontent\nhere\n' });
    writeFile(wt, 'a.txt', 'one\nTWO\nthree\n');
    writeFile(wt, 'img.bin', Buffer.from([0x89, 0x50, 0x00, 0x01, 0x02]));
    sh(wt, 'mv', 'rename me.txt', 'renamed.txt');
    sh(wt, 'add', '-A');
    sh(wt, 'commit', '-qm', 'agent work');
    writeFile(wt, 'b.txt', 'b\nmore\n');
    unlinkSync(join(wt, 'c.txt'));
    writeFile(wt, 'new dir/untracked file.txt', 'fresh\n');

    const from = await mergeBaseFor(wt, 'main', baseSha);
    const list = await listChanges(wt, from);

    expect(list.fromSha).toBe(baseSha);
    expect(list.files).toEqual([
      { path: 'a.txt', oldPath: null, status: 'M', binary: false, additions: 2, deletions: 1 },
      { path: 'b.txt', oldPath: null, status: 'M', binary: false, additions: 1, deletions: 0 },
      { path: 'c.txt', oldPath: null, status: 'D', binary: false, additions: 0, deletions: 1 },
      { path: 'img.bin', oldPath: null, status: 'A', binary: true, additions: 0, deletions: 0 },
      { path: 'new dir/untracked file.txt', oldPath: null, status: '?', binary: false, additions: 1, deletions: 0 },
      { path: 'renamed.txt', oldPath: 'rename me.txt', status: 'R', binary: false, additions: 0, deletions: 0 },
    ]);
    expect(list.stat).toEqual({ files: 6, additions: 4, deletions: 2 });
    expect(await computeDiffStat(wt, from)).toEqual(list.stat);
  });

  it('leaves the worktree index untouched while measuring', async () => {
    const { wt, baseSha } = setup({ 'a.txt': 'a\n' });
    writeFile(wt, 'a.txt', 'changed\n');
    writeFile(wt, 'u.txt', 'untracked\n');
    const before = sh(wt, 'status', '--porcelain');
    await listChanges(wt, baseSha);
    expect(sh(wt, 'status', '--porcelain')).toBe(before);
  });

  it('lists a change of 3,000 files', async () => {
    const { wt, baseSha } = setup({ 'a.txt': 'a\n' });
    for (let i = 0; i < 3000; i++) writeFileSync(join(wt, `f${String(i).padStart(4, '0')}.txt`), `file ${i}\n`);
    const list = await listChanges(wt, baseSha);
    expect(list.files).toHaveLength(3000);
    expect(list.files[0]).toMatchObject({ path: 'f0000.txt', status: '?', additions: 1 });
    expect(list.files[2999]?.path).toBe('f2999.txt');
    expect(list.stat).toEqual({ files: 3000, additions: 3000, deletions: 0 });
  });
});

describe('readFileDiff', () => {
  it('reads the original from the base commit and the modified side from disk', async () => {
    const { wt, baseSha } = setup({ 'a.txt': 'old\n' });
    writeFile(wt, 'a.txt', 'new\n');
    expect(await readFileDiff(wt, baseSha, 'a.txt', {})).toEqual({
      path: 'a.txt',
      original: { kind: 'text', text: 'old\n', size: 4 },
      modified: { kind: 'text', text: 'new\n', size: 4 },
    });
  });

  it('reports an absent original for a new file and an absent modified side for a deleted one', async () => {
    const { wt, baseSha } = setup({ 'gone.txt': 'bye\n' });
    writeFile(wt, 'fresh.txt', 'hi\n');
    unlinkSync(join(wt, 'gone.txt'));
    const added = await readFileDiff(wt, baseSha, 'fresh.txt', {});
    expect(added.original).toEqual({ kind: 'absent' });
    expect(added.modified).toEqual({ kind: 'text', text: 'hi\n', size: 3 });
    const deleted = await readFileDiff(wt, baseSha, 'gone.txt', {});
    expect(deleted.original).toEqual({ kind: 'text', text: 'bye\n', size: 4 });
    expect(deleted.modified).toEqual({ kind: 'absent' });
  });

  it('reads the original of a renamed file from its old path', async () => {
    const { wt, baseSha } = setup({ 'old name.txt': 'content\n' });
    sh(wt, 'mv', 'old name.txt', 'new name.txt');
    const diff = await readFileDiff(wt, baseSha, 'new name.txt', { oldPath: 'old name.txt' });
    expect(diff.original).toEqual({ kind: 'text', text: 'content\n', size: 8 });
    expect(diff.modified).toEqual({ kind: 'text', text: 'content\n', size: 8 });
  });

  it('summarizes binary files with their size and blob id', async () => {
    const { repo, wt } = setup({ 'a.txt': 'a\n' });
    writeFile(repo, 'img.bin', Buffer.from([1, 0, 2, 3]));
    sh(repo, 'add', 'img.bin');
    sh(repo, 'commit', '-qm', 'binary');
    const from = sh(repo, 'rev-parse', 'main');
    sh(wt, 'merge', '-q', '--ff-only', 'main');
    writeFile(wt, 'img.bin', Buffer.from([1, 0, 2, 3, 4]));
    const diff = await readFileDiff(wt, from, 'img.bin', {});
    expect(diff.original).toEqual({ kind: 'binary', size: 4, sha: sh(repo, 'rev-parse', 'main:img.bin') });
    expect(diff.modified).toEqual({ kind: 'binary', size: 5, sha: sh(wt, 'hash-object', '--', 'img.bin') });
  });

  it('summarizes files over the text limit unless forced, and refuses even forced ones over 20 MiB', async () => {
    const big = 'x'.repeat(99) + '\n';
    const bigText = big.repeat(Math.ceil((TEXT_LIMIT_BYTES * 1.5) / big.length));
    const { repo, wt } = setup({ 'big.txt': bigText });
    const from = sh(repo, 'rev-parse', 'main');
    writeFile(wt, 'big.txt', bigText + 'tail\n');

    const summarized = await readFileDiff(wt, from, 'big.txt', {});
    expect(summarized.original).toEqual({ kind: 'too-large', size: bigText.length, sha: sh(repo, 'rev-parse', 'main:big.txt') });
    expect(summarized.modified).toEqual({ kind: 'too-large', size: bigText.length + 5, sha: sh(wt, 'hash-object', '--', 'big.txt') });

    const forced = await readFileDiff(wt, from, 'big.txt', { force: true });
    expect(forced.original).toMatchObject({ kind: 'text', size: bigText.length });
    expect(forced.modified.kind === 'text' && forced.modified.text.endsWith('tail\n')).toBe(true);

    writeFile(wt, 'huge.txt', big.repeat(Math.ceil((21 * 1024 * 1024) / big.length)));
    const huge = await readFileDiff(wt, from, 'huge.txt', { force: true });
    expect(huge.original).toEqual({ kind: 'absent' });
    expect(huge.modified).toMatchObject({ kind: 'too-large' });
  });

  it('shows a symlink as its target text, like git does', async () => {
    const { wt, baseSha } = setup({ 'a.txt': 'a\n' });
    symlinkSync('a.txt', join(wt, 'link'));
    const diff = await readFileDiff(wt, baseSha, 'link', {});
    expect(diff.modified).toEqual({ kind: 'text', text: 'a.txt', size: 5 });
  });

  it('refuses paths that leave the worktree, through .. or a symlink', async () => {
    const { wt, baseSha } = setup({ 'a.txt': 'a\n' });
    const outside = tempDir('flotilla-outside-');
    cleanups.push(outside);
    writeFile(outside, 'secret.txt', 'secret\n');
    writeFile(join(wt, '..'), 'sibling.txt', 'next door\n');
    symlinkSync(join(outside, 'secret.txt'), join(wt, 'escape'));
    symlinkSync(outside, join(wt, 'escape-dir'));

    await expect(readFileDiff(wt, baseSha, '../sibling.txt', {})).rejects.toMatchObject({ code: 'invalid-params' });
    await expect(readFileDiff(wt, baseSha, join(outside, 'secret.txt'), {})).rejects.toMatchObject({ code: 'invalid-params' });
    await expect(readFileDiff(wt, baseSha, 'escape', {})).rejects.toMatchObject({ code: 'invalid-params' });
    await expect(readFileDiff(wt, baseSha, 'escape-dir/secret.txt', {})).rejects.toMatchObject({ code: 'invalid-params' });
  });
});
