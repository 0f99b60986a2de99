import { useEffect, useMemo, useRef, useState } from 'react';
import { useAgentsStore } from '../../stores/agents-store';
import { useAttentionStore } from '../../stores/attention-store';
import { jumpToAgent } from '../fleet/pane-focus';
import { attentionItems, type AttentionReason } from './attention';
import { notificationPermission, toggleNotifications } from './attention-actions';
import './attention.css';

const REASON_LABEL: Record<AttentionReason, string> = {
  waiting: 'waiting for you',
  failed: 'failed',
  exited: 'finished',
};

/** The header's attention control: a count of agents that need the user, and the list of them. */
export function AttentionMenu() {
  const order = useAgentsStore((s) => s.order);
  const byId = useAgentsStore((s) => s.byId);
  const unseenExits = useAttentionStore((s) => s.unseenExits);
  const items = useMemo(() => attentionItems(order, byId, unseenExits), [order, byId, unseenExits]);
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    window.addEventListener('mousedown', onDown);
    return () => window.removeEventListener('mousedown', onDown);
  }, [open]);

  return (
    <div className="dropdown" ref={ref}>
      <button
        data-testid="attention-button"
        className={items.length > 0 ? 'attention-button has-items' : 'attention-button ghost'}
        title="Agents that need you (Ctrl+Shift+A jumps to the next)"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        Needs you
        <span className="count-badge" data-testid="attention-count" data-count={items.length}>
          {items.length}
        </span>
      </button>
      {open ? (
        <div className="dropdown-panel right attention-panel" data-testid="attention-list" role="menu">
          {items.length === 0 ? (
            <div className="muted pad">Nothing needs you right now.</div>
          ) : (
            <ul className="attention-items">
              {items.map((item) => {
                const agent = byId[item.agentId];
                return (
                  <li key={item.agentId}>
                    <button
                      className="attention-item"
                      data-testid="attention-item"
                      data-agent-id={item.agentId}
                      data-reason={item.reason}
                      role="menuitem"
                      onClick={() => {
                        setOpen(false);
                        jumpToAgent(item.agentId);
                        useAttentionStore.getState().acknowledge(item.agentId);
                      }}
                    >
                      <span className={`status-dot attention-${item.reason}`} aria-hidden="true" />
                      <span className="attention-name">{agent?.name ?? item.agentId}</span>
                      <span className={`attention-reason attention-${item.reason}`}>{REASON_LABEL[item.reason]}</span>
                    </button>
                  </li>
                );
              })}
            </ul>
          )}
          <div className="attention-foot muted small">
            <kbd>Ctrl+Shift+A</kbd> jumps to the next one.
          </div>
        </div>
      ) : null}
    </div>
  );
}

/** The bell: turns desktop/browser notifications on (asking permission once) or off. */
export function NotificationsToggle() {
  const enabled = useAttentionStore((s) => s.notificationsEnabled);
  const permission = notificationPermission();
  const on = enabled && permission === 'granted';
  const title = on
    ? 'Notifications on: click to turn off'
    : permission === 'denied'
      ? 'Notifications are blocked for this page in the browser’s settings'
      : 'Notify me when an agent waits for me, finishes or fails';
  return (
    <button
      data-testid="notifications-toggle"
      className={on ? 'icon-button bell on' : 'icon-button bell'}
      title={title}
      aria-label={title}
      aria-pressed={on}
      onClick={() => void toggleNotifications()}
    >
      <BellIcon on={on} />
    </button>
  );
}

/** A bell drawn inline: emoji fonts are missing on many Linux machines. */
function BellIcon({ on }: { on: boolean }) {
  return (
    <svg width="15" height="15" viewBox="0 0 16 16" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.4">
      <path d="M4 11.5V7a4 4 0 0 1 8 0v4.5l1.2 1.3H2.8z" fill={on ? 'currentColor' : 'none'} strokeLinejoin="round" />
      <path d="M6.5 14a1.6 1.6 0 0 0 3 0" strokeLinecap="round" />
      {on ? null : <path d="M2.5 2.5l11 11" strokeLinecap="round" />}
    </svg>
  );
}
