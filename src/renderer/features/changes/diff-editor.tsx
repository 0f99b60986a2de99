import { useEffect, useRef, useState } from 'react';
import type * as Monaco from 'monaco-editor/editor/editor.api';
import type { DiffMode } from './file-view';
import { drawAnnotations, type LineAnnotation } from './diff-annotations';

type MonacoModule = typeof import('./monaco-setup');

let monacoPromise: Promise<MonacoModule> | null = null;

/** One turn of the event loop, so that input and paint run between two pieces of loading. */
function yieldToPage(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Loads Monaco on first use; later calls share the same load. The editor core, the diff
 * editor's parts and the language definitions are separate imports evaluated in separate tasks,
 * so loading never freezes the page for the time of all three at once.
 */
function loadMonaco(): Promise<MonacoModule> {
  monacoPromise ??= (async () => {
    await import('monaco-editor/editor/editor.api');
    await yieldToPage();
    await import('./monaco-features');
    await yieldToPage();
    return import('./monaco-setup');
  })().catch((err: unknown) => {
    monacoPromise = null;
    throw err;
  });
  return monacoPromise;
}

interface DiffEditorProps {
  path: string;
  /** A new or deleted file is shown as its one side, all added or all removed. */
  mode: DiffMode;
  original: string;
  modified: string;
  /** Shown under the editor: what the texts alone do not show (a final newline). */
  notes?: readonly string[];
  /** Drawn on their lines (see diff-annotations.ts). */
  annotations?: readonly LineAnnotation[];
}

type Shown =
  | { kind: 'diff'; api: MonacoModule; diff: Monaco.editor.IStandaloneDiffEditor }
  | { kind: 'single'; api: MonacoModule; editor: Monaco.editor.IStandaloneCodeEditor };

const EDITOR_OPTIONS = {
  theme: 'vs-dark',
  readOnly: true,
  automaticLayout: true,
  minimap: { enabled: false },
  scrollBeyondLastLine: false,
  fontSize: 12.5,
  contextmenu: false,
} as const;

/**
 * A read-only Monaco view of a file's change: side by side for a modified file; for a new or
 * deleted file just its lines, since a diff against nothing would show an empty phantom line.
 */
export function DiffEditor({ path, mode, original, modified, notes = [], annotations = [] }: DiffEditorProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const [shown, setShown] = useState<Shown | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [shownKey, setShownKey] = useState<string | null>(null);
  const kind = mode === 'modified' ? 'diff' : 'single';

  // One editor per kind: switching between a diff and a single file replaces it.
  useEffect(() => {
    let disposed = false;
    let current: Shown | null = null;
    loadMonaco().then(
      (api) => {
        if (disposed || !hostRef.current) return;
        current =
          kind === 'diff'
            ? {
                kind,
                api,
                diff: api.monaco.editor.createDiffEditor(hostRef.current, {
                  ...EDITOR_OPTIONS,
                  originalEditable: false,
                  renderSideBySide: true,
                  renderOverviewRuler: true,
                  ignoreTrimWhitespace: false,
                }),
              }
            : { kind, api, editor: api.monaco.editor.create(hostRef.current, EDITOR_OPTIONS) };
        const made = current;
        // The models (and their first render) in a task of their own, not on top of the editor's creation.
        setTimeout(() => {
          if (!disposed) setShown(made);
        }, 0);
      },
      () => setLoadError('The diff editor failed to load.'),
    );
    return () => {
      disposed = true;
      setShown(null);
      setShownKey(null);
      if (current?.kind === 'diff') {
        const models = current.diff.getModel();
        current.diff.dispose();
        models?.original.dispose();
        models?.modified.dispose();
      } else if (current?.kind === 'single') {
        const model = current.editor.getModel();
        current.editor.dispose();
        model?.dispose();
      }
    };
  }, [kind]);

  useEffect(() => {
    if (!shown) return;
    const language = shown.api.languageOf(path);
    if (shown.kind === 'diff') {
      const previous = shown.diff.getModel();
      shown.diff.setModel({
        original: shown.api.monaco.editor.createModel(original, language),
        modified: shown.api.monaco.editor.createModel(modified, language),
      });
      previous?.original.dispose();
      previous?.modified.dispose();
    } else {
      const previous = shown.editor.getModel();
      const model = shown.api.monaco.editor.createModel(mode === 'deleted' ? original : modified, language);
      shown.editor.setModel(model);
      previous?.dispose();
      // Every line is new (or gone): mark them all, as the diff view marks changed lines.
      const lines = model.getValue() === '' ? 0 : model.getLineCount();
      const decorations = shown.editor.createDecorationsCollection(
        lines === 0
          ? []
          : [
              {
                range: new shown.api.monaco.Range(1, 1, lines, 1),
                options: { isWholeLine: true, className: mode === 'deleted' ? 'whole-file-removed' : 'whole-file-added' },
              },
            ],
      );
      setShownKey(`${mode}:${path}`);
      return () => decorations.clear();
    }
    setShownKey(`${mode}:${path}`);
    return undefined;
  }, [shown, mode, path, original, modified]);

  // Annotations go on once the file's models are in: each side's editor draws its own.
  const ready = shownKey === `${mode}:${path}`;
  useEffect(() => {
    if (!shown || !ready) return;
    const { monaco } = shown.api;
    const editors: [Monaco.editor.ICodeEditor, LineAnnotation['side']][] =
      shown.kind === 'diff'
        ? [
            [shown.diff.getOriginalEditor(), 'original'],
            [shown.diff.getModifiedEditor(), 'modified'],
          ]
        : [[shown.editor, mode === 'deleted' ? 'original' : 'modified']];
    const undo = editors.map(([editor, side]) => {
      editor.updateOptions({ glyphMargin: annotations.length > 0 });
      return drawAnnotations(monaco, editor, annotations, side);
    });
    return () => undo.forEach((u) => u());
  }, [shown, ready, mode, annotations]);

  return (
    <div className="diff-editor-wrap">
      {shown === null && !loadError ? <div className="diff-loading muted">Loading diff editor…</div> : null}
      {loadError ? <div className="dialog-error">{loadError}</div> : null}
      {mode !== 'modified' ? (
        <div className="diff-file-note muted small" data-testid="diff-file-note">
          {mode === 'added' ? 'New file' : 'Deleted file'}
        </div>
      ) : null}
      <div
        className="diff-editor"
        data-testid="diff-editor"
        ref={hostRef}
        data-path={path}
        data-mode={mode}
        data-ready={ready ? 'true' : 'false'}
        data-annotations={annotations.length}
      >
        {/* Monaco renders spaces as U+00A0 and only the lines in view; this hidden copy of the
            new text gives tests (and find-in-page tools) the real text of the file. */}
        <pre className="diff-text-mirror" hidden>
          {mode === 'deleted' ? original : modified}
        </pre>
      </div>
      {notes.map((note) => (
        <div key={note} className="diff-file-note muted small" data-testid="diff-note">
          {note}
        </div>
      ))}
    </div>
  );
}
