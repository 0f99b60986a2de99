/**
 * Token usage that coding CLIs record themselves, read from the per-agent config homes Flotilla
 * gives them (never the user's global ones). Formats checked against the real CLIs (Claude Code
 * 2.1.197, Codex 0.169.0, Gemini CLI 0.61.0) run against the fake provider with scripted usage:
 *
 * - Claude Code: `$CLAUDE_CONFIG_DIR/projects/<munged cwd>/<session>.jsonl` (subagents in folders
 *   below it). `type: "assistant"` lines carry `message.id`, `message.model` and `message.usage`;
 *   a reply with several content blocks is written as several lines with the same id and usage.
 * - Codex: `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl`. `token_usage_record` lines carry one
 *   response's `usage` and its `response_id`; the model is in the preceding `turn_context`. Older
 *   rollouts have only `event_msg`/`token_count` with `last_token_usage` and a running total.
 * - Gemini CLI: `$GEMINI_CLI_HOME/.gemini/tmp/<project>/chats/session-*.jsonl`, `type: "gemini"`
 *   lines with `tokens` and `model`, the same id written again when the record is updated.
 * - opencode keeps usage in a SQLite database instead: see opencode-usage.ts.
 *
 * Files are polled (usage is not latency-critical, and fs.watch is not recursive on Linux), read
 * from the last complete line, and every response is counted once by its id. Offsets, ids and each
 * rollout's model are saved to a small state file so a restarted watcher counts nothing twice.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { newCodexFileState, parseClaudeLine, parseCodexLine, parseGeminiLine, record, type CliUsage, type CodexFileState, type ParsedUsage } from "./cli-usage-lines";

export { newCodexFileState, parseClaudeLine, parseCodexLine, parseGeminiLine, type CliUsage, type CodexFileState, type ParsedUsage } from "./cli-usage-lines";


/** Options of a CliUsageWatcher. */
export interface CliUsageWatcherOptions {
  /** Catalog preset id (`claude-code`, `codex`, `gemini`); any other preset reports nothing here. */
  presetId: string;
  /** Config homes to scan, as usageDirsFor returns them. */
  dirs: string[];
  /** Called once per newly seen model response. */
  onUsage(u: CliUsage): void;
  /** How often the homes are scanned; default CLI_USAGE_POLL_MS. */
  pollMs?: number;
  /** Where offsets and seen ids are kept across restarts; default `<dirs[0]>/.flotilla-usage.json`. */
  stateFile?: string;
}

/** Default scan interval. */
export const CLI_USAGE_POLL_MS = 1000;

/** Seen ids kept in the state file; old ones only matter for a copied history, which is recent. */
const MAX_SAVED_IDS = 20_000;

type Format = "claude" | "codex" | "gemini";

const FORMAT_BY_PRESET: Record<string, Format> = {
  "claude-code": "claude",
  codex: "codex",
  gemini: "gemini",
};

/**
 * Where a preset's config home lives for one agent, matching buildCliLaunch: Claude Code's
 * CLAUDE_CONFIG_DIR and Codex's CODEX_HOME. They are set only when the agent uses a Flotilla
 * provider; without one nothing is written there and the watcher finds nothing, which is right:
 * the user's own login is not Flotilla's spend.
 */
export function usageDirsFor(presetId: string, stateDir: string): string[] {
  switch (FORMAT_BY_PRESET[presetId]) {
    case "claude":
      return [join(stateDir, "claude", "home")];
    case "codex":
      return [join(stateDir, "codex-home")];
    case "gemini":
      return [join(stateDir, "gemini", "home")];
    default:
      return [];
  }
}

/** Per-file progress; saved in the state file. */
interface FileProgress {
  /** Bytes consumed, always just after a newline. */
  offset: number;
  codex?: CodexFileState;
}

interface SavedState {
  version: 1;
  files: Record<string, FileProgress>;
  ids: string[];
}

/** Folders under a config home that hold the usage files, and how deep below them files sit. */
function roots(format: Format, home: string): { dir: string; depth: number }[] {
  switch (format) {
    case "claude":
      // projects/<cwd>/<session>.jsonl and projects/<cwd>/<session>/subagents/agent-*.jsonl
      return [{ dir: join(home, "projects"), depth: 4 }];
    case "codex":
      // sessions/YYYY/MM/DD/rollout-*.jsonl
      return [{ dir: join(home, "sessions"), depth: 4 }];
    case "gemini":
      // .gemini/tmp/<project>/chats/session-*.jsonl
      return [{ dir: join(home, ".gemini", "tmp"), depth: 3 }];
  }
}

function listJsonl(dir: string, depth: number, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name.endsWith(".jsonl")) out.push(path);
    else if (entry.isDirectory() && depth > 0) listJsonl(path, depth - 1, out);
  }
}

/**
 * Follows the usage files a CLI writes under its per-agent config homes and reports each model
 * response once, also across restarts of the watcher (offsets and ids are saved).
 */
export class CliUsageWatcher {
  private readonly format: Format | undefined;
  private readonly stateFile: string | null;
  private files: Record<string, FileProgress> = {};
  private ids = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private disposed = false;

  constructor(private readonly opts: CliUsageWatcherOptions) {
    this.format = FORMAT_BY_PRESET[opts.presetId];
    this.stateFile = opts.stateFile ?? (opts.dirs[0] ? join(opts.dirs[0], ".flotilla-usage.json") : null);
    this.load();
  }

  /** Starts scanning; what is already there is read first. */
  start(): void {
    if (this.disposed || this.timer || !this.format || this.opts.dirs.length === 0) return;
    this.timer = setInterval(() => void this.scan(), this.opts.pollMs ?? CLI_USAGE_POLL_MS);
    this.timer.unref?.();
    void this.scan();
  }

  /** Reads everything new now; resolves when done. For tests and for a final read before dispose. */
  async flush(): Promise<void> {
    if (this.scanning) await this.scanning;
    await this.scan();
  }

  /** Stops scanning. */
  dispose(): void {
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private scan(): Promise<void> {
    if (this.disposed || !this.format) return Promise.resolve();
    // One pass at a time; a tick during a slow pass is simply skipped.
    this.scanning ??= this.scanOnce(this.format).finally(() => {
      this.scanning = null;
    });
    return this.scanning;
  }

  private async scanOnce(format: Format): Promise<void> {
    const paths: string[] = [];
    for (const home of this.opts.dirs) for (const r of roots(format, home)) listJsonl(r.dir, r.depth, paths);
    let changed = false;
    for (const path of paths.sort()) {
      if (this.disposed) break;
      try {
        changed = (await this.readFile(format, path)) || changed;
      } catch {
        // A file removed or unreadable mid-read: the next pass tries again.
      }
    }
    if (changed && !this.disposed) this.save();
  }

  /** Reads the complete lines appended to one file; true when its progress moved. */
  private async readFile(format: Format, path: string): Promise<boolean> {
    const size = (await stat(path)).size;
    let progress = this.files[path];
    if (!progress || size < progress.offset) {
      // New, or rewritten shorter: read from the start; ids keep old responses from counting again.
      progress = { offset: 0, ...(format === "codex" ? { codex: newCodexFileState() } : {}) };
      this.files[path] = progress;
    }
    if (size === progress.offset) return false;
    const handle = await open(path, "r");
    let buffer: Buffer;
    try {
      buffer = Buffer.alloc(size - progress.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, progress.offset);
      buffer = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
    // Only complete lines; the partial last one is read again next time. Cutting at a newline byte
    // never splits a UTF-8 character.
    const end = buffer.lastIndexOf(0x0a);
    if (end < 0) return false;
    progress.offset += end + 1;
    for (const line of buffer.subarray(0, end).toString("utf8").split("\n")) {
      if (this.disposed) break;
      const parsed = this.parse(format, line, progress, path);
      if (!parsed || this.ids.has(parsed.id)) continue;
      this.ids.add(parsed.id);
      this.opts.onUsage(parsed.usage);
    }
    return true;
  }

  private parse(format: Format, line: string, progress: FileProgress, path: string): ParsedUsage | null {
    switch (format) {
      case "claude":
        return parseClaudeLine(line);
      case "gemini":
        return parseGeminiLine(line);
      case "codex": {
        progress.codex ??= newCodexFileState();
        const parsed = parseCodexLine(line, progress.codex);
        // A running total only identifies a response within its own file.
        if (parsed?.id.startsWith("codex-total:")) parsed.id = `${parsed.id}@${path}`;
        return parsed;
      }
    }
  }

  private load(): void {
    if (!this.stateFile) return;
    try {
      const saved = JSON.parse(readFileSync(this.stateFile, "utf8")) as Partial<SavedState>;
      if (saved.version !== 1) return;
      this.files = record(saved.files) ? (saved.files as Record<string, FileProgress>) : {};
      this.ids = new Set(Array.isArray(saved.ids) ? saved.ids.filter((id) => typeof id === "string") : []);
    } catch {
      // No state yet (or unreadable): start from the beginning.
    }
  }

  private save(): void {
    if (!this.stateFile) return;
    const ids = [...this.ids].slice(-MAX_SAVED_IDS);
    const state: SavedState = { version: 1, files: this.files, ids };
    try {
      mkdirSync(dirname(this.stateFile), { recursive: true });
      // Write then rename: a crash mid-write leaves the previous state, not half a file.
      const tmp = `${this.stateFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
      renameSync(tmp, this.stateFile);
    } catch {
      // Cannot persist: counting goes on; a restart may then count this pass again.
    }
  }
}
