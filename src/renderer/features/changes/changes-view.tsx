import { OverlayPanel } from '../common/overlay-panel';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ChangedFile, ChangeList, FileDiff, FileSide } from '../../../shared/types';
import { useAgentsStore } from '../../stores/agents-store';
import { useUiStore } from '../../stores/ui-store';
import { call } from '../common/call';
import { formatBytes, formatDiffStat, shortSha } from '../common/format';
import { DiffEditor } from './diff-editor';
import { useFileAnnotations } from './diff-annotations';
import { FileList } from './file-list';
import { fileView } from './file-view';
import './changes.css';

/** A first file with more changed lines than this is not opened by itself: the user picks it. */
const AUTO_OPEN_MAX_LINES = 5_000;

/** Whether the first file opens without a click: a binary one (a summary) or a text change that is not huge. */
function opensByItself(file: ChangedFile): boolean {
  return file.binary || file.additions + file.deletions <= AUTO_OPEN_MAX_LINES;
}

type FileState =
  | { kind: 'none' }
  | { kind: 'loading'; path: string }
  | { kind: 'error'; path: string; message: string }
  | { kind: 'loaded'; file: ChangedFile; diff: FileDiff; forced: boolean };

/** The per-agent changes panel: changed files on the left, a side-by-side diff on the right. */
export function ChangesView({ agentId }: { agentId: string }) {
  const agent = useAgentsStore((s) => s.byId[agentId]);
  const close = useUiStore((s) => s.close);
  const [list, setList] = useState<ChangeList | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [loadingList, setLoadingList] = useState(false);
  const [filter, setFilter] = useState('');
  const [fileState, setFileState] = useState<FileState>({ kind: 'none' });
  const fileSeq = useRef(0);
  const selectedRef = useRef<string | null>(null);

  const openFile = useCallback(
    async (file: ChangedFile, force = false) => {
      const seq = ++fileSeq.current;
      selectedRef.current = file.path;
      setFileState({ kind: 'loading', path: file.path });
      const r = await call('changes.file', { agentId, path: file.path, oldPath: file.oldPath, force: force || undefined });
      // The user may have picked another file meanwhile.
      if (seq !== fileSeq.current) return;
      if (r.ok) setFileState({ kind: 'loaded', file, diff: r.value, forced: force });
      else setFileState({ kind: 'error', path: file.path, message: r.error.message });
    },
    [agentId],
  );

  const refresh = useCallback(async () => {
    setLoadingList(true);
    const r = await call('changes.list', { agentId });
    setLoadingList(false);
    if (!r.ok) {
      setListError(r.error.message);
      return;
    }
    setListError(null);
    setList(r.value);
    // Keep the selected file if it is still changed, otherwise show the first one.
    const path = selectedRef.current;
    const kept = path ? r.value.files.find((f) => f.path === path) : undefined;
    const first = r.value.files[0];
    if (kept) void openFile(kept);
    else if (first && opensByItself(first)) {
      selectedRef.current = null;
      setFileState({ kind: 'none' });
      // After the list has painted, and only if the user has not picked a file meanwhile.
      const seq = fileSeq.current;
      requestAnimationFrame(() =>
        setTimeout(() => {
          if (seq === fileSeq.current) void openFile(first);
        }, 0),
      );
    } else {
      selectedRef.current = null;
      setFileState({ kind: 'none' });
    }
  }, [agentId, openFile]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const files = useMemo(() => {
    const all = list?.files ?? [];
    const needle = filter.trim().toLowerCase();
    return needle ? all.filter((f) => f.path.toLowerCase().includes(needle)) : all;
  }, [list, filter]);

  const selectedPath =
    fileState.kind === 'loaded' ? fileState.file.path : fileState.kind === 'none' ? null : fileState.path;

  return (
    <OverlayPanel className="changes-view" testId="changes-view" label="Changes" onClose={close}>
        <div className="changes-header">
          <span className="changes-title">Changes</span>
          <span className="muted">{agent?.name}</span>
          <code className="muted small">{agent?.branch}</code>
          {list ? (
            <span className="muted small" title="Measured from the merge base with the agent's base">
              from {shortSha(list.fromSha)} · {formatDiffStat(list.stat)}
            </span>
          ) : null}
          <span className="pane-spacer" />
          <button data-testid="changes-refresh" className="ghost" disabled={loadingList} onClick={() => void refresh()}>
            {loadingList ? 'Refreshing…' : '↻ Refresh'}
          </button>
          <button data-testid="changes-close" className="ghost" onClick={close}>
            Close
          </button>
        </div>
        {listError ? (
          <div className="dialog-error" role="alert">
            {listError}
          </div>
        ) : null}
        <div className="changes-body">
          <div className="changes-sidebar">
            <input
              className="file-filter"
              placeholder={`Filter ${list?.files.length ?? 0} files…`}
              value={filter}
              spellCheck={false}
              onChange={(e) => setFilter(e.target.value)}
            />
            {list && list.files.length === 0 ? (
              <div className="muted small pad">No changes against the base yet.</div>
            ) : null}
            <FileList files={files} selected={selectedPath} onSelect={(f) => void openFile(f)} />
          </div>
          <div className="changes-main">
            <FilePanel agentId={agentId} state={fileState} onForce={(file) => void openFile(file, true)} />
          </div>
        </div>
    </OverlayPanel>
  );
}

function FilePanel({ agentId, state, onForce }: { agentId: string; state: FileState; onForce(file: ChangedFile): void }) {
  const annotations = useFileAnnotations(agentId, state.kind === 'loaded' ? state.diff.path : '');
  if (state.kind === 'none') return <div className="muted center">Select a file to see its diff.</div>;
  if (state.kind === 'loading') return <div className="muted center">Loading {state.path}…</div>;
  if (state.kind === 'error')
    return (
      <div className="dialog-error" role="alert">
        {state.message}
      </div>
    );
  const { diff, file } = state;
  const view = fileView(diff, state.forced);
  if (view.kind === 'text') {
    return <DiffEditor path={diff.path} mode={view.mode} original={view.original} modified={view.modified} notes={view.notes} annotations={annotations} />;
  }
  return (
    <div className="file-summary" data-testid="file-summary" data-forced={state.forced ? 'true' : 'false'}>
      <div className="file-summary-title">{diff.path}</div>
      <div className="file-summary-sides">
        <SideSummary label="Before" side={diff.original} />
        <SideSummary label="After" side={diff.modified} />
      </div>
      <p className="file-summary-message" data-testid="file-summary-message" role="status">
        {view.message}
      </p>
      {view.canForce ? (
        <button data-testid="open-anyway" className="ghost" onClick={() => onForce(file)}>
          Open anyway
        </button>
      ) : null}
    </div>
  );
}

function SideSummary({ label, side }: { label: string; side: FileSide }) {
  let body: string;
  switch (side.kind) {
    case 'absent':
      body = 'does not exist';
      break;
    case 'text':
      body = `text, ${formatBytes(side.size)}`;
      break;
    case 'binary':
      body = `binary, ${formatBytes(side.size)}, ${shortSha(side.sha)}`;
      break;
    case 'too-large':
      body = `too large to show (${formatBytes(side.size)}), ${shortSha(side.sha)}`;
      break;
  }
  return (
    <div className="side-summary">
      <span className="side-label">{label}</span>
      <span>{body}</span>
    </div>
  );
}
