import { useEffect, useRef, useState } from 'react';
import './shortcut-help.css';

/** Keyboard shortcuts, as shown in the help popover. */
export const SHORTCUTS: ReadonlyArray<readonly [string, string]> = [
  ['Ctrl+Shift+N', 'New agent'],
  ['Ctrl+Shift+←↑→↓', 'Move focus between panes'],
  ['Ctrl+Alt+1…9', 'Focus pane 1…9'],
  ['Ctrl+Shift+A', 'Jump to the next agent that needs you'],
  ['Ctrl+Shift+Enter', 'Maximize / restore the focused pane'],
  ['Escape', 'Restore from maximized (outside a terminal); close dialogs'],
  ['Ctrl+Shift+C / V', 'Copy selection / paste in a terminal'],
  ['Right-click', 'Paste in a terminal'],
];

/**
 * The "?" button that lists the keyboard shortcuts. Hovering peeks at the list; a click pins it
 * open until Escape, a click outside, the close button or another click on "?".
 */
export function ShortcutHelp() {
  const [hovered, setHovered] = useState(false);
  const [pinned, setPinned] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const open = hovered || pinned;

  useEffect(() => {
    if (!pinned) return;
    const onDown = (e: MouseEvent) => {
      if (ref.current?.contains(e.target as Node)) return;
      setPinned(false);
      setHovered(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setPinned(false);
      setHovered(false);
    };
    window.addEventListener('mousedown', onDown);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('mousedown', onDown);
      window.removeEventListener('keydown', onKey);
    };
  }, [pinned]);

  const close = () => {
    setPinned(false);
    setHovered(false);
  };

  return (
    <div ref={ref} className="dropdown help" onMouseEnter={() => setHovered(true)} onMouseLeave={() => setHovered(false)}>
      <button
        className="icon-button round"
        aria-label="Keyboard shortcuts"
        aria-expanded={open}
        data-testid="help-button"
        onClick={() => (pinned ? close() : setPinned(true))}
      >
        ?
      </button>
      {open ? (
        <div className="dropdown-panel right help-panel" role="dialog" aria-label="Keyboard shortcuts" data-testid="help-panel">
          <div className="help-title">
            Keyboard shortcuts
            <button className="icon-button help-close" aria-label="Close" data-testid="help-close" onClick={close}>
              ✕
            </button>
          </div>
          <table>
            <tbody>
              {SHORTCUTS.map(([keys, what]) => (
                <tr key={keys}>
                  <td>
                    <kbd>{keys}</kbd>
                  </td>
                  <td>{what}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="muted small">On macOS, Cmd works in place of Ctrl.</div>
        </div>
      ) : null}
    </div>
  );
}
