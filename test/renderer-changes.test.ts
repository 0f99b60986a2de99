import { describe, expect, it } from 'vitest';
import { displayText, fileView } from '../src/renderer/features/changes/file-view';
import type { FileDiff, FileSide } from '../src/shared/types';

const text = (t: string): FileSide => ({ kind: 'text', text: t, size: t.length });
const absent: FileSide = { kind: 'absent' };
const binary = (size: number): FileSide => ({ kind: 'binary', size, sha: 'b'.repeat(40) });
const tooLarge = (size: number): FileSide => ({ kind: 'too-large', size, sha: 'c'.repeat(40) });
const diff = (original: FileSide, modified: FileSide): FileDiff => ({ path: 'f.txt', original, modified });

describe('the file view of the changes panel', () => {
  it('shows a new file as its lines only, with no phantom empty line on either side', () => {
    expect(fileView(diff(absent, text('one\ntwo\n')), false)).toEqual({ kind: 'text', mode: 'added', original: '', modified: 'one\ntwo', notes: [] });
    expect(fileView(diff(text('gone\n'), absent), false)).toMatchObject({ mode: 'deleted', original: 'gone', modified: '' });
  });

  it('does not turn the final newline into an extra line, and says when it was added or removed', () => {
    expect(displayText('a\n')).toBe('a');
    expect(displayText('a\r\n')).toBe('a');
    expect(displayText('a\n\n')).toBe('a\n');
    expect(displayText('')).toBe('');
    expect(fileView(diff(text('a\n'), text('a\nb\n')), false)).toEqual({ kind: 'text', mode: 'modified', original: 'a', modified: 'a\nb', notes: [] });
    expect(fileView(diff(text('a\n'), text('a')), false)).toMatchObject({ original: 'a', modified: 'a', notes: ['The newline at the end of the file was removed.'] });
    expect(fileView(diff(text('a'), text('a\n')), false)).toMatchObject({ notes: ['A newline was added at the end of the file.'] });
    expect(fileView(diff(absent, text('no newline')), false)).toMatchObject({ notes: ['No newline at end of file.'] });
  });

  it('never offers "Open anyway" for a binary file, and always says why there is no diff', () => {
    // The case that did nothing: a large binary whose old side was only measured, not read.
    const before = fileView(diff(tooLarge(3_000_000), binary(3_000_001)), false);
    expect(before).toMatchObject({ kind: 'summary', canForce: false, message: expect.stringMatching(/binary file/) });
    const after = fileView(diff(binary(3_000_000), binary(3_000_001)), true);
    expect(after).toMatchObject({ kind: 'summary', canForce: false, message: expect.stringMatching(/^Opened anyway: this is a binary file/) });
    expect(fileView(diff(absent, binary(10)), false)).toMatchObject({ canForce: false, message: expect.stringMatching(/binary/) });
  });

  it('offers "Open anyway" for a large text file, and says so when it is too large even then', () => {
    expect(fileView(diff(tooLarge(2_000_000), tooLarge(2_000_100)), false)).toMatchObject({ kind: 'summary', canForce: true });
    expect(fileView(diff(text('small\n'), tooLarge(30_000_000)), true)).toMatchObject({
      kind: 'summary',
      canForce: false,
      message: expect.stringMatching(/^Opened anyway, but .* is more than Flotilla loads/),
    });
  });
});
