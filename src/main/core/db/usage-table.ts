/**
 * Tokens and cost reported by model calls. Cost is priced when recorded, so editing a price later
 * does not rewrite what was already spent.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Usage } from '../../../shared/types';

/** One model call's (or one CLI report's) usage, as recorded. */
export interface UsageRecordInput {
  agentId: string;
  repoId: string;
  runId: number | null;
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** Null when no price was known for the model. */
  costUsd: number | null;
}

interface UsageAggregate {
  n: number;
  input_tokens: number | null;
  output_tokens: number | null;
  // SQLite's SUM skips NULLs and is NULL only when every row is: "known spend, or nothing known".
  cost_usd: number | null;
}

interface GroupedAggregate extends UsageAggregate {
  key: string;
}

function toUsage(r: UsageAggregate): Usage {
  return { inputTokens: r.input_tokens ?? 0, outputTokens: r.output_tokens ?? 0, costUsd: r.cost_usd };
}

const SUMS = 'COUNT(*) AS n, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(cost_usd) AS cost_usd';
// `? IS NULL OR repo_id = ?` lets one prepared statement serve "all repositories" and "this one".
const REPO_FILTER = 'WHERE (? IS NULL OR repo_id = ?)';

/** Statements over `usage`, prepared once. */
export class UsageTable {
  private readonly insertStmt: Statement<[string, string, number | null, string, string, number, number, number | null, number]>;
  private readonly forAgentStmt: Statement<[string], UsageAggregate>;
  private readonly forRunStmt: Statement<[number], UsageAggregate>;
  private readonly totalStmt: Statement<[string | null, string | null], UsageAggregate>;
  private readonly byProviderStmt: Statement<[string | null, string | null], GroupedAggregate>;
  private readonly byAgentStmt: Statement<[string | null, string | null], GroupedAggregate>;

  constructor(db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO usage (agent_id, repo_id, run_id, provider, model, input_tokens, output_tokens, cost_usd, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.forAgentStmt = db.prepare(`SELECT ${SUMS} FROM usage WHERE agent_id = ?`);
    this.forRunStmt = db.prepare(`SELECT ${SUMS} FROM usage WHERE run_id = ?`);
    this.totalStmt = db.prepare(`SELECT ${SUMS} FROM usage ${REPO_FILTER}`);
    this.byProviderStmt = db.prepare(`SELECT provider AS key, ${SUMS} FROM usage ${REPO_FILTER} GROUP BY provider ORDER BY provider`);
    this.byAgentStmt = db.prepare(`SELECT agent_id AS key, ${SUMS} FROM usage ${REPO_FILTER} GROUP BY agent_id ORDER BY MIN(id)`);
  }

  /** Appends one usage report. */
  insert(u: UsageRecordInput): void {
    this.insertStmt.run(u.agentId, u.repoId, u.runId, u.provider, u.model, u.inputTokens, u.outputTokens, u.costUsd, Date.now());
  }

  /** Totals over an agent's runs; null when nothing was recorded. */
  forAgent(agentId: string): Usage | null {
    const r = this.forAgentStmt.get(agentId)!;
    return r.n > 0 ? toUsage(r) : null;
  }

  /** Totals of one run; null when nothing was recorded. */
  forRun(runId: number): Usage | null {
    const r = this.forRunStmt.get(runId)!;
    return r.n > 0 ? toUsage(r) : null;
  }

  /** Totals, overall and grouped, for one repository or (repoId null) all of them. */
  summary(repoId: string | null): { total: Usage; byProvider: { provider: string; usage: Usage }[]; byAgent: { agentId: string; usage: Usage }[] } {
    return {
      total: toUsage(this.totalStmt.get(repoId, repoId)!),
      byProvider: this.byProviderStmt.all(repoId, repoId).map((r) => ({ provider: r.key, usage: toUsage(r) })),
      byAgent: this.byAgentStmt.all(repoId, repoId).map((r) => ({ agentId: r.key, usage: toUsage(r) })),
    };
  }
}
