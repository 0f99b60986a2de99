/**
 * Tokens and cost reported by model calls. Cost is priced when recorded, so editing a price later
 * does not rewrite what was already spent.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Usage } from '../../../shared/types';

/**
 * One model call's (or one CLI report's) usage, as recorded. It belongs to an agent, an attempt
 * or a verification (at least one); an agent's usage also counts for the agent's attempt.
 */
export interface UsageRecordInput {
  agentId: string | null;
  /** Defaults to the agent's attempt. */
  attemptId?: string | null;
  verificationId?: string | null;
  repoId: string;
  /** The agent's process that spent it, when an agent did. */
  processId: number | null;
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** Null when no price was known for the model. */
  costUsd: number | null;
}

interface UsageRecord {
  agent_id: string | null;
  attempt_id: string | null;
  verification_id: string | null;
  repo_id: string;
  process_id: number | null;
  provider: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  created_at: number;
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
  private readonly insertStmt: Statement<[UsageRecord]>;
  private readonly forAgentStmt: Statement<[string], UsageAggregate>;
  private readonly forAttemptStmt: Statement<[string], UsageAggregate>;
  private readonly forProcessStmt: Statement<[number], UsageAggregate>;
  private readonly totalStmt: Statement<[string | null, string | null], UsageAggregate>;
  private readonly byProviderStmt: Statement<[string | null, string | null], GroupedAggregate>;
  private readonly byAgentStmt: Statement<[string | null, string | null], GroupedAggregate>;

  constructor(db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO usage (agent_id, attempt_id, verification_id, repo_id, process_id, provider, model, input_tokens,
         output_tokens, cost_usd, created_at)
       VALUES (@agent_id, COALESCE(@attempt_id, (SELECT attempt_id FROM agents WHERE id = @agent_id)), @verification_id, @repo_id,
         @process_id, @provider, @model, @input_tokens, @output_tokens, @cost_usd, @created_at)`,
    );
    this.forAgentStmt = db.prepare(`SELECT ${SUMS} FROM usage WHERE agent_id = ?`);
    this.forAttemptStmt = db.prepare(`SELECT ${SUMS} FROM usage WHERE attempt_id = ?`);
    this.forProcessStmt = db.prepare(`SELECT ${SUMS} FROM usage WHERE process_id = ?`);
    this.totalStmt = db.prepare(`SELECT ${SUMS} FROM usage ${REPO_FILTER}`);
    this.byProviderStmt = db.prepare(`SELECT provider AS key, ${SUMS} FROM usage ${REPO_FILTER} GROUP BY provider ORDER BY provider`);
    this.byAgentStmt = db.prepare(
      `SELECT agent_id AS key, ${SUMS} FROM usage ${REPO_FILTER} AND agent_id IS NOT NULL GROUP BY agent_id ORDER BY MIN(id)`,
    );
  }

  /** Appends one usage report; refuses one that names no owner. */
  insert(u: UsageRecordInput): void {
    if (!u.agentId && !u.attemptId && !u.verificationId) throw new Error('A usage record needs an owner: an agent, an attempt or a verification.');
    this.insertStmt.run({
      agent_id: u.agentId,
      attempt_id: u.attemptId ?? null,
      verification_id: u.verificationId ?? null,
      repo_id: u.repoId,
      process_id: u.processId,
      provider: u.provider,
      model: u.model,
      input_tokens: u.inputTokens,
      output_tokens: u.outputTokens,
      cost_usd: u.costUsd,
      created_at: Date.now(),
    });
  }

  /** Totals over an agent's processes; null when nothing was recorded. */
  forAgent(agentId: string): Usage | null {
    const r = this.forAgentStmt.get(agentId)!;
    return r.n > 0 ? toUsage(r) : null;
  }

  /** Totals of an attempt (its agents' usage and its own); null when nothing was recorded. */
  forAttempt(attemptId: string): Usage | null {
    const r = this.forAttemptStmt.get(attemptId)!;
    return r.n > 0 ? toUsage(r) : null;
  }

  /** Totals of one process; null when nothing was recorded. */
  forProcess(processId: number): Usage | null {
    const r = this.forProcessStmt.get(processId)!;
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
