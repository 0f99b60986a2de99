/**
 * Confines an agent's process: it may write only its worktree, its worktree's admin folder, its
 * private git state (its own objects and its own copy of its branch ref: commits work, nothing
 * reaches the repository until Flotilla brings it in) and its state folder. The rest of the
 * filesystem is read-only; home and Flotilla's data folder are empty; /tmp is private; host UNIX
 * sockets are out of reach (socket-filter.ts); the network can be switched off or limited to the
 * provider. Linux: bubblewrap. macOS: sandbox-exec with a generated profile (weaker, untested).
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, realpathSync, statSync, type Dirent } from "node:fs";
import { dirname, join } from "node:path";
import { SHARED_OBJECTS_NAME } from "../git";
import { withSocketFilter } from "./socket-filter";
import type { NetworkMode, SandboxInfo } from "../../../shared/types";
import { findExecutable } from "../catalog";

/** How long the "does bwrap actually work here" probe may take. */
export const PROBE_TIMEOUT_MS = 5_000;

/** Home entries that hold credentials: hidden by the macOS profile (bubblewrap shows an empty home). */
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

/** The agent's git, as the sandbox arranges it (see git/agent-branch.ts). */
export interface SandboxGit {
  /** The repository's git common dir: read-only inside, except what is bound over it below. */
  commonDir: string;
  /** The worktree's admin folder (HEAD, index, per-worktree refs): writable. */
  adminDir: string;
  /**
   * The agent's private git state: `objects` is bound over the repository's objects (which come
   * back read-only inside it, as its alternate), `refs` and `logs` over `refs/heads/flotilla` and
   * `logs/refs/heads/flotilla`, so the agent can commit and move only its own copy of its branch.
   */
  privateGitDir: string;
}

/** Where and how an agent is confined. */
export interface SandboxOptions {
  worktreePath: string;
  git: SandboxGit;
  /** The agent's own state folder (config homes, report file): writable. */
  stateDir: string;
  homeDir: string;
  /** Flotilla's data folder: hidden (keys, database, other agents), except the two folders above. */
  dataDir: string;
  /**
   * 'provider': bubblewrap gives no network at all (as 'off'); the provider is reached only through
   * the bridge and gateway of provider-network.ts. sandbox-exec treats it as 'on' (no bridge there).
   */
  network: NetworkMode;
  /**
   * Folders the agent must still see, read-only, although they lie under /tmp, home or the data
   * folder, which the sandbox replaces: Flotilla's own programs and the PATH folders its CLI runs from.
   */
  readOnlyPaths?: string[];
  /** Files to show read-only at a path in the sandbox's empty home (a generated .gitconfig). */
  homeFiles?: Array<{ source: string; name: string }>;
  /** The seccomp program of socket-filter.ts, shown read-only at SOCKET_FILTER_PATH. */
  socketFilterFile?: string | null;
}

/** Where the socket filter appears inside the sandbox (on its private /tmp). */
export const SOCKET_FILTER_PATH = '/tmp/.flotilla-socket-filter';

/** Of `paths`, the existing folders under /tmp; a `node_modules/.bin` stands for its `node_modules`. */
export function pathsHiddenByPrivateTmp(paths: string[]): string[] {
  return hiddenPaths(paths, ['/tmp']);
}

/**
 * Of `paths`, the existing folders that lie under one of `hiddenRoots` (replaced by empty folders
 * in the sandbox) and must come back read-only; a `node_modules/.bin` stands for its `node_modules`.
 */
export function hiddenPaths(paths: string[], hiddenRoots: string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    // A root itself (a PATH holding $HOME) would undo the hiding: never shown.
    if (!path.startsWith("/") || hiddenRoots.includes(path) || !hiddenRoots.some((root) => isUnder(path, root))) continue;
    const dir = path.endsWith("/node_modules/.bin") ? path.slice(0, -".bin".length - 1) : path;
    try {
      if (statSync(dir).isDirectory()) out.push(realpathSync(dir));
    } catch {
      // Gone or unreadable: nothing to show.
    }
  }
  return unique(out);
}

/** How many entries of a PATH folder are looked at for links into other toolchain folders. */
const TOOLCHAIN_SCAN_MAX_ENTRIES = 500;

/**
 * The toolchain folders under `homeDir` that the agent's PATH needs: each PATH folder under home,
 * its `lib`/`libexec` siblings (npm and nvm prefixes), the root of a `shims` folder (pyenv,
 * rbenv), `~/.rustup` for `~/.cargo/bin`, and the folders that executables in them link to.
 * Nothing else of home is shown, so credential stores nobody listed stay hidden too.
 */
export function homeToolchainPaths(homeDir: string, pathDirs: string[]): string[] {
  const found = new Set<string>();
  const visit = (dir: string, depth: number): void => {
    let real: string;
    try {
      real = realpathSync(dir);
      if (!statSync(real).isDirectory()) return;
    } catch {
      return;
    }
    if (!isUnder(real, homeDir) || real === homeDir || found.has(real)) return;
    found.add(real);
    const parent = dirname(real);
    const name = real.slice(parent.length + 1);
    if (name === "bin" && parent !== homeDir) {
      for (const sibling of ["lib", "libexec"]) visit(join(parent, sibling), depth);
    }
    if (name === "shims" && parent !== homeDir) visit(parent, depth);
    if (real === join(homeDir, ".cargo", "bin")) visit(join(homeDir, ".rustup"), depth);
    if (depth >= 3) return;
    let entries: Dirent[];
    try {
      entries = readdirSync(real, { withFileTypes: true }).slice(0, TOOLCHAIN_SCAN_MAX_ENTRIES);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isSymbolicLink()) continue;
      try {
        const target = realpathSync(join(real, entry.name));
        if (isUnder(target, homeDir)) visit(dirname(target), depth + 1);
      } catch {
        // A dangling link: nothing to show.
      }
    }
  };
  for (const dir of pathDirs) if (dir && isUnder(dir, homeDir)) visit(dir, 0);
  // A folder inside another one shown already needs no bind of its own.
  const sorted = [...found].sort();
  return sorted.filter((dir) => !sorted.some((other) => other !== dir && isUnder(dir, other)));
}

function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith("/") ? root : `${root}/`);
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
  opts: SandboxOptions & {
    /** Network 'provider': the bridge runs inside the sandbox but outside the socket filter (it needs one). */
    bridge?: (cmd: { file: string; args: string[] }) => { file: string; args: string[] };
  },
): { file: string; args: string[] } {
  if (process.platform === "darwin") {
    const inner = opts.bridge ? opts.bridge(cmd) : cmd;
    return {
      file: "/usr/bin/sandbox-exec",
      args: ["-p", seatbeltProfile(opts), inner.file, ...inner.args],
    };
  }
  let inner = opts.socketFilterFile ? withSocketFilter(cmd, SOCKET_FILTER_PATH) : cmd;
  if (opts.bridge) inner = opts.bridge(inner);
  return {
    file: "bwrap",
    args: [...bwrapArgs(opts), "--", inner.file, ...inner.args],
  };
}

/**
 * The bubblewrap arguments for `opts`, before `--` and the command. Later mounts cover earlier
 * ones, so the order is: the read-only root; private /dev, /proc, /tmp; an empty home and an
 * empty data folder; what must come back read-only; then the few writable places.
 */
export function bwrapArgs(opts: SandboxOptions): string[] {
  const { git } = opts;
  const args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"];
  // Home holds unknown credential stores: the agent gets an empty one (writable, gone at exit).
  if (opts.homeDir && opts.homeDir !== "/") args.push("--tmpfs", opts.homeDir);
  args.push("--tmpfs", opts.dataDir);
  const hiddenRoots = ["/tmp", opts.homeDir, opts.dataDir].filter((root) => root && root !== "/");
  const readOnly = unique([
    ...hiddenPaths(opts.readOnlyPaths ?? [], hiddenRoots),
    ...homeToolchainPaths(opts.homeDir, opts.readOnlyPaths ?? []),
  ]);
  for (const dir of readOnly) args.push("--ro-bind", dir, dir);
  for (const file of opts.homeFiles ?? []) args.push("--ro-bind", file.source, join(opts.homeDir, file.name));
  if (opts.socketFilterFile) args.push("--ro-bind", opts.socketFilterFile, SOCKET_FILTER_PATH);
  // The repository's git folder is read-only (it may lie under home, /tmp or nowhere visible).
  args.push("--ro-bind", git.commonDir, git.commonDir);
  for (const dir of unique([opts.worktreePath, opts.stateDir, git.adminDir])) args.push("--bind", dir, dir);
  const objects = join(git.commonDir, "objects");
  args.push(
    "--bind", join(git.privateGitDir, "objects"), objects,
    "--ro-bind", objects, join(objects, SHARED_OBJECTS_NAME),
    "--bind", join(git.privateGitDir, "refs"), join(git.commonDir, "refs", "heads", "flotilla"),
    "--bind", join(git.privateGitDir, "logs"), join(git.commonDir, "logs", "refs", "heads", "flotilla"),
  );
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

/**
 * A sandbox-exec (Seatbelt) profile close to the bubblewrap setup: writes only in the worktree,
 * its admin folder, the state folder and temp; the data folder and known credential stores
 * unreadable. Weaker than bubblewrap (no private refs or objects: a confined agent cannot commit
 * there) and untested here (no macOS machine).
 */
export function seatbeltProfile(opts: SandboxOptions): string {
  const q = (p: string) => JSON.stringify(p);
  const writable = unique([opts.worktreePath, opts.git.adminDir, opts.stateDir, "/private/tmp", "/private/var/folders"]);
  const lines = [
    "(version 1)",
    "(allow default)",
    "(deny file-write*)",
    `(allow file-write* ${writable.map((p) => `(subpath ${q(p)})`).join(" ")} (literal "/dev/null") (regex #"^/dev/tty") (regex #"^/dev/fd/"))`,
    `(deny file-read* file-write* (subpath ${q(opts.dataDir)}) ${HOME_SECRETS.map((rel) => `(subpath ${q(join(opts.homeDir, rel))})`).join(" ")})`,
    `(allow file-read* file-write* (subpath ${q(opts.worktreePath)}) (subpath ${q(opts.stateDir)}))`,
    "(deny network-outbound (remote unix-socket))",
  ];
  if (opts.network === "off") lines.push("(deny network*)");
  return lines.join("\n");
}

function unique(paths: string[]): string[] {
  return [...new Set(paths)];
}
