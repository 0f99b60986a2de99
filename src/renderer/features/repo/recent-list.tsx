import type { RepoInfo } from '../../../shared/types';
import { openRepo } from './repo-actions';

/** Recent repositories, newest first; each item opens its repository. */
export function RecentList({ recent, onPicked }: { recent: RepoInfo[]; onPicked?: () => void }) {
  if (recent.length === 0) return <div className="muted small">No recent repositories yet.</div>;
  return (
    <ul className="recent-list">
      {recent.map((r) => (
        <li key={r.id}>
          <button
            data-testid="recent-repo"
            data-path={r.path}
            className="recent-item"
            title={r.path}
            onClick={() => {
              onPicked?.();
              void openRepo(r.path);
            }}
          >
            <span className="recent-name">{r.name}</span>
            <span className="recent-path">{r.path}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
