/**
 * What each agent is doing: working, waiting for the user, idle, exited or failed.
 *
 * Two sources, combined per agent:
 * - The CLI's own signals (hooks / notify lines from the report file). Once one arrives it wins
 *   until the user types again: a TUI redrawing while idle must not look like work. For an agent
 *   that reports its own status (hooks, Flotilla's agent) "working" holds too: a model request
 *   streams nothing for minutes, and that silence is work, not a question for the user.
 * - A fallback that reads no screen layout: output within the last `quietMs` means working; a
 *   running process that has been quiet for `quietMs` is waiting (a quiet interactive program —
 *   a CLI at its prompt, a shell — is waiting for the user). CLIs without a "working" signal
 *   (Codex's notify only reports turn ends) use the fallback after each user input.
 * The process state decides last: exit code 0 → exited, anything else → failed.
 */
import type { Activity } from "../../../shared/types";

/** How long without output before a running agent counts as waiting. */
export const DEFAULT_QUIET_MS = 2_500;

/**
 * How long after a resize output counts as the redraw it caused. Generous because on a loaded
 * machine the program may only get to its SIGWINCH handler a while later; typing ends it early.
 */
export const RESIZE_REDRAW_MS = 2_000;

/** What a running agent that has gone quiet is doing. */
export type QuietActivity = "waiting" | "idle";

interface AgentState {
  activity: Activity | null;
  /** The agent reports its own status, "working" included (hooks, Flotilla's agent). */
  hasHooks: boolean;
  /** A hook report holds until the next user input. */
  reported: boolean;
  lastOutputAt: number;
  /** Output before this time is a resize redraw, unless the agent was already working. */
  redrawUntil: number;
  quiet: QuietActivity;
  timer: NodeJS.Timeout | null;
  done: boolean;
}

/** Tracks agent activity and calls `onChange` on each change. */
export class ActivityTracker {
  private readonly agents = new Map<string, AgentState>();
  private readonly quietMs: number;
  private readonly resizeRedrawMs: number;

  constructor(
    private readonly onChange: (agentId: string, activity: Activity) => void,
    opts: { quietMs?: number; resizeRedrawMs?: number } = {},
  ) {
    this.quietMs = opts.quietMs ?? DEFAULT_QUIET_MS;
    this.resizeRedrawMs = opts.resizeRedrawMs ?? RESIZE_REDRAW_MS;
  }

  /**
   * The agent's process started: it is working (starting up) until it goes quiet. `quiet` is what
   * a quiet agent is: "waiting" for a CLI at its prompt, "idle" for a shell or command.
   * `reportsFirst`: the agent says its first status itself (Flotilla's agent reports "waiting" at
   * its prompt, "working" while its model answers), so silence before that report is start-up
   * work — on a loaded machine it can take longer than `quietMs` — not a question for the user.
   * CLIs with hooks say nothing until the user's first prompt, so for them silence still counts.
   */
  start(agentId: string, hasHooks: boolean, quiet: QuietActivity = "waiting", reportsFirst = false): void {
    this.forget(agentId);
    const state: AgentState = {
      activity: null,
      hasHooks,
      reported: hasHooks && reportsFirst,
      lastOutputAt: Date.now(),
      redrawUntil: 0,
      quiet,
      timer: null,
      done: false,
    };
    this.agents.set(agentId, state);
    this.set(agentId, state, "working");
    this.armQuietTimer(agentId, state);
  }

  /** The PTY produced output. O(1): a timestamp, at most one state change and one timer. */
  noteOutput(agentId: string): void {
    const state = this.agents.get(agentId);
    if (!state || state.done) return;
    const now = Date.now();
    if (state.activity !== "working" && now < state.redrawUntil) return;
    state.lastOutputAt = now;
    if (state.reported) return;
    if (state.activity !== "working") this.set(agentId, state, "working");
    if (!state.timer) this.armQuietTimer(agentId, state);
  }

  /** The user typed into the agent: a hook report no longer describes what happens next. */
  noteInput(agentId: string): void {
    const state = this.agents.get(agentId);
    if (!state || state.done) return;
    // Typing ahead while a self-reporting agent works changes nothing: it says when it stops.
    if (state.hasHooks && state.reported && state.activity === "working") return;
    state.reported = false;
    state.redrawUntil = 0;
    if (!state.timer) this.armQuietTimer(agentId, state);
  }

  /** The terminal was resized: the output it provokes for a while is a redraw, not work. */
  noteResize(agentId: string): void {
    const state = this.agents.get(agentId);
    if (!state || state.done) return;
    state.redrawUntil = Date.now() + this.resizeRedrawMs;
  }

  /** A status line from the CLI's hooks. */
  noteReport(agentId: string, activity: Activity): void {
    const state = this.agents.get(agentId);
    if (!state || state.done) return;
    if (activity === "exited" || activity === "failed") return; // only the process itself says it ended
    // Every report of a self-reporting agent holds; otherwise "working" lets the output
    // fallback take over again while waiting/idle hold.
    state.reported = state.hasHooks || activity !== "working";
    this.set(agentId, state, activity);
    if (activity === "working") {
      state.lastOutputAt = Date.now();
      if (!state.timer) this.armQuietTimer(agentId, state);
    }
  }

  /** The process exited: 0 → exited, anything else (or a signal) → failed. */
  noteExit(agentId: string, exitCode: number | null): void {
    const state = this.agents.get(agentId);
    if (!state) return;
    this.clearTimer(state);
    state.done = true;
    this.set(agentId, state, exitCode === 0 ? "exited" : "failed");
  }

  /** The current activity, or null for an unknown agent. */
  get(agentId: string): Activity | null {
    return this.agents.get(agentId)?.activity ?? null;
  }

  /** Stops tracking an agent (removed); no more callbacks for it. */
  forget(agentId: string): void {
    const state = this.agents.get(agentId);
    if (!state) return;
    this.clearTimer(state);
    this.agents.delete(agentId);
  }

  /** Stops every timer. */
  dispose(): void {
    for (const state of this.agents.values()) this.clearTimer(state);
    this.agents.clear();
  }

  private set(agentId: string, state: AgentState, activity: Activity): void {
    if (state.activity === activity) return;
    state.activity = activity;
    this.onChange(agentId, activity);
  }

  /** One timer per agent, re-armed for the remaining quiet time rather than per output chunk. */
  private armQuietTimer(agentId: string, state: AgentState): void {
    const due = state.lastOutputAt + this.quietMs - Date.now();
    state.timer = setTimeout(
      () => {
        state.timer = null;
        if (state.done || this.agents.get(agentId) !== state) return;
        const remaining = state.lastOutputAt + this.quietMs - Date.now();
        if (remaining > 0) {
          this.armQuietTimer(agentId, state);
          return;
        }
        if (!state.reported) this.set(agentId, state, state.quiet);
      },
      Math.max(0, due),
    );
    state.timer.unref?.();
  }

  private clearTimer(state: AgentState): void {
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
  }
}
