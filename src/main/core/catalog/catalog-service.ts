/**
 * The catalog of coding CLIs: built-in presets plus the user's custom entries, each with
 * whether it is installed and its version (read with `--version`, cached briefly).
 */
import { execFile } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import type { CatalogEntry, ProviderKind } from "../../../shared/types";
import type { FlotillaDb } from "../db/database";
import { AppError } from "../errors";
import { CLI_PRESETS, customPreset, type CliPreset } from "./presets";

/** How long a `--version` may take before the CLI counts as installed with an unknown version. */
export const VERSION_TIMEOUT_MS = 5_000;
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

/** Words a shell runs itself: a custom command line starting with one needs no program on PATH. */
const SHELL_WORDS = new Set([
  "for", "while", "until", "if", "case", "{", "(", "!", "[", "[[", "time",
  "echo", "printf", "cd", "exec", "export", "source", ".", "eval", "set", "test", "true", "false", ":",
]);

/** The coding-CLI catalog service. */
export class CatalogService {
  private readonly cache = new Map<
    string,
    { at: number; value: Promise<Detection> }
  >();
  private readonly env: NodeJS.ProcessEnv;
  private readonly cacheMs: number;

  constructor(
    private readonly db: FlotillaDb,
    opts: { env?: NodeJS.ProcessEnv; cacheMs?: number } = {},
  ) {
    this.env = opts.env ?? process.env;
    this.cacheMs = opts.cacheMs ?? DETECTION_CACHE_MS;
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

  private detect(preset: CliPreset): Promise<Detection> {
    const key = preset.id;
    const cached = this.cache.get(key);
    const now = Date.now();
    if (cached && now - cached.at < this.cacheMs) return cached.value;
    const value = this.detectNow(preset);
    this.cache.set(key, { at: now, value });
    return value;
  }

  private async detectNow(preset: CliPreset): Promise<Detection> {
    const program = preset.custom ? firstWord(preset.command) : preset.command;
    // `VAR=value cmd …` and shell syntax run in the user's shell; trust them to be runnable.
    if (preset.custom && (SHELL_WORDS.has(program) || program.includes("="))) return { installed: true, version: null };
    const path = program ? findExecutable(program, this.env.PATH) : null;
    if (!path) return { installed: false, version: null };
    if (preset.versionArgs.length === 0)
      return { installed: true, version: null };
    const version = await new Promise<string | null>((resolve) => {
      execFile(
        path,
        preset.versionArgs,
        {
          timeout: VERSION_TIMEOUT_MS,
          killSignal: "SIGKILL",
          env: { ...this.env, NO_COLOR: "1" },
          windowsHide: true,
          maxBuffer: 64 * 1024,
        },
        (err, stdout, stderr) => {
          // A CLI that prints its version then exits non-zero still told us its version.
          const out = `${stdout}`.trim() || (err ? "" : `${stderr}`.trim());
          resolve(out ? parseVersion(out) : null);
        },
      );
    });
    return { installed: true, version };
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
