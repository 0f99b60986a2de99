/**
 * Confines an agent's process: it may write only its worktree, the repository's git metadata
 * (worktree admin, objects, refs: commits must work) and its private state folder; the rest of
 * the filesystem is read-only, home secrets are hidden, /tmp is private, and the network can be
 * switched off. Linux: bubblewrap. macOS: sandbox-exec with a generated profile.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, realpathSync, statSync, type Dirent } from "node:fs";
import { join } from "node:path";
import type { NetworkMode, SandboxInfo } from "../../../shared/types";
import { findExecutable } from "../catalog/catalog-service";

/** How long the "does bwrap actually work here" probe may take. */
export const PROBE_TIMEOUT_MS = 5_000;

/** Home entries that hold credentials; hidden from a confined agent when they exist. */
export const HOME_SECRETS = [
  ".ssh",
  ".aws",
  ".gnupg",
  ".config/gcloud",
  ".docker",
  ".kube",
  ".netrc",
  ".npmrc",
  ".pypirc",
  ".git-credentials",
  ".azure",
] as const;

/** How far and how much of the home folder is searched for other projects' `.env` files. */
export const ENV_SCAN_MAX_DEPTH = 4;
export const ENV_SCAN_MAX_ENTRIES = 20_000;
const ENV_FILE = /^\.env(\..+)?$/;
const ENV_SCAN_SKIP = new Set(["node_modules", ".git", ".cache", ".npm", ".cargo", ".rustup", ".pyenv", ".local", "Library"]);

/**
 * `.env` files under `homeDir` (other projects' secrets), outside `keep` (the agent's own
 * worktree, whose `.env` it may need). Bounded in depth and entries so a big home stays quick.
 */
export function findEnvFiles(homeDir: string, keep: string[]): string[] {
  const found: string[] = [];
  let budget = ENV_SCAN_MAX_ENTRIES;
  const walk = (dir: string, depth: number): void => {
    if (keep.some((k) => dir === k || dir.startsWith(`${k}/`))) return;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (--budget < 0) return;
      const path = join(dir, entry.name);
      if (entry.isFile() && ENV_FILE.test(entry.name) && !entry.name.endsWith(".example") && !entry.name.endsWith(".sample")) found.push(path);
      else if (entry.isDirectory() && depth < ENV_SCAN_MAX_DEPTH && !ENV_SCAN_SKIP.has(entry.name)) walk(path, depth + 1);
    }
  };
  walk(homeDir, 0);
  return found;
}

/** Where and how an agent is confined. */
export interface SandboxOptions {
  worktreePath: string;
  /** The repository's .git (common dir): worktree admin and objects must be writable for commits. */
  gitCommonDir: string;
  stateDir: string;
  homeDir: string;
  /**
   * 'provider': bubblewrap gives no network at all (as 'off'); the provider is reached only through
   * the bridge and gateway of provider-network.ts. sandbox-exec treats it as 'on' (no bridge there).
   */
  network: NetworkMode;
  /**
   * Folders the agent must still see, read-only, although they lie under /tmp, which the sandbox
   * replaces with a private one: Flotilla's own programs and the PATH folders its CLI runs from.
   */
  readOnlyPaths?: string[];
}

/** Of `paths`, the existing folders under /tmp; a `node_modules/.bin` stands for its `node_modules`. */
export function pathsHiddenByPrivateTmp(paths: string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    if (!path.startsWith("/tmp/")) continue;
    const dir = path.endsWith("/node_modules/.bin") ? path.slice(0, -".bin".length - 1) : path;
    try {
      if (statSync(dir).isDirectory()) out.push(realpathSync(dir));
    } catch {
      // Gone or unreadable: nothing to show.
    }
  }
  return unique(out);
}

const NO_SANDBOX_NOTE =
  "No sandbox available: install bubblewrap (apt install bubblewrap) to confine agents.";

let detected: Promise<SandboxInfo> | null = null;

/** Finds the sandbox this machine offers; cached for the process (pass refresh to probe again). */
export function detectSandbox(
  opts: { refresh?: boolean } = {},
): Promise<SandboxInfo> {
  if (!detected || opts.refresh) detected = probe();
  return detected;
}

async function probe(): Promise<SandboxInfo> {
  if (process.platform === "darwin") {
    return existsSync("/usr/bin/sandbox-exec")
      ? {
          available: true,
          mechanism: "sandbox-exec",
          note: "Agents run under sandbox-exec: writes only in their worktree.",
        }
      : {
          available: false,
          mechanism: null,
          note: "No sandbox available: /usr/bin/sandbox-exec is missing.",
        };
  }
  if (process.platform !== "linux") {
    return {
      available: false,
      mechanism: null,
      note: `No sandbox available on ${process.platform}: agents run unconfined.`,
    };
  }
  const bwrap = findExecutable("bwrap");
  if (!bwrap)
    return { available: false, mechanism: null, note: NO_SANDBOX_NOTE };
  // Installed is not enough: unprivileged user namespaces may be switched off.
  const error = await new Promise<string | null>((resolve) => {
    execFile(
      bwrap,
      ["--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"],
      { timeout: PROBE_TIMEOUT_MS },
      (err, _out, stderr) =>
        resolve(err ? `${stderr}`.trim().split("\n")[0] || err.message : null),
    );
  });
  if (error) {
    return {
      available: false,
      mechanism: null,
      note: `bubblewrap is installed but cannot run here (${error}). Enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) to confine agents.`,
    };
  }
  return {
    available: true,
    mechanism: "bubblewrap",
    note: "Agents run under bubblewrap: writes only in their worktree, home secrets hidden.",
  };
}

/** Wraps a command so that it runs confined. Paths must be real (symlinks resolved) and exist. */
export function wrapCommand(
  cmd: { file: string; args: string[] },
  opts: SandboxOptions,
): { file: string; args: string[] } {
  if (process.platform === "darwin") {
    return {
      file: "/usr/bin/sandbox-exec",
      args: ["-p", seatbeltProfile(opts), cmd.file, ...cmd.args],
    };
  }
  return {
    file: "bwrap",
    args: [...bwrapArgs(opts), "--", cmd.file, ...cmd.args],
  };
}

/** The bubblewrap arguments for `opts`, before `--` and the command. */
export function bwrapArgs(opts: SandboxOptions): string[] {
  const args = [
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--tmpfs",
    "/tmp",
  ];
  // Binds come after the /tmp tmpfs so that folders under /tmp (tests, TMPDIR data dirs) show through.
  for (const dir of opts.readOnlyPaths ?? []) args.push("--ro-bind", dir, dir);
  for (const dir of unique([
    opts.worktreePath,
    opts.gitCommonDir,
    opts.stateDir,
  ]))
    args.push("--bind", dir, dir);
  for (const rel of HOME_SECRETS) {
    const path = join(opts.homeDir, rel);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      continue; // bwrap cannot make a mount point on the read-only root: hide only what exists
    }
    if (isDir) args.push("--tmpfs", path);
    else args.push("--ro-bind", "/dev/null", path);
  }
  for (const path of findEnvFiles(opts.homeDir, [opts.worktreePath, opts.stateDir]))
    args.push("--ro-bind", "/dev/null", path);
  args.push("--unshare-all");
  // 'provider' shares nothing either: its only way out is the provider gateway's UNIX socket in
  // the state folder (see provider-network.ts). Without --share-net the sandbox has its own
  // network namespace in which bubblewrap brings up loopback only.
  if (opts.network === "on") args.push("--share-net");
  // No --new-session: it would detach the process from the PTY's foreground group, and Ctrl-C
  // would no longer reach the agent. (TIOCSTI injection is off by default on recent kernels.)
  args.push("--die-with-parent", "--chdir", opts.worktreePath);
  return args;
}

/** A small sandbox-exec (Seatbelt) profile equivalent to the bubblewrap setup. Untested here. */
export function seatbeltProfile(opts: SandboxOptions): string {
  const q = (p: string) => JSON.stringify(p);
  const writable = unique([
    opts.worktreePath,
    opts.gitCommonDir,
    opts.stateDir,
    "/private/tmp",
    "/private/var/folders",
  ]);
  const lines = [
    "(version 1)",
    "(allow default)",
    "(deny file-write*)",
    `(allow file-write* ${writable.map((p) => `(subpath ${q(p)})`).join(" ")} (literal "/dev/null") (regex #"^/dev/tty") (regex #"^/dev/fd/"))`,
    `(deny file-read* file-write* ${HOME_SECRETS.map((rel) => `(subpath ${q(join(opts.homeDir, rel))})`).join(" ")})`,
  ];
  if (opts.network === "off")
    lines.push("(deny network*)", "(allow network* (remote unix-socket))");
  return lines.join("\n");
}

function unique(paths: string[]): string[] {
  return [...new Set(paths)];
}
