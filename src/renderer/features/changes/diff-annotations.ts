/**
 * Annotations on the lines of a diff: a marker on the lines and, under the last one, an inline
 * widget with the title and text. Verification findings and the user's own comments use them;
 * anything may publish annotations for an agent's file through `useAnnotationsStore`.
 */
import type * as Monaco from 'monaco-editor/editor/editor.api';
import { create } from 'zustand';

export type AnnotationSeverity = 'blocker' | 'major' | 'minor' | 'nit' | 'info';

export interface LineAnnotation {
  id: string;
  /** Which text the lines are in: the base's (original) or the agent's (modified). */
  side: 'original' | 'modified';
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  severity: AnnotationSeverity;
  title: string;
  body?: string;
}

/** A marker on lines, in editor-neutral terms (what Monaco's decorations are made from). */
export interface AnnotationMark {
  id: string;
  startLine: number;
  endLine: number;
  className: string;
  glyphClassName: string;
  hover: string;
}

/**
 * The marks for one side of a diff whose text has `lineCount` lines: annotations on the other side
 * are left out, ranges are put in order and clamped to the text, and an annotation that lies
 * wholly past the end is put on the last line rather than lost.
 */
export function marksFor(annotations: readonly LineAnnotation[], side: LineAnnotation['side'], lineCount: number): AnnotationMark[] {
  const last = Math.max(1, lineCount);
  return annotations
    .filter((a) => a.side === side)
    .map((a) => {
      const from = Math.min(Math.max(1, Math.min(a.startLine, a.endLine)), last);
      const to = Math.min(Math.max(from, Math.max(a.startLine, a.endLine)), last);
      return {
        id: a.id,
        startLine: from,
        endLine: to,
        className: `annotation-line annotation-${a.severity}`,
        glyphClassName: `annotation-glyph annotation-${a.severity}`,
        hover: a.body ? `**${a.title}**\n\n${a.body}` : `**${a.title}**`,
      };
    });
}

/** The inline widget under an annotation's last line. */
function widgetNode(annotation: LineAnnotation): HTMLElement {
  const node = document.createElement('div');
  node.className = `annotation-widget annotation-${annotation.severity}`;
  node.dataset.testid = 'annotation-widget';
  node.dataset.annotationId = annotation.id;
  const title = document.createElement('div');
  title.className = 'annotation-title';
  title.textContent = `${annotation.severity} · ${annotation.title}`;
  node.append(title);
  if (annotation.body) {
    const body = document.createElement('div');
    body.className = 'annotation-body';
    body.textContent = annotation.body;
    node.append(body);
  }
  return node;
}

/** Lines a widget takes: its title, and its text wrapped at roughly the editor's width. */
function widgetHeightInLines(annotation: LineAnnotation): number {
  const bodyLines = annotation.body ? annotation.body.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil(line.length / 100)), 0) : 0;
  return 1.6 + bodyLines * 1.2;
}

/**
 * Draws `annotations` of `side` into `editor` (one side of a diff editor, or a single editor):
 * decorations on the lines and a view zone per annotation. Returns what removes them again.
 */
export function drawAnnotations(
  monaco: typeof Monaco,
  editor: Monaco.editor.ICodeEditor,
  annotations: readonly LineAnnotation[],
  side: LineAnnotation['side'],
): () => void {
  const model = editor.getModel();
  if (!model) return () => undefined;
  const marks = marksFor(annotations, side, model.getLineCount());
  const decorations = editor.createDecorationsCollection(
    marks.map((m) => ({
      range: new monaco.Range(m.startLine, 1, m.endLine, 1),
      options: { isWholeLine: true, className: m.className, glyphMarginClassName: m.glyphClassName, hoverMessage: { value: m.hover } },
    })),
  );
  const byId = new Map(annotations.map((a) => [a.id, a]));
  const zoneIds: string[] = [];
  editor.changeViewZones((accessor) => {
    for (const mark of marks) {
      const annotation = byId.get(mark.id)!;
      zoneIds.push(accessor.addZone({ afterLineNumber: mark.endLine, heightInLines: widgetHeightInLines(annotation), domNode: widgetNode(annotation) }));
    }
  });
  return () => {
    decorations.clear();
    editor.changeViewZones((accessor) => zoneIds.forEach((id) => accessor.removeZone(id)));
  };
}

interface AnnotationsState {
  /** Keyed by `annotationKey(agentId, path)`. */
  byFile: Record<string, readonly LineAnnotation[]>;
  set(agentId: string, path: string, annotations: readonly LineAnnotation[]): void;
  clear(agentId: string): void;
}

/** The key of one agent's file in the store. */
export function annotationKey(agentId: string, path: string): string {
  return `${agentId}\u0000${path}`;
}

const NONE: readonly LineAnnotation[] = [];

/** Annotations published for agents' files; the diff editor draws those of the file it shows. */
export const useAnnotationsStore = create<AnnotationsState>((set) => ({
  byFile: {},
  set: (agentId, path, annotations) => set((s) => ({ byFile: { ...s.byFile, [annotationKey(agentId, path)]: annotations } })),
  clear: (agentId) =>
    set((s) => ({ byFile: Object.fromEntries(Object.entries(s.byFile).filter(([key]) => !key.startsWith(`${agentId}\u0000`))) })),
}));

/** The annotations of one file (a stable empty list when there are none). */
export function useFileAnnotations(agentId: string, path: string): readonly LineAnnotation[] {
  return useAnnotationsStore((s) => s.byFile[annotationKey(agentId, path)] ?? NONE);
}
