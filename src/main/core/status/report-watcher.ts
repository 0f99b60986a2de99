/**
 * Tails an agent's report file: JSON lines appended by the CLI's hooks (status) and by
 * Flotilla's own agent or a CLI wrapper (usage). fs.watch for promptness, a poll because
 * fs.watch misses events on some filesystems and cannot watch a file that does not exist yet.
 */
import { watch, type FSWatcher } from "node:fs";
import { open, stat } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { z } from "zod";
import { ACTIVITIES } from "../../../shared/types";

/** How often the file is checked when fs.watch says nothing. */
export const REPORT_POLL_MS = 500;
/** A line longer than this is garbage, not a report: dropped. */
const MAX_LINE_BYTES = 64 * 1024;

const reportLineSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("status"), activity: z.enum(ACTIVITIES) }),
  z.object({
    type: z.literal("usage"),
    provider: z.string(),
    model: z.string(),
    inputTokens: z.number().nonnegative(),
    outputTokens: z.number().nonnegative(),
  }),
]);

/** One understood line of a report file; anything else is ignored. */
export type ReportLine = z.infer<typeof reportLineSchema>;

/** Parses one line; null for blank, malformed or unknown lines. */
export function parseReportLine(line: string): ReportLine | null {
  const text = line.trim();
  if (!text) return null;
  try {
    const parsed = reportLineSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Follows a JSONL file from its start, calling `onLine` for each complete, understood line. */
export class ReportWatcher {
  private offset = 0;
  private partial = "";
  /** Keeps a multi-byte character split across two reads whole. */
  private decoder = new StringDecoder("utf8");
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The read pass in progress; a request during it makes it read once more. */
  private pass: Promise<void> | null = null;
  private again = false;
  private disposed = false;

  constructor(
    private readonly file: string,
    private readonly onLine: (line: ReportLine) => void,
  ) {}

  /** Starts following; reads what is already there first. */
  start(): void {
    if (this.disposed || this.timer) return;
    this.timer = setInterval(() => void this.read(), REPORT_POLL_MS);
    this.timer.unref?.();
    try {
      // Watch the folder: the file may not exist yet, and appends by other processes are seen.
      const name = basename(this.file);
      this.watcher = watch(
        dirname(this.file),
        { persistent: false },
        (_event, changed) => {
          if (!changed || changed.toString() === name) void this.read();
        },
      );
      this.watcher.on("error", () => this.closeWatcher());
    } catch {
      // No folder yet or no inotify: the poll still works.
    }
    void this.read();
  }

  /** Reads everything written so far; resolves when that is done (the final read after an exit). */
  async flush(): Promise<void> {
    await this.read();
  }

  /** True once stopped: it reads nothing more. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Stops following. */
  dispose(): void {
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.closeWatcher();
  }

  private closeWatcher(): void {
    this.watcher?.close();
    this.watcher = null;
  }

  /** Reads from the last offset to the end; a request during a pass makes that pass read once more. */
  private read(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.pass) {
      this.again = true;
      return this.pass;
    }
    this.pass = (async () => {
      try {
        do {
          this.again = false;
          await this.readOnce();
        } while (this.again && !this.disposed);
      } finally {
        this.pass = null;
      }
    })();
    return this.pass;
  }

  private async readOnce(): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.file)).size;
    } catch {
      return;
    }
    if (size < this.offset) {
      // Truncated or replaced: start over.
      this.offset = 0;
      this.partial = "";
      this.decoder = new StringDecoder("utf8");
    }
    if (size === this.offset) return;
    const handle = await open(this.file, "r");
    try {
      const length = size - this.offset;
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, this.offset);
      this.offset += bytesRead;
      this.consume(this.decoder.write(buffer.subarray(0, bytesRead)));
    } finally {
      await handle.close();
    }
  }

  private consume(text: string): void {
    const lines = (this.partial + text).split("\n");
    // The last piece has no newline yet: keep it for the next read.
    this.partial = lines.pop() ?? "";
    if (this.partial.length > MAX_LINE_BYTES) this.partial = "";
    for (const line of lines) {
      if (this.disposed) return;
      const parsed = parseReportLine(line);
      if (parsed) this.onLine(parsed);
    }
  }
}
