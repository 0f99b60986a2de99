import { describe, expect, it } from 'vitest';
import { annotationKey, marksFor, useAnnotationsStore, type LineAnnotation } from '../src/renderer/features/changes/diff-annotations';

const at = (id: string, side: LineAnnotation['side'], startLine: number, endLine: number): LineAnnotation => ({
  id,
  side,
  startLine,
  endLine,
  severity: 'major',
  title: `finding ${id}`,
});

describe('annotation marks', () => {
  it('keeps only the asked side, with a class per severity and the title in the hover', () => {
    const marks = marksFor([at('a', 'modified', 2, 3), at('b', 'original', 1, 1)], 'modified', 10);
    expect(marks).toEqual([
      { id: 'a', startLine: 2, endLine: 3, className: 'annotation-line annotation-major', glyphClassName: 'annotation-glyph annotation-major', hover: '**finding a**' },
    ]);
  });

  it('puts reversed ranges in order and clamps them to the text', () => {
    expect(marksFor([at('r', 'modified', 5, 2)], 'modified', 10)[0]).toMatchObject({ startLine: 2, endLine: 5 });
    expect(marksFor([at('c', 'modified', 8, 40)], 'modified', 10)[0]).toMatchObject({ startLine: 8, endLine: 10 });
    expect(marksFor([at('z', 'modified', 0, 0)], 'modified', 10)[0]).toMatchObject({ startLine: 1, endLine: 1 });
  });

  it('an annotation past the end of the text lands on the last line instead of being lost', () => {
    expect(marksFor([at('p', 'modified', 50, 60)], 'modified', 3)[0]).toMatchObject({ startLine: 3, endLine: 3 });
  });
});

describe('the annotations store', () => {
  it('keeps annotations per agent and file, and clears one agent without touching another', () => {
    const store = useAnnotationsStore.getState();
    store.set('agent-1', 'a.ts', [at('1', 'modified', 1, 1)]);
    store.set('agent-1', 'b.ts', [at('2', 'modified', 1, 1)]);
    store.set('agent-2', 'a.ts', [at('3', 'modified', 1, 1)]);
    useAnnotationsStore.getState().clear('agent-1');
    const { byFile } = useAnnotationsStore.getState();
    expect(Object.keys(byFile)).toEqual([annotationKey('agent-2', 'a.ts')]);
  });
});
