import { useState } from 'react';

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

/** The "?" button that lists the keyboard shortcuts. */
export function ShortcutHelp() {
  const [open, setOpen] = useState(false);
  return (
    <div className="dropdown help" onMouseEnter={() => setOpen(true)} onMouseLeave={() => setOpen(false)}>
      <button className="icon-button round" aria-label="Keyboard shortcuts" onClick={() => setOpen(!open)}>
        ?
      </button>
      {open ? (
        <div className="dropdown-panel right help-panel" role="tooltip">
          <div className="help-title">Keyboard shortcuts</div>
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
