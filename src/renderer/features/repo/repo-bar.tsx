import { useEffect, useRef, useState } from 'react';
import { useRepoStore } from '../../stores/repo-store';
import { useUiStore } from '../../stores/ui-store';
import { shortSha } from '../common/format';
import { PathField } from './path-field';
import { RecentList } from './recent-list';
import { browseAndOpen, loadRecent } from './repo-actions';
import { ShortcutHelp } from '../fleet/shortcut-help';

/** The top bar: repository identity, path field, recent list, Browse…, New agent. */
export function RepoBar() {
  const repo = useRepoStore((s) => s.repo);
  const recent = useRepoStore((s) => s.recent);
  const canPick = useRepoStore((s) => s.appInfo?.canPickFolder ?? false);
  const openNewAgent = useUiStore((s) => s.open);
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
        {repo ? (
          <button
            data-testid="new-agent-button"
            className="primary"
            title="New agent (Ctrl+Shift+N)"
            onClick={() => openNewAgent({ kind: 'new-agent' })}
          >
            + New agent
          </button>
        ) : null}
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
