import { useEffect, useRef, useState } from 'react';
import { useRepoStore } from '../../stores/repo-store';
import { call } from '../common/call';
import { openRepo } from './repo-actions';

const COMPLETE_DEBOUNCE_MS = 120;

/** Appends the path separator so the next completion lists the folder's children. */
function withSeparator(path: string): string {
  if (path.endsWith('/') || path.endsWith('\\')) return path;
  return path.includes('\\') && !path.includes('/') ? `${path}\\` : `${path}/`;
}

/**
 * The repository path field: completes folders as you type (`repos.complete`);
 * ↑/↓ choose, Tab accepts, Enter opens, Escape closes the list.
 */
export function PathField() {
  const repoPath = useRepoStore((s) => s.repo?.path ?? '');
  const opening = useRepoStore((s) => s.opening);
  const [value, setValue] = useState(repoPath);
  const [items, setItems] = useState<string[]>([]);
  const [active, setActive] = useState(-1);
  const [open, setOpen] = useState(false);
  const requestSeq = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => setValue(repoPath), [repoPath]);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  useEffect(() => {
    listRef.current?.querySelector('.active')?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  const complete = (partial: string) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(async () => {
      const seq = ++requestSeq.current;
      const result = await call('repos.complete', { partial });
      // Answers can arrive out of order; only the newest request may fill the list.
      if (seq !== requestSeq.current) return;
      setItems(result.ok ? result.value : []);
      setActive(-1);
      // A late answer must not pop the list open after the user has moved on.
      setOpen(result.ok && result.value.length > 0 && document.activeElement === inputRef.current);
    }, COMPLETE_DEBOUNCE_MS);
  };

  const accept = (path: string) => {
    const next = withSeparator(path);
    setValue(next);
    complete(next);
  };

  const submit = (path: string) => {
    requestSeq.current++;
    if (timer.current) clearTimeout(timer.current);
    setOpen(false);
    setValue(path);
    void openRepo(path);
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' && items.length > 0) {
      e.preventDefault();
      setOpen(true);
      setActive((i) => (i + 1) % items.length);
    } else if (e.key === 'ArrowUp' && items.length > 0) {
      e.preventDefault();
      setOpen(true);
      setActive((i) => (i <= 0 ? items.length - 1 : i - 1));
    } else if (e.key === 'Tab' && open && items.length > 0 && !e.shiftKey) {
      e.preventDefault();
      accept(items[Math.max(0, active)]);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      submit(open && active >= 0 ? items[active] : value);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    }
  };

  return (
    <div className="path-field">
      <div className="path-input-wrap">
        <input
          ref={inputRef}
          data-testid="repo-path-input"
          className="path-input"
          type="text"
          spellCheck={false}
          autoComplete="off"
          placeholder="Path to a git repository (~/… or from your home folder)…"
          value={value}
          role="combobox"
          aria-expanded={open}
          aria-autocomplete="list"
          onChange={(e) => {
            setValue(e.target.value);
            complete(e.target.value);
          }}
          onKeyDown={onKeyDown}
          onFocus={() => value && complete(value)}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
        />
        {open && items.length > 0 ? (
          <ul className="completions" role="listbox" ref={listRef}>
            {items.map((item, i) => (
              <li
                key={item}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'active' : undefined}
                onMouseDown={(e) => {
                  e.preventDefault();
                  submit(item);
                }}
                onMouseEnter={() => setActive(i)}
              >
                {item}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      <button data-testid="repo-open-button" className="primary" disabled={opening} onClick={() => submit(value)}>
        {opening ? 'Opening…' : 'Open'}
      </button>
    </div>
  );
}
