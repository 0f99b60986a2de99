import { useEffect } from 'react';
import { getClient } from './transport';
import { useAgentsStore } from './stores/agents-store';
import { useRepoStore } from './stores/repo-store';
import { useUiStore } from './stores/ui-store';
import { call } from './features/common/call';
import { Toasts } from './features/common/toasts';
import { NewAgentDialog } from './features/agents/new-agent-dialog';
import { RemoveDialog } from './features/agents/remove-dialog';
import { ChangesView } from './features/changes/changes-view';
import { handleShortcut } from './features/fleet/shortcuts';
import { MergeDialog } from './features/merge/merge-dialog';
import { loadAgents, loadRecent, refreshBranch, restoreOpenRepo } from './features/repo/repo-actions';
import { RepoBar, RepoError } from './features/repo/repo-bar';
import { StartScreen } from './features/repo/start-screen';
import { installTerminalTestSeam } from './features/terminal/terminal-registry';
import { handleAgentChanged, installAttentionTracking } from './features/attention/attention-actions';
import { SettingsView } from './features/settings/settings-view';
import { LeftoversNotice } from './features/leftovers/leftovers-notice';
import { ViewRouter } from './features/views/view-router';

/** Subscribes the stores to the core's events for the app's lifetime. */
function useCoreEvents(): void {
  useEffect(() => {
    const client = getClient();
    const subscriptions = [
      client.onEvent('agents.changed', (agent) => {
        if (agent.repoId !== useRepoStore.getState().repo?.id) return;
        const previous = useAgentsStore.getState().byId[agent.id];
        useAgentsStore.getState().upsert(agent);
        handleAgentChanged(previous, agent);
      }),
      client.onEvent('agents.removed', ({ agentId }) => useAgentsStore.getState().remove(agentId)),
      client.onEvent('repos.changed', ({ repoId }) => void refreshBranch(repoId)),
    ];
    if (client.onConnectionChange) {
      let wasDisconnected = false;
      subscriptions.push(
        client.onConnectionChange((connected) => {
          useRepoStore.getState().setDisconnected(!connected);
          if (!connected) wasDisconnected = true;
          else if (wasDisconnected) {
            wasDisconnected = false;
            // Events were missed while offline: reload what they would have updated.
            const repo = useRepoStore.getState().repo;
            void loadAgents();
            if (repo) void refreshBranch(repo.id);
          }
        }),
      );
    }
    subscriptions.push(installAttentionTracking());
    return () => {
      for (const unsubscribe of subscriptions) unsubscribe();
    };
  }, []);
}

/** The window: top bar, the fleet or the start screen, overlays and toasts. */
export function App() {
  const repo = useRepoStore((s) => s.repo);
  const disconnected = useRepoStore((s) => s.disconnected);
  const overlay = useUiStore((s) => s.overlay);

  useCoreEvents();
  useEffect(() => {
    installTerminalTestSeam();
    void call('app.info', {}).then((r) => {
      if (r.ok) useRepoStore.getState().setAppInfo(r.value);
    });
    void loadRecent();
    void restoreOpenRepo();
    const onKeyDown = (e: KeyboardEvent) => void handleShortcut(e);
    window.addEventListener('keydown', onKeyDown, true);
    return () => window.removeEventListener('keydown', onKeyDown, true);
  }, []);

  useEffect(() => {
    document.title = repo ? `${repo.name} — Flotilla` : 'Flotilla';
  }, [repo]);

  return (
    <div className="app">
      <RepoBar />
      <RepoError />
      {repo ? <LeftoversNotice repoId={repo.id} /> : null}
      {disconnected ? (
        <div className="reconnect-bar" data-testid="reconnecting" role="status">
          <span className="spinner" /> Reconnecting…
        </div>
      ) : null}
      <main className="fleet-area">{repo ? <ViewRouter /> : <StartScreen />}</main>
      {overlay.kind === 'new-agent' ? <NewAgentDialog /> : null}
      {overlay.kind === 'settings' ? <SettingsView /> : null}
      {overlay.kind === 'changes' ? <ChangesView key={overlay.agentId} agentId={overlay.agentId} /> : null}
      {overlay.kind === 'merge' ? <MergeDialog key={overlay.agentId} agentId={overlay.agentId} /> : null}
      {overlay.kind === 'remove' ? <RemoveDialog key={overlay.agentId} agentId={overlay.agentId} /> : null}
      <Toasts />
    </div>
  );
}
