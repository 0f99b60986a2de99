import { useEffect, useState } from 'react';
import type { UsageSummary } from '../../../shared/types';
import { getClient } from '../../transport';
import { call } from '../common/call';
import { formatTokens, formatUsd } from '../common/format';
import { throttle } from '../common/throttle';
import './fleet-spend.css';

/** Agents report usage as they stream; the total need not follow every event. */
const SPEND_REFRESH_MS = 2000;

/** The header's total spend of the open repository's fleet, from `usage.summary`. */
export function FleetSpend({ repoId }: { repoId: string }) {
  const [summary, setSummary] = useState<UsageSummary | null>(null);

  useEffect(() => {
    let live = true;
    setSummary(null);
    const refresh = throttle(() => {
      void call('usage.summary', { repoId }).then((r) => {
        // Without usage tracking (an older core) the header simply shows no spend.
        if (live) setSummary(r.ok ? r.value : null);
      });
    }, SPEND_REFRESH_MS);
    refresh();
    const unsubscribe = getClient().onEvent('agents.changed', (agent) => {
      if (agent.repoId === repoId) refresh();
    });
    return () => {
      live = false;
      refresh.dispose();
      unsubscribe();
    };
  }, [repoId]);

  if (!summary) return null;
  const { total } = summary;
  const tokens = total.inputTokens + total.outputTokens;
  const providers = summary.byProvider.map((p) => `${p.provider}: ${p.usage.costUsd === null ? '?' : formatUsd(p.usage.costUsd)}`);
  return (
    <span
      className="fleet-spend"
      data-testid="fleet-spend"
      data-cost-usd={total.costUsd ?? ''}
      data-tokens={tokens}
      title={[`${total.inputTokens} input + ${total.outputTokens} output tokens`, ...providers].join('\n')}
    >
      {/* No price known for a model used: the tokens still count, the dollars cannot. */}
      <span className="muted">Spend</span> {total.costUsd !== null ? formatUsd(total.costUsd) : tokens === 0 ? formatUsd(0) : '—'}
      <span className="muted"> · {formatTokens(tokens)} tok</span>
    </span>
  );
}
