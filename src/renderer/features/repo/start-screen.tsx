import { useRepoStore } from '../../stores/repo-store';
import { RecentList } from './recent-list';
import { browseAndOpen } from './repo-actions';

/** Shown before a repository is open: what to do, and the recent repositories. */
export function StartScreen() {
  const recent = useRepoStore((s) => s.recent);
  const canPick = useRepoStore((s) => s.appInfo?.canPickFolder ?? false);
  return (
    <div className="start-screen">
      <div className="start-card">
        <h1>Open a repository</h1>
        <p className="muted">
          Type a path in the field above{canPick ? ', or browse for a folder' : ''}. Each agent works on its own branch
          in its own worktree; your checkout is left alone.
        </p>
        {canPick ? (
          <button className="primary" onClick={() => void browseAndOpen()}>
            Browse for a folder…
          </button>
        ) : null}
        <h2>Recent</h2>
        <RecentList recent={recent} />
      </div>
    </div>
  );
}
