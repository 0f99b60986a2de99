import { useEffect, useRef, useState } from 'react';
import type * as Monaco from 'monaco-editor/editor/editor.api';

type MonacoModule = typeof import('./monaco-setup');

let monacoPromise: Promise<MonacoModule> | null = null;

/** Loads Monaco on first use; later calls share the same load. */
function loadMonaco(): Promise<MonacoModule> {
  monacoPromise ??= import('./monaco-setup').catch((err: unknown) => {
    monacoPromise = null;
    throw err;
  });
  return monacoPromise;
}

interface DiffEditorProps {
  path: string;
  original: string;
  modified: string;
}

/** A read-only, side-by-side Monaco diff of two texts. */
export function DiffEditor({ path, original, modified }: DiffEditorProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const [editor, setEditor] = useState<{ api: MonacoModule; diff: Monaco.editor.IStandaloneDiffEditor } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [shownPath, setShownPath] = useState<string | null>(null);

  useEffect(() => {
    let disposed = false;
    let diff: Monaco.editor.IStandaloneDiffEditor | null = null;
    loadMonaco().then(
      (api) => {
        if (disposed || !hostRef.current) return;
        diff = api.monaco.editor.createDiffEditor(hostRef.current, {
          theme: 'vs-dark',
          readOnly: true,
          originalEditable: false,
          renderSideBySide: true,
          automaticLayout: true,
          minimap: { enabled: false },
          scrollBeyondLastLine: false,
          fontSize: 12.5,
          renderOverviewRuler: true,
          ignoreTrimWhitespace: false,
          contextmenu: false,
        });
        setEditor({ api, diff });
      },
      () => setLoadError('The diff editor failed to load.'),
    );
    return () => {
      disposed = true;
      if (diff) {
        const models = diff.getModel();
        diff.dispose();
        models?.original.dispose();
        models?.modified.dispose();
      }
    };
  }, []);

  useEffect(() => {
    if (!editor) return;
    const { api, diff } = editor;
    const language = api.languageOf(path);
    const previous = diff.getModel();
    diff.setModel({
      original: api.monaco.editor.createModel(original, language),
      modified: api.monaco.editor.createModel(modified, language),
    });
    previous?.original.dispose();
    previous?.modified.dispose();
    setShownPath(path);
  }, [editor, path, original, modified]);

  return (
    <div className="diff-editor-wrap">
      {editor === null && !loadError ? <div className="diff-loading muted">Loading diff editor…</div> : null}
      {loadError ? <div className="dialog-error">{loadError}</div> : null}
      <div
        className="diff-editor"
        data-testid="diff-editor"
        ref={hostRef}
        data-path={path}
        data-ready={shownPath === path ? 'true' : 'false'}
      >
        {/* Monaco renders spaces as U+00A0 and only the lines in view; this hidden copy of the
            new text gives tests (and find-in-page tools) the real text of the file. */}
        <pre className="diff-text-mirror" hidden>
          {modified}
        </pre>
      </div>
    </div>
  );
}
