/**
 * The side channel to Flotilla: JSON lines appended to FLOTILLA_REPORT, one per status change
 * and one per model response's usage. Never fails the agent.
 */
import { appendFileSync } from 'node:fs';

/** What the agent is doing, as Flotilla's fleet shows it. */
export type ReportedActivity = 'working' | 'waiting' | 'idle' | 'failed';

/** One line of the report file. */
export type ReportLine =
  | { type: 'status'; activity: ReportedActivity }
  | { type: 'usage'; provider: string; providerName: string; model: string; inputTokens: number; outputTokens: number };

/** Appends report lines to a file (or nowhere when no path is set). */
export class Reporter {
  private last: ReportedActivity | null = null;

  constructor(private readonly path: string | null) {}

  /** Records a status, skipping repeats. */
  status(activity: ReportedActivity): void {
    if (this.last === activity) return;
    this.last = activity;
    this.write({ type: 'status', activity });
  }

  /** Records one response's token usage. */
  usage(line: Omit<Extract<ReportLine, { type: 'usage' }>, 'type'>): void {
    this.write({ type: 'usage', ...line });
  }

  private write(line: ReportLine): void {
    if (!this.path) return;
    try {
      appendFileSync(this.path, `${JSON.stringify(line)}\n`);
    } catch {
      // The report is a convenience for the fleet view; the agent's work matters more.
    }
  }
}
