import { useEffect, useRef } from 'react';
import '@xterm/xterm/css/xterm.css';
import { TerminalSession } from './terminal-session';

/** The terminal host of a pane; one TerminalSession for the component's lifetime. */
export function TerminalView({ agentId, onFocus }: { agentId: string; onFocus: () => void }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const onFocusRef = useRef(onFocus);
  onFocusRef.current = onFocus;
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const session = new TerminalSession(agentId, host, () => onFocusRef.current());
    return () => session.dispose();
  }, [agentId]);
  return <div className="pane-terminal" data-testid="pane-terminal" ref={hostRef} />;
}
