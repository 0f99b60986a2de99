import { useEffect, useRef, useState } from 'react';
import { useRepoStore } from '../../stores/repo-store';
import { useUiStore } from '../../stores/ui-store';
import { shortSha } from '../common/format';
import { PathField } from './path-field';
import { RecentList } from './recent-list';
import { browseAndOpen, loadRecent } from './repo-actions';
import { ShortcutHelp } from '../fleet/shortcut-help';
import { FleetSpend } from '../fleet/fleet-spend';
import { AttentionMenu, NotificationsToggle } from '../attention/attention-menu';
import './repo.css';

/**
 * The top bar: repository identity, path field, recent list, Browse…, then the fleet's spend,
 * attention list, notifications bell, New agent, settings and shortcut help.
 */
export function RepoBar() {
  const repo = useRepoStore((s) => s.repo);
  const recent = useRepoStore((s) => s.recent);
  const canPick = useRepoStore((s) => s.appInfo?.canPickFolder ?? false);
  const openOverlay = useUiStore((s) => s.open);
  const [recentOpen, setRecentOpen] = useState(false);
  const recentRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!recentOpen) return;
    const onDown = (e: MouseEvent) => {
      if (!recentRef.current?.contains(e.target as Node)) setRecentOpen(false);
    };
    window.addEventListener('mousedown', onDown);
    return () => window.removeEventListener('mousedown', onDown);
  }, [recentOpen]);

  return (
    <header className="top-bar">
      <div className="brand" title="Flotilla">
        <span className="brand-mark">◭</span>
        <span className="brand-name">Flotilla</span>
      </div>
      {repo ? (
        <div className="repo-identity">
          <span className="repo-title" data-testid="repo-title">
            {repo.name}
          </span>
          <span className="repo-branch" data-testid="repo-branch" title="Current branch of your checkout">
            <span className="branch-icon">⎇</span>
            {repo.currentBranch ?? `detached at ${shortSha(repo.headSha)}`}
          </span>
          <span className="repo-path" title={repo.path}>
            {/* rtl puts the ellipsis on the left; bdi keeps the path itself left-to-right. */}
            <bdi>{repo.path}</bdi>
          </span>
        </div>
      ) : null}
      <div className="top-bar-center">
        <PathField />
        <div className="dropdown" ref={recentRef}>
          <button
            className="ghost"
            title="Recent repositories"
            onClick={() => {
              if (!recentOpen) void loadRecent();
              setRecentOpen(!recentOpen);
            }}
          >
            Recent ▾
          </button>
          {recentOpen ? (
            <div className="dropdown-panel">
              <RecentList recent={recent} onPicked={() => setRecentOpen(false)} />
            </div>
          ) : null}
        </div>
        {canPick ? (
          <button data-testid="repo-browse-button" className="ghost" onClick={() => void browseAndOpen()}>
            Browse…
          </button>
        ) : null}
      </div>
      <div className="top-bar-right">
        {repo ? <FleetSpend key={repo.id} repoId={repo.id} /> : null}
        {repo ? <AttentionMenu /> : null}
        <NotificationsToggle />
        {repo ? (
          <button
            data-testid="new-agent-button"
            className="primary"
            title="New agent (Ctrl+Shift+N)"
            onClick={() => openOverlay({ kind: 'new-agent' })}
          >
            + New agent
          </button>
        ) : null}
        <button
          data-testid="settings-button"
          className="icon-button settings-button"
          title="Settings: providers, keys, prices, custom CLIs"
          aria-label="Settings"
          onClick={() => openOverlay({ kind: 'settings' })}
        >
          ⚙
        </button>
        <ShortcutHelp />
      </div>
    </header>
  );
}

/** The inline repository-open error under the top bar. */
export function RepoError() {
  const error = useRepoStore((s) => s.openError);
  const clear = useRepoStore((s) => s.setOpening);
  if (!error) return null;
  return (
    <div className="repo-error" data-testid="repo-error" role="alert">
      <span>{error}</span>
      <button className="icon-button" aria-label="Dismiss" onClick={() => clear(false)}>
        ×
      </button>
    </div>
  );
}
