import { execFileSync } from "node:child_process";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { reportCommand } from "../src/main/core/catalog";
import { ReportWatcher, type ReportLine } from "../src/main/core/status";
import { tempDir } from "./helpers/repo";
import { dirTracker } from "./helpers/tracking";

const track = dirTracker();
const watchers: ReportWatcher[] = [];
afterEach(() => {
  for (const w of watchers.splice(0)) w.dispose();
});

async function until(
  predicate: () => boolean,
  timeoutMs = 5_000,
): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs)
      throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

function watch(file: string): ReportLine[] {
  const lines: ReportLine[] = [];
  const w = new ReportWatcher(file, (l) => lines.push(l));
  watchers.push(w);
  w.start();
  return lines;
}

describe("ReportWatcher", () => {
  it("reads lines appended to a file that did not exist when it started, including a line written in two parts", async () => {
    const dir = track(tempDir());
    const file = join(dir, "report.jsonl");
    const lines = watch(file);
    appendFileSync(
      file,
      '{"type":"status","activity":"working"}\n{"type":"usage","provider":"openai","mod',
    );
    await until(() => lines.length === 1);
    expect(lines[0]).toEqual({ type: "status", activity: "working" });
    await new Promise((r) => setTimeout(r, 100));
    expect(lines).toHaveLength(1); // the half line waits for its end
    appendFileSync(
      file,
      'el":"gpt","inputTokens":12,"outputTokens":3}\nnot json\n{"type":"status","activity":"idle"}\n',
    );
    await until(() => lines.length === 3);
    expect(lines[1]).toEqual({
      type: "usage",
      provider: "openai",
      model: "gpt",
      inputTokens: 12,
      outputTokens: 3,
    });
    expect(lines[2]).toEqual({ type: "status", activity: "idle" });
  });

  it("reads what is already in the file and starts over when the file is truncated", async () => {
    const dir = track(tempDir());
    const file = join(dir, "report.jsonl");
    writeFileSync(file, '{"type":"status","activity":"waiting"}\n');
    const lines = watch(file);
    await until(() => lines.length === 1);
    writeFileSync(file, '{"type":"status","activity":"idle"}\n');
    await until(() => lines.length === 2);
    expect(
      lines.map((l) => (l.type === "status" ? l.activity : l.type)),
    ).toEqual(["waiting", "idle"]);
  });

  it("receives the status lines written by the hook command the catalog gives CLIs", async () => {
    const dir = track(tempDir("flotilla it's-"));
    const file = join(dir, "report.jsonl");
    const lines = watch(file);
    execFileSync("sh", ["-c", reportCommand(file, "waiting")]);
    const out = execFileSync("sh", ["-c", reportCommand(file, "idle", true)], {
      encoding: "utf8",
    });
    expect(out).toBe("{}");
    await until(() => lines.length === 2);
    expect(lines).toEqual([
      { type: "status", activity: "waiting" },
      { type: "status", activity: "idle" },
    ]);
  });
});
