import { describe, expect, it } from 'vitest';
import { parseStatusZ, parseWorktreeList } from '../src/main/core/git/parse';
import { parseGitVersion } from '../src/main/core/git/version';

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);

describe('parseWorktreeList', () => {
  it('reads the main checkout, a branch worktree and a detached one', () => {
    const out =
      `worktree /repo\0HEAD ${SHA_A}\0branch refs/heads/main\0\0` +
      `worktree /data/wt/brisk-otter\0HEAD ${SHA_B}\0branch refs/heads/flotilla/brisk-otter\0\0` +
      `worktree /data/wt/detached\0HEAD ${SHA_A}\0detached\0\0`;
    expect(parseWorktreeList(out)).toEqual([
      { path: '/repo', head: SHA_A, branch: 'refs/heads/main', bare: false, detached: false, locked: false, prunable: false },
      {
        path: '/data/wt/brisk-otter',
        head: SHA_B,
        branch: 'refs/heads/flotilla/brisk-otter',
        bare: false,
        detached: false,
        locked: false,
        prunable: false,
      },
      { path: '/data/wt/detached', head: SHA_A, branch: null, bare: false, detached: true, locked: false, prunable: false },
    ]);
  });

  it('keeps paths with spaces and newlines whole, and reads locked/prunable with or without reasons', () => {
    const out =
      `worktree /srv/bare.git\0bare\0\0` +
      `worktree /tmp/odd dir\nwith newline\0HEAD ${SHA_A}\0branch refs/heads/x\0locked\0\0` +
      `worktree /tmp/gone\0HEAD ${SHA_B}\0branch refs/heads/y\0locked being moved\0prunable gitdir file points to non-existent location\0\0`;
    const entries = parseWorktreeList(out);
    expect(entries.map((e) => e.path)).toEqual(['/srv/bare.git', '/tmp/odd dir\nwith newline', '/tmp/gone']);
    expect(entries[0]).toMatchObject({ bare: true, head: null, branch: null });
    expect(entries[1]).toMatchObject({ locked: true, prunable: false });
    expect(entries[2]).toMatchObject({ locked: true, prunable: true, branch: 'refs/heads/y' });
  });

  it('returns nothing for empty output', () => {
    expect(parseWorktreeList('')).toEqual([]);
  });
});

describe('parseStatusZ', () => {
  it('reads modified, added, deleted and untracked entries', () => {
    const out = ' M src/a.ts\0A  new.ts\0 D gone.txt\0?? notes/todo.md\0';
    expect(parseStatusZ(out)).toEqual([
      { x: ' ', y: 'M', path: 'src/a.ts', origPath: null },
      { x: 'A', y: ' ', path: 'new.ts', origPath: null },
      { x: ' ', y: 'D', path: 'gone.txt', origPath: null },
      { x: '?', y: '?', path: 'notes/todo.md', origPath: null },
    ]);
  });

  it("takes a rename's original path from the following field", () => {
    const out = 'R  new name.txt\0old name.txt\0 M after.txt\0C  copy.txt\0orig.txt\0';
    expect(parseStatusZ(out)).toEqual([
      { x: 'R', y: ' ', path: 'new name.txt', origPath: 'old name.txt' },
      { x: ' ', y: 'M', path: 'after.txt', origPath: null },
      { x: 'C', y: ' ', path: 'copy.txt', origPath: 'orig.txt' },
    ]);
  });

  it('keeps paths with newlines, quotes and leading spaces unmangled', () => {
    const out = '??  leading space\0?? line\nbreak.txt\0 M "quoted".txt\0';
    expect(parseStatusZ(out).map((e) => e.path)).toEqual([' leading space', 'line\nbreak.txt', '"quoted".txt']);
  });

  it('returns nothing for a clean worktree', () => {
    expect(parseStatusZ('')).toEqual([]);
  });
});

describe('parseGitVersion', () => {
  it('reads plain, Apple and Windows version strings', () => {
    expect(parseGitVersion('git version 2.39.5')).toBe('2.39.5');
    expect(parseGitVersion('git version 2.39.3 (Apple Git-145)')).toBe('2.39.3');
    expect(parseGitVersion('git version 2.41.0.windows.1')).toBe('2.41.0');
    expect(parseGitVersion('nonsense')).toBeNull();
  });
});
