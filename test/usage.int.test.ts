import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FlotillaDb } from '../src/main/core/db';
import { AppError } from '../src/main/core/errors';
import { costUsd, DEFAULT_PRICES, FileSecretStore, findPrice, ProviderService } from '../src/main/core/providers';
import { makeTestDb } from './helpers/pty';

let db: FlotillaDb;
let cleanup: () => void;
let service: ProviderService;

beforeEach(() => {
  let dir: string;
  ({ db, dir, cleanup } = makeTestDb());
  service = new ProviderService(db, new FileSecretStore(join(dir, 'data'), {}));
});
afterEach(() => cleanup());

const call = (over: Partial<Parameters<ProviderService['recordUsage']>[0]>): Parameters<ProviderService['recordUsage']>[0] => ({
  agentId: 'agent-1',
  repoId: 'repo-1',
  processId: 1,
  provider: 'openai',
  model: 'gpt-5',
  inputTokens: 0,
  outputTokens: 0,
  ...over,
});

describe('pricing', () => {
  it('costs in/1e6 × input price + out/1e6 × output price', () => {
    // gpt-5: $1.25 in, $10 out per million tokens.
    expect(costUsd(DEFAULT_PRICES, 'gpt-5', 2_000_000, 500_000)).toBeCloseTo(2.5 + 5, 10);
    expect(costUsd(DEFAULT_PRICES, 'llama3.1', 1000, 1000)).toBeNull();
  });

  it('matches dated snapshots and Gemini’s models/ prefix to the longest priced name', () => {
    expect(findPrice(DEFAULT_PRICES, 'gpt-4o-mini-2024-07-18')?.model).toBe('gpt-4o-mini');
    expect(findPrice(DEFAULT_PRICES, 'gpt-4o-2024-08-06')?.model).toBe('gpt-4o');
    expect(findPrice(DEFAULT_PRICES, 'claude-sonnet-4-5-20250929')?.model).toBe('claude-sonnet-4-5');
    expect(findPrice(DEFAULT_PRICES, 'models/gemini-2.5-flash')?.model).toBe('gemini-2.5-flash');
    expect(findPrice(DEFAULT_PRICES, 'gpt-50')).toBeNull();
  });

  it('lists the defaults, and a user edit overrides one and adds another', () => {
    expect(service.listPrices().find((p) => p.model === 'gpt-5')).toEqual({ model: 'gpt-5', inputPerMTok: 1.25, outputPerMTok: 10 });
    const list = service.savePrice({ model: 'gpt-5', inputPerMTok: 2, outputPerMTok: 20 });
    expect(list.find((p) => p.model === 'gpt-5')).toEqual({ model: 'gpt-5', inputPerMTok: 2, outputPerMTok: 20 });
    service.savePrice({ model: 'llama3.1', inputPerMTok: 0, outputPerMTok: 0 });
    expect(service.listPrices().map((p) => p.model)).toContain('llama3.1');
    expect(service.listPrices()).toHaveLength(DEFAULT_PRICES.length + 1);
    expect(service.resetPrice('gpt-5').find((p) => p.model === 'gpt-5')?.inputPerMTok).toBe(1.25);
    expect(() => service.savePrice({ model: 'x', inputPerMTok: -1, outputPerMTok: 0 })).toThrow(AppError);
  });
});

describe('usage', () => {
  it('usageForAgent is null until something is recorded', () => {
    expect(service.usageForAgent('agent-1')).toBeNull();
    expect(service.usageForProcess(1)).toBeNull();
    expect(service.summary()).toEqual({ total: { inputTokens: 0, outputTokens: 0, costUsd: null }, byProvider: [], byAgent: [] });
  });

  it('records tokens priced with the default table, then with the user’s price for later calls', () => {
    service.recordUsage(call({ inputTokens: 1_000_000, outputTokens: 100_000 })); // 1.25 + 1.00
    expect(service.usageForAgent('agent-1')).toEqual({ inputTokens: 1_000_000, outputTokens: 100_000, costUsd: 2.25 });

    service.savePrice({ model: 'gpt-5', inputPerMTok: 3, outputPerMTok: 30 });
    service.recordUsage(call({ processId: 2, inputTokens: 1_000_000, outputTokens: 100_000 })); // 3 + 3
    const total = service.usageForAgent('agent-1')!;
    expect(total.inputTokens).toBe(2_000_000);
    expect(total.costUsd).toBeCloseTo(2.25 + 6, 10); // the first call keeps the price it was made at
    expect(service.usageForProcess(2)?.costUsd).toBeCloseTo(6, 10);
  });

  it('an unpriced model has null cost; totals sum the known costs and are null only when none is known', () => {
    service.recordUsage(call({ agentId: 'local', provider: 'ollama', model: 'llama3.1', inputTokens: 500, outputTokens: 50 }));
    expect(service.usageForAgent('local')).toEqual({ inputTokens: 500, outputTokens: 50, costUsd: null });
    expect(service.summary().total.costUsd).toBeNull();

    service.recordUsage(call({ agentId: 'local', provider: 'openai', model: 'gpt-5', inputTokens: 1_000_000, outputTokens: 0 }));
    expect(service.usageForAgent('local')).toEqual({ inputTokens: 1_000_500, outputTokens: 50, costUsd: 1.25 });
    expect(service.summary().byProvider).toEqual([
      { provider: 'ollama', usage: { inputTokens: 500, outputTokens: 50, costUsd: null } },
      { provider: 'openai', usage: { inputTokens: 1_000_000, outputTokens: 0, costUsd: 1.25 } },
    ]);
  });

  it('summarises by provider and by agent, for all repositories or one', () => {
    service.recordUsage(call({ agentId: 'a', repoId: 'r1', provider: 'openai', model: 'gpt-5-mini', inputTokens: 1_000_000, outputTokens: 1_000_000 })); // 0.25 + 2
    service.recordUsage(call({ agentId: 'b', repoId: 'r1', provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', inputTokens: 1_000_000, outputTokens: 0 })); // 3
    service.recordUsage(call({ agentId: 'a', repoId: 'r1', provider: 'openai', model: 'gpt-5-mini', inputTokens: 0, outputTokens: 500_000 })); // 1
    service.recordUsage(call({ agentId: 'c', repoId: 'r2', provider: 'google', model: 'gemini-2.5-flash', inputTokens: 1_000_000, outputTokens: 0 })); // 0.3

    const r1 = service.summary('r1');
    expect(r1.total.inputTokens).toBe(2_000_000);
    expect(r1.total.outputTokens).toBe(1_500_000);
    expect(r1.total.costUsd).toBeCloseTo(6.25, 10);
    expect(r1.byProvider.map((p) => [p.provider, p.usage.costUsd])).toEqual([
      ['anthropic', 3],
      ['openai', 3.25],
    ]);
    expect(r1.byAgent.map((a) => [a.agentId, a.usage.outputTokens])).toEqual([
      ['a', 1_500_000],
      ['b', 0],
    ]);

    const all = service.summary();
    expect(all.byProvider.map((p) => p.provider)).toEqual(['anthropic', 'google', 'openai']);
    expect(all.byAgent.map((a) => a.agentId)).toEqual(['a', 'b', 'c']);
    expect(all.total.costUsd).toBeCloseTo(6.55, 10);
    expect(service.summary('r2').byAgent).toEqual([{ agentId: 'c', usage: { inputTokens: 1_000_000, outputTokens: 0, costUsd: 0.3 } }]);
  });

  it('refuses negative or non-numeric token counts and records nothing', () => {
    expect(() => service.recordUsage(call({ inputTokens: -1 }))).toThrow(AppError);
    expect(() => service.recordUsage(call({ outputTokens: Number.NaN }))).toThrow(AppError);
    expect(service.usageForAgent('agent-1')).toBeNull();
  });
});
