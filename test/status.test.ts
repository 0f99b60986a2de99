import { afterEach, describe, expect, it, vi } from "vitest";
import type { Activity } from "../src/shared/types";
import { ActivityTracker, parseReportLine } from "../src/main/core/status";
import { sleep } from "./helpers/pty";

const QUIET_MS = 200;
const trackers: ActivityTracker[] = [];
afterEach(() => {
  for (const t of trackers.splice(0)) t.dispose();
});

function tracker(): { t: ActivityTracker; seen: Array<[string, Activity]> } {
  const seen: Array<[string, Activity]> = [];
  const t = new ActivityTracker((id, a) => seen.push([id, a]), {
    quietMs: QUIET_MS,
  });
  trackers.push(t);
  return { t, seen };
}

describe("ActivityTracker", () => {
  it("is working while output flows and waiting once the agent has been quiet", async () => {
    const { t, seen } = tracker();
    t.start("a", false);
    expect(t.get("a")).toBe("working");
    for (let i = 0; i < 5; i++) {
      await sleep(QUIET_MS / 3);
      t.noteOutput("a");
    }
    expect(t.get("a")).toBe("working");
    await sleep(QUIET_MS * 2.5);
    expect(t.get("a")).toBe("waiting");
    t.noteOutput("a");
    expect(t.get("a")).toBe("working");
    // Each change is reported once, not once per output chunk.
    expect(seen).toEqual([
      ["a", "working"],
      ["a", "waiting"],
      ["a", "working"],
    ]);
  });

  it("lets hook reports win over output until the user types again", async () => {
    const { t } = tracker();
    t.start("a", true);
    t.noteReport("a", "idle");
    t.noteOutput("a"); // a TUI redraw, not work
    expect(t.get("a")).toBe("idle");
    await sleep(QUIET_MS * 2);
    expect(t.get("a")).toBe("idle");
    t.noteInput("a");
    t.noteOutput("a");
    expect(t.get("a")).toBe("working");
    t.noteReport("a", "waiting");
    await sleep(QUIET_MS * 2);
    expect(t.get("a")).toBe("waiting");
  });

  it('treats a "working" report from an agent without hooks as work that falls back to waiting when it goes quiet', async () => {
    const { t } = tracker();
    t.start("a", false);
    t.noteReport("a", "idle");
    t.noteReport("a", "working");
    expect(t.get("a")).toBe("working");
    await sleep(QUIET_MS * 2.5);
    expect(t.get("a")).toBe("waiting");
  });

  it("marks exit code 0 as exited and anything else as failed, and ignores later signals", () => {
    const { t } = tracker();
    t.start("ok", false);
    t.start("bad", false);
    t.start("killed", false);
    t.noteExit("ok", 0);
    t.noteExit("bad", 2);
    t.noteExit("killed", null);
    expect([t.get("ok"), t.get("bad"), t.get("killed")]).toEqual([
      "exited",
      "failed",
      "failed",
    ]);
    t.noteOutput("ok");
    t.noteReport("ok", "working");
    expect(t.get("ok")).toBe("exited");
  });

  it("stops reporting an agent it was told to forget", async () => {
    const { t, seen } = tracker();
    t.start("a", false);
    t.forget("a");
    await sleep(QUIET_MS * 2);
    expect(seen).toEqual([["a", "working"]]);
    expect(t.get("a")).toBeNull();
  });
});

describe("ActivityTracker: resizes and quiet shells", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function fakeTracker(): { t: ActivityTracker; seen: Activity[] } {
    vi.useFakeTimers();
    const seen: Activity[] = [];
    const t = new ActivityTracker((_id, a) => seen.push(a), { quietMs: 1_000, resizeRedrawMs: 500 });
    trackers.push(t);
    return { t, seen };
  }

  it("does not count the redraw a resize causes as work", () => {
    const { t, seen } = fakeTracker();
    t.start("sh", false, "idle");
    vi.advanceTimersByTime(1_500);
    expect(t.get("sh")).toBe("idle");
    for (let i = 0; i < 5; i++) {
      t.noteResize("sh");
      vi.advanceTimersByTime(100);
      t.noteOutput("sh"); // bash repainting its prompt
      vi.advanceTimersByTime(100);
    }
    vi.advanceTimersByTime(2_000);
    expect(t.get("sh")).toBe("idle");
    expect(seen).toEqual(["working", "idle"]);
  });

  it("counts output as work again once the redraw window is over, or as soon as the user types", () => {
    const { t } = fakeTracker();
    t.start("sh", false, "idle");
    vi.advanceTimersByTime(1_500);
    t.noteResize("sh");
    vi.advanceTimersByTime(600);
    t.noteOutput("sh");
    expect(t.get("sh")).toBe("working");
    vi.advanceTimersByTime(1_500);
    expect(t.get("sh")).toBe("idle");
    t.noteResize("sh");
    t.noteInput("sh");
    t.noteOutput("sh");
    expect(t.get("sh")).toBe("working");
  });

  it("keeps an agent that reports its first status itself working until it does, however slow its start", () => {
    const { t } = fakeTracker();
    t.start("own", true, "waiting", true);
    t.start("hooks", true);
    vi.advanceTimersByTime(10_000); // a loaded machine: no output, no report yet
    expect(t.get("own")).toBe("working");
    expect(t.get("hooks")).toBe("waiting"); // a hooks CLI at its first prompt reports nothing
    t.noteInput("own"); // typing ahead during start-up changes nothing
    vi.advanceTimersByTime(10_000);
    expect(t.get("own")).toBe("working");
    t.noteReport("own", "waiting");
    expect(t.get("own")).toBe("waiting");
  });

  it("calls a quiet shell idle and a quiet CLI waiting", () => {
    const { t } = fakeTracker();
    t.start("sh", false, "idle");
    t.start("cli", false);
    vi.advanceTimersByTime(1_500);
    expect(t.get("sh")).toBe("idle");
    expect(t.get("cli")).toBe("waiting");
  });
});

describe("parseReportLine", () => {
  it("understands status and usage lines and ignores anything else", () => {
    expect(parseReportLine('{"type":"status","activity":"waiting"}')).toEqual({
      type: "status",
      activity: "waiting",
    });
    expect(
      parseReportLine(
        '{"type":"usage","provider":"anthropic","model":"m","inputTokens":10,"outputTokens":2}',
      ),
    ).toMatchObject({
      type: "usage",
      inputTokens: 10,
    });
    expect(
      parseReportLine('{"type":"status","activity":"dancing"}'),
    ).toBeNull();
    expect(parseReportLine('{"type":"other"}')).toBeNull();
    expect(parseReportLine("not json")).toBeNull();
    expect(parseReportLine("   ")).toBeNull();
  });
});
