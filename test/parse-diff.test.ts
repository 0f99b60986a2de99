import { describe, expect, it } from 'vitest';
import { parseMergeTreeZ, parseNameStatusZ, parseNumstatZ, parsePathListZ, parseRawNumstatZ } from '../src/main/core/changes/parse-diff';

describe('parseNumstatZ', () => {
  it('reads added and deleted line counts per path', () => {
    expect(parseNumstatZ('3\t1\tsrc/a.ts\0' + '0\t5\tgone.txt\0')).toEqual([
      { path: 'src/a.ts', oldPath: null, additions: 3, deletions: 1, binary: false },
      { path: 'gone.txt', oldPath: null, additions: 0, deletions: 5, binary: false },
    ]);
  });

  it('reads a rename as two paths following an empty path field', () => {
    expect(parseNumstatZ('2\t0\t\0old name.txt\0new name.txt\0' + '1\t1\tnext.txt\0')).toEqual([
      { path: 'new name.txt', oldPath: 'old name.txt', additions: 2, deletions: 0, binary: false },
      { path: 'next.txt', oldPath: null, additions: 1, deletions: 1, binary: false },
    ]);
  });

  it("flags binary files, whose counts git prints as '-'", () => {
    expect(parseNumstatZ('-\t-\timg/logo.png\0-\t-\t\0a.bin\0b.bin\0')).toEqual([
      { path: 'img/logo.png', oldPath: null, additions: 0, deletions: 0, binary: true },
      { path: 'b.bin', oldPath: 'a.bin', additions: 0, deletions: 0, binary: true },
    ]);
  });

  it('keeps spaces, tabs and non-ASCII characters in paths verbatim', () => {
    expect(parseNumstatZ('1\t0\tdir with space/tab\there é.txt\0').map((e) => e.path)).toEqual(['dir with space/tab\there é.txt']);
  });

  it('returns nothing for empty output', () => {
    expect(parseNumstatZ('')).toEqual([]);
  });
});

describe('parseNameStatusZ', () => {
  it('reads status letters and paths', () => {
    expect(parseNameStatusZ('M\0a.txt\0A\0dir/new file.txt\0D\0old.txt\0T\0link\0')).toEqual([
      { status: 'M', path: 'a.txt', oldPath: null, score: null },
      { status: 'A', path: 'dir/new file.txt', oldPath: null, score: null },
      { status: 'D', path: 'old.txt', oldPath: null, score: null },
      { status: 'T', path: 'link', oldPath: null, score: null },
    ]);
  });

  it('reads renames and copies with their similarity score and both paths', () => {
    expect(parseNameStatusZ('R086\0from a.txt\0to b.txt\0C100\0x\0y\0M\0z\0')).toEqual([
      { status: 'R', path: 'to b.txt', oldPath: 'from a.txt', score: 86 },
      { status: 'C', path: 'y', oldPath: 'x', score: 100 },
      { status: 'M', path: 'z', oldPath: null, score: null },
    ]);
  });
});

describe('parsePathListZ', () => {
  it('splits NUL-terminated paths and drops the trailing empty field', () => {
    expect(parsePathListZ('a b.txt\0dir/c\0')).toEqual(['a b.txt', 'dir/c']);
    expect(parsePathListZ('')).toEqual([]);
  });
});

describe('parseMergeTreeZ', () => {
  const tree = 'f368faaed817488a93fd7895b5c14cc219132e15';

  it('reads a clean merge as a tree and no conflicts', () => {
    expect(parseMergeTreeZ(`${tree}\0`)).toEqual({ tree, conflicts: [] });
  });

  it('lists conflicted files and stops at the empty field before messages', () => {
    const out = `${tree}\0a.txt\0b c.txt\0\0` + '1\0a.txt\0Auto-merging\0Auto-merging a.txt\n\0';
    expect(parseMergeTreeZ(out)).toEqual({ tree, conflicts: ['a.txt', 'b c.txt'] });
  });
});

describe('parseRawNumstatZ', () => {
  it('reads statuses from the raw records and counts from the numstat records of one diff', () => {
    const z = (...fields: string[]) => fields.map((f) => `${f}\0`).join('');
    const out = z(
      ':100644 100644 aaaa bbbb M', ':odd path',
      ':100644 100644 aaaa bbbb R091', 'old name', 'new\tname',
      ':000000 100644 0000 cccc A', 'img.bin',
      ':100644 000000 dddd 0000 D', 'gone.txt',
      '2\t1\t:odd path',
      '0\t1\t', 'old name', 'new\tname',
      '-\t-\timg.bin',
      '0\t3\tgone.txt',
    );
    const { nameStatus, numstat } = parseRawNumstatZ(out);
    expect(nameStatus).toEqual([
      { status: 'M', oldPath: null, path: ':odd path', score: null },
      { status: 'R', oldPath: 'old name', path: 'new\tname', score: 91 },
      { status: 'A', oldPath: null, path: 'img.bin', score: null },
      { status: 'D', oldPath: null, path: 'gone.txt', score: null },
    ]);
    expect(numstat).toEqual([
      { path: ':odd path', oldPath: null, additions: 2, deletions: 1, binary: false },
      { path: 'new\tname', oldPath: 'old name', additions: 0, deletions: 1, binary: false },
      { path: 'img.bin', oldPath: null, additions: 0, deletions: 0, binary: true },
      { path: 'gone.txt', oldPath: null, additions: 0, deletions: 3, binary: false },
    ]);
  });

  it('reads an empty diff as no changes', () => {
    expect(parseRawNumstatZ('')).toEqual({ nameStatus: [], numstat: [] });
  });
});
