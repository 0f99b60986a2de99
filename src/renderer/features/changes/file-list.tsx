import { useEffect, useRef, useState } from 'react';
import type { ChangedFile } from '../../../shared/types';

const ROW_HEIGHT_PX = 24;
const OVERSCAN_ROWS = 10;

interface FileListProps {
  files: ChangedFile[];
  selected: string | null;
  onSelect(file: ChangedFile): void;
}

/**
 * The changed files, virtualized: only the rows in view (plus a margin) are in the DOM,
 * so a change touching thousands of files scrolls as smoothly as one touching three.
 */
export function FileList({ files, selected, onSelect }: FileListProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);

  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const selectedIndex = files.findIndex((f) => f.path === selected);
  useEffect(() => {
    // Keep the selected row in view when it moves by keyboard.
    const el = scrollRef.current;
    if (!el || selectedIndex < 0) return;
    const top = selectedIndex * ROW_HEIGHT_PX;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT_PX > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_HEIGHT_PX - el.clientHeight;
  }, [selectedIndex]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT_PX) - OVERSCAN_ROWS);
  const last = Math.min(files.length, Math.ceil((scrollTop + height) / ROW_HEIGHT_PX) + OVERSCAN_ROWS);

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const next = Math.min(files.length - 1, Math.max(0, selectedIndex + (e.key === 'ArrowDown' ? 1 : -1)));
    if (files[next]) onSelect(files[next]);
  };

  return (
    <div
      className="file-list"
      ref={scrollRef}
      tabIndex={0}
      role="listbox"
      aria-label="Changed files"
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      onKeyDown={onKeyDown}
    >
      <div style={{ height: files.length * ROW_HEIGHT_PX, position: 'relative' }}>
        {files.slice(first, last).map((file, i) => {
          const index = first + i;
          const name = file.path.slice(file.path.lastIndexOf('/') + 1);
          const dir = file.path.slice(0, file.path.length - name.length);
          return (
            <div
              key={file.path}
              className={file.path === selected ? 'changed-file selected' : 'changed-file'}
              data-testid="changed-file"
              data-path={file.path}
              data-status={file.status}
              role="option"
              aria-selected={file.path === selected}
              style={{ top: index * ROW_HEIGHT_PX, height: ROW_HEIGHT_PX }}
              title={file.oldPath ? `${file.oldPath} → ${file.path}` : file.path}
              onClick={() => onSelect(file)}
            >
              <span className={`file-status s-${file.status === '?' ? 'U' : file.status}`}>
                {file.status === '?' ? 'U' : file.status}
              </span>
              <span className="file-name">{name}</span>
              <span className="file-dir">
                <bdi>{dir}</bdi>
              </span>
              <span className="file-counts">
                {file.binary ? (
                  <span className="muted">bin</span>
                ) : (
                  <>
                    <span className="add">+{file.additions}</span> <span className="del">−{file.deletions}</span>
                  </>
                )}
              </span>
            </div>
          );
        })}
      </div>
    </div>
  );
}
