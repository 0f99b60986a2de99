/**
 * The catalog of coding CLIs: built-in presets plus the user's custom entries, each with
 * whether it is installed and its version (read with `--version`, cached briefly).
 */
import { execFile, type ChildProcess } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import type { CatalogEntry, ProviderKind } from "../../../shared/types";
import type { FlotillaDb } from "../db";
import { AppError } from "../errors";
import { shellQuote } from "./launch";
import { CLI_PRESETS, customPreset, type CliPreset } from "./presets";

/**
 * How long `list()` waits for a CLI's `--version`. A slower CLI is listed as installed with no
 * version yet, and its version shows once the probe answers.
 */
export const VERSION_WAIT_MS = 5_000;
/**
 * How long a `--version` may run before it is stopped. Generous: a CLI that boots a large
 * JavaScript bundle (Gemini CLI) can take many seconds to answer on a busy machine.
 */
export const VERSION_TIMEOUT_MS = 60_000;
/** How long the user's shell may take to say whether it can run a custom command's first word. */
export const SHELL_CHECK_TIMEOUT_MS = 15_000;
/** How long detection results are reused: the dialog opens often, CLIs are installed rarely. */
export const DETECTION_CACHE_MS = 30_000;

interface Detection {
  installed: boolean;
  version: string | null;
}

/** Finds `command` on PATH (or checks it as a path); returns its full path or null. */
export function findExecutable(
  command: string,
  pathEnv: string | undefined = process.env.PATH,
): string | null {
  const isFile = (p: string) => {
    try {
      if (!statSync(p).isFile()) return false;
      if (process.platform !== "win32") accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (command.includes("/") || isAbsolute(command))
    return isFile(command) ? command : null;
  const exts =
    process.platform === "win32"
      ? (process.env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";")
      : [""];
  for (const dir of (pathEnv ?? "").split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = join(dir, command + ext);
      if (isFile(candidate)) return candidate;
    }
  }
  return null;
}

/** Picks a version number out of a CLI's `--version` output ("2.1.197 (Claude Code)" → "2.1.197"). */
export function parseVersion(output: string): string | null {
  const match = /\d+\.\d+(?:\.\d+)?(?:[-+][0-9A-Za-z.-]+)?/.exec(output);
  if (match) return match[0];
  const first = output.trim().split("\n")[0]?.trim();
  return first ? first.slice(0, 40) : null;
}

/** The first word of a shell command line, to check a custom entry's program is on PATH. */
function firstWord(commandLine: string): string {
  return (
    commandLine
      .trim()
      .split(/\s+/)[0]
      ?.replace(/^['"]|['"]$/g, "") ?? ""
  );
}

/**
 * Shell grammar a custom command line may start with, which `command -v` cannot judge: the
 * user's shell runs the line itself. Commands and builtins are asked of the shell instead.
 */
const SHELL_GRAMMAR = new Set(["for", "while", "until", "if", "case", "select", "function", "{", "(", "((", "!", "[[", "time"]);

/** The coding-CLI catalog service. */
interface CacheEntry {
  at: number;
  value: Promise<Detection>;
}

export class CatalogService {
  private readonly cache = new Map<string, CacheEntry>();
  /** Probes and shell checks running now, stopped by dispose(). */
  private readonly children = new Set<ChildProcess>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly cacheMs: number;
  private readonly versionWaitMs: number;

  constructor(
    private readonly db: FlotillaDb,
    opts: { env?: NodeJS.ProcessEnv; cacheMs?: number; versionWaitMs?: number } = {},
  ) {
    this.env = opts.env ?? process.env;
    this.cacheMs = opts.cacheMs ?? DETECTION_CACHE_MS;
    this.versionWaitMs = opts.versionWaitMs ?? VERSION_WAIT_MS;
  }

  /** Presets then custom entries, each with installed/version. */
  async list(): Promise<CatalogEntry[]> {
    const presets = [
      ...CLI_PRESETS,
      ...this.db.customCli.list().map(customPreset),
    ];
    return Promise.all(
      presets.map(async (p) => toEntry(p, await this.detect(p))),
    );
  }

  /** Adds or replaces a custom entry; a preset's id cannot be taken. */
  async saveCustom(e: {
    id: string;
    name: string;
    command: string;
    providerKind: ProviderKind | null;
  }): Promise<CatalogEntry[]> {
    if (CLI_PRESETS.some((p) => p.id === e.id)) {
      throw new AppError(
        "invalid-name",
        `"${e.id}" is a built-in entry. Choose another id for your custom CLI.`,
      );
    }
    if (!e.command.trim())
      throw new AppError(
        "invalid-params",
        "Enter the command line that starts the CLI.",
      );
    this.db.customCli.upsert({
      id: e.id,
      name: e.name.trim() || e.id,
      command: e.command.trim(),
      providerKind: e.providerKind,
    });
    this.cache.delete(e.id);
    return this.list();
  }

  /** Removes a custom entry. */
  async removeCustom(id: string): Promise<CatalogEntry[]> {
    if (CLI_PRESETS.some((p) => p.id === id))
      throw new AppError(
        "invalid-params",
        `"${id}" is built in and cannot be removed.`,
      );
    if (!this.db.customCli.remove(id))
      throw new AppError("not-found", `There is no custom CLI "${id}".`);
    this.cache.delete(id);
    return this.list();
  }

  /** The preset (or custom entry) with this id. */
  get(id: string): CliPreset | undefined {
    const preset = CLI_PRESETS.find((p) => p.id === id);
    if (preset) return preset;
    const row = this.db.customCli.get(id);
    return row ? customPreset(row) : undefined;
  }

  /** Stops version probes and shell checks still running. */
  dispose(): void {
    for (const child of this.children) child.kill("SIGKILL");
    this.children.clear();
  }

  private detect(preset: CliPreset): Promise<Detection> {
    const key = preset.id;
    const cached = this.cache.get(key);
    const now = Date.now();
    if (cached && now - cached.at < this.cacheMs) return cached.value;
    const entry: CacheEntry = { at: now, value: Promise.resolve({ installed: false, version: null }) };
    entry.value = this.detectNow(preset, (late) => {
      // A probe that answered after `list()` stopped waiting: remember its version.
      if (this.cache.get(key) === entry) this.cache.set(key, { at: Date.now(), value: Promise.resolve(late) });
    });
    this.cache.set(key, entry);
    return entry.value;
  }

  private async detectNow(preset: CliPreset, onLateVersion: (d: Detection) => void): Promise<Detection> {
    const { installed, path } = await this.locate(preset);
    if (!installed || !path || preset.versionArgs.length === 0) return { installed, version: null };
    const probe = this.probeVersion(path, preset.versionArgs);
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<"waited">((resolve) => {
      timer = setTimeout(() => resolve("waited"), this.versionWaitMs);
    });
    const first = await Promise.race([probe, waited]);
    clearTimeout(timer);
    if (first !== "waited") return { installed: true, version: first };
    void probe.then((version) => onLateVersion({ installed: true, version }));
    return { installed: true, version: null };
  }

  /** Whether the entry can be started, and the program file when there is one to probe. */
  private async locate(preset: CliPreset): Promise<{ installed: boolean; path: string | null }> {
    if (!preset.custom) {
      const path = findExecutable(preset.command, this.env.PATH);
      return { installed: path !== null, path };
    }
    const program = firstWord(preset.command);
    if (!program) return { installed: false, path: null };
    // `VAR=value cmd …` and shell grammar run in the user's shell; trust them to be runnable.
    if (program.includes("=") || SHELL_GRAMMAR.has(program) || /^[({!]/.test(program)) return { installed: true, path: null };
    const path = findExecutable(program, this.env.PATH);
    if (path) return { installed: true, path };
    return { installed: await this.shellCanRun(program), path: null };
  }

  /**
   * Asks the shell custom commands run in whether it knows `word` (a builtin such as `trap`, a
   * function or alias from its startup files, a program on its PATH). Non-interactive, with a
   * timeout; a shell too slow to answer is not taken as a "no".
   */
  private shellCanRun(word: string): Promise<boolean> {
    const shell = this.env.SHELL || process.env.SHELL || "/bin/sh";
    return new Promise((resolve) => {
      const child = execFile(
        shell,
        ["-c", `command -v -- ${shellQuote(word)}`],
        { timeout: SHELL_CHECK_TIMEOUT_MS, killSignal: "SIGKILL", env: this.env, windowsHide: true, maxBuffer: 64 * 1024 },
        (err) => {
          this.children.delete(child);
          // Stopped for taking too long is "cannot tell", not "missing": the launch will show.
          resolve(!err || err.killed === true);
        },
      );
      this.children.add(child);
    });
  }

  /** The version a CLI prints for `versionArgs`, or null when it prints none in time. */
  private probeVersion(path: string, versionArgs: readonly string[]): Promise<string | null> {
    return new Promise((resolve) => {
      const child = execFile(
        path,
        [...versionArgs],
        {
          timeout: VERSION_TIMEOUT_MS,
          killSignal: "SIGKILL",
          env: { ...this.env, NO_COLOR: "1" },
          windowsHide: true,
          maxBuffer: 64 * 1024,
        },
        (err, stdout, stderr) => {
          this.children.delete(child);
          // A CLI that prints its version then exits non-zero still told us its version.
          const out = `${stdout}`.trim() || (err ? "" : `${stderr}`.trim());
          resolve(out ? parseVersion(out) : null);
        },
      );
      this.children.add(child);
    });
  }
}

function toEntry(p: CliPreset, d: Detection): CatalogEntry {
  return {
    id: p.id,
    name: p.name,
    command: p.command,
    installed: d.installed,
    version: d.version,
    installHint: p.installHint,
    providerKind: p.providerKind,
    permissionModes: [...p.permissionModes],
    supportsResume: p.resume !== null,
    hasStatusHooks: p.hasStatusHooks,
    custom: p.custom,
  };
}
