import { execFile, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { spawn as spawnPty } from "node-pty";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NetworkMode } from "../src/shared/types";
import { detectSandbox, pathsHiddenByPrivateTmp, wrapCommand } from "../src/main/core/sandbox";
import { GIT_TEST_ENV, sh } from "./helpers/repo";

const info = await detectSandbox();

/**
 * The scene lives under /var/tmp, not /tmp: the sandbox mounts a private /tmp, which would hide
 * a repository there and make "cannot write outside" pass for the wrong reason.
 */
interface Scene {
  root: string;
  repo: string;
  worktree: string;
  state: string;
  home: string;
}

let scene: Scene;

beforeAll(() => {
  if (!info.available) return;
  const root = realpathSync(mkdtempSync("/var/tmp/flotilla-sandbox-"));
  const repo = join(root, "repo");
  mkdirSync(repo);
  sh(repo, "init", "-q", "-b", "main");
  sh(repo, "config", "commit.gpgsign", "false");
  writeFileSync(join(repo, "README.md"), "# test\n");
  sh(repo, "add", "-A");
  sh(repo, "commit", "-q", "-m", "initial");
  const worktree = join(root, "wt");
  sh(repo, "worktree", "add", "-q", "-b", "flotilla/a", worktree);
  const state = join(root, "state");
  const home = join(root, "home");
  mkdirSync(state);
  mkdirSync(join(home, ".ssh"), { recursive: true });
  writeFileSync(join(home, ".ssh", "id_rsa"), "PRIVATE KEY MATERIAL\n");
  writeFileSync(join(home, ".netrc"), "machine example.com password hunter2\n");
  writeFileSync(join(home, "notes.txt"), "readable\n");
  mkdirSync(join(home, "code", "other-project"), { recursive: true });
  writeFileSync(join(home, "code", "other-project", ".env"), "STRIPE_KEY=sk_live_other\n");
  writeFileSync(join(home, "code", "other-project", ".env.example"), "STRIPE_KEY=\n");
  scene = { root, repo, worktree, state, home };
});

afterAll(() => {
  if (scene) rmSync(scene.root, { recursive: true, force: true });
});

function wrapped(file: string, args: string[], network: NetworkMode = "on") {
  return wrapCommand(
    { file, args },
    {
      worktreePath: scene.worktree,
      gitCommonDir: join(scene.repo, ".git"),
      stateDir: scene.state,
      homeDir: scene.home,
      network,
    },
  );
}

/** Runs `script` with sh inside the sandbox; returns exit status and output. */
function run(script: string, network: NetworkMode = "on") {
  const cmd = wrapped("/bin/sh", ["-c", script], network);
  const r = spawnSync(cmd.file, cmd.args, {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: scene.home,
      LANG: "C.UTF-8",
      ...GIT_TEST_ENV,
    },
    encoding: "utf8",
    timeout: 20_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!info.available)("sandbox (bubblewrap)", () => {
  it("reports bubblewrap as available and working", () => {
    expect(info).toMatchObject({
      available: true,
      mechanism: process.platform === "darwin" ? "sandbox-exec" : "bubblewrap",
    });
  });

  it("lets the agent write in its worktree and commit there", () => {
    const r = run(
      'echo hello > new.txt && git add new.txt && git commit -q -m "from the sandbox" && pwd',
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(scene.worktree);
    expect(readFileSync(join(scene.worktree, "new.txt"), "utf8")).toBe(
      "hello\n",
    );
    expect(sh(scene.worktree, "log", "-1", "--format=%s")).toBe(
      "from the sandbox",
    );
    expect(sh(scene.repo, "log", "-1", "--format=%s", "flotilla/a")).toBe(
      "from the sandbox",
    );
  });

  it("lets the agent write its state folder and a private /tmp, but nothing else", () => {
    expect(
      run(`echo ok > '${scene.state}/x' && echo ok > /tmp/private-x`).status,
    ).toBe(0);
    expect(existsSync(join(scene.state, "x"))).toBe(true);
    expect(existsSync("/tmp/private-x")).toBe(false);

    const repoTop = run(`echo bad > '${scene.repo}/escape.txt'`);
    expect(repoTop.status).not.toBe(0);
    expect(repoTop.stderr).toMatch(/Read-only file system/);
    expect(existsSync(join(scene.repo, "escape.txt"))).toBe(false);

    const home = run(
      `echo bad > '${scene.home}/escape.txt'; echo bad > /home/escape.txt; echo bad > '${scene.root}/escape.txt'`,
    );
    expect(home.stderr.match(/Read-only file system/g)).toHaveLength(3);
    for (const p of [
      join(scene.home, "escape.txt"),
      "/home/escape.txt",
      join(scene.root, "escape.txt"),
    ])
      expect(existsSync(p)).toBe(false);
  });

  it("keeps programs under /tmp runnable (read-only) inside the private /tmp when asked", () => {
    const tools = realpathSync(mkdtempSync(join(tmpdir(), "flotilla-tools-")));
    try {
      const bin = join(tools, "node_modules", ".bin");
      mkdirSync(bin, { recursive: true });
      writeFileSync(join(tools, "node_modules", "tool.sh"), "#!/bin/sh\necho tool-ran\n", { mode: 0o755 });
      symlinkSync("../tool.sh", join(bin, "tool"));
      const opts = { worktreePath: scene.worktree, gitCommonDir: join(scene.repo, ".git"), stateDir: scene.state, homeDir: scene.home, network: "on" as const };
      const hidden = wrapCommand({ file: join(bin, "tool"), args: [] }, opts);
      expect(spawnSync(hidden.file, hidden.args, { encoding: "utf8" }).stdout).not.toContain("tool-ran");
      expect(pathsHiddenByPrivateTmp([bin, "/usr/bin"])).toEqual([join(tools, "node_modules")]);
      const shown = wrapCommand({ file: join(bin, "tool"), args: [] }, { ...opts, readOnlyPaths: pathsHiddenByPrivateTmp([bin]) });
      const result = spawnSync(shown.file, [...shown.args.slice(0, -1), "sh", "-c", `${join(bin, "tool")} && touch ${join(bin, "x")} 2>/dev/null || echo read-only`], { encoding: "utf8" });
      expect(result.stdout).toContain("tool-ran");
      expect(result.stdout).toContain("read-only");
    } finally {
      rmSync(tools, { recursive: true, force: true });
    }
  });

  it("hides ~/.ssh and ~/.netrc while the rest of home stays readable", () => {
    const ssh = run(
      `cat '${scene.home}/.ssh/id_rsa'; ls -A '${scene.home}/.ssh'; cat '${scene.home}/.netrc'; cat '${scene.home}/notes.txt'`,
    );
    expect(ssh.stdout).not.toContain("PRIVATE KEY");
    expect(ssh.stdout).not.toContain("hunter2");
    expect(ssh.stdout).toBe("readable\n");
  });

  it("hides other projects' .env files in home, but not examples", () => {
    const env = run(`cat '${scene.home}/code/other-project/.env'; cat '${scene.home}/code/other-project/.env.example'`);
    expect(env.stdout).not.toContain("sk_live_other");
    expect(env.stdout).toBe("STRIPE_KEY=\n");
  });

  describe("network", () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = createServer((socket) => socket.end("hello from the host\n"));
      await new Promise<void>((resolve) =>
        server.listen(0, "127.0.0.1", resolve),
      );
      port = (server.address() as { port: number }).port;
    });
    afterAll(
      () => new Promise<void>((resolve) => server.close(() => resolve())),
    );

    // Asynchronous: the server runs in this process, so a blocking spawn would starve it.
    const probe = (network: NetworkMode) => {
      const script = `require('net').connect(${port}, '127.0.0.1').on('data', (d) => { process.stdout.write(d); process.exit(0); }).on('error', (e) => { console.error(e.code); process.exit(3); })`;
      const cmd = wrapped(process.execPath, ["-e", script], network);
      return new Promise<{
        status: number | null;
        stdout: string;
        stderr: string;
      }>((resolve) => {
        execFile(
          cmd.file,
          cmd.args,
          {
            env: { PATH: process.env.PATH ?? "", HOME: scene.home },
            timeout: 20_000,
          },
          (err, stdout, stderr) =>
            resolve({
              status: err
                ? typeof err.code === "number"
                  ? err.code
                  : null
                : 0,
              stdout,
              stderr,
            }),
        );
      });
    };

    it("reaches a local server with the network on", async () => {
      const r = await probe("on");
      expect(r.stdout).toBe("hello from the host\n");
      expect(r.status).toBe(0);
    });

    it("cannot connect anywhere, not even 127.0.0.1, with the network off", async () => {
      const r = await probe("off");
      expect(r.status).toBe(3);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/ECONNREFUSED|ENETUNREACH/);
    });
  });

  it("delivers Ctrl-C typed in a real PTY to the confined process", async () => {
    const cmd = wrapped("/bin/sh", ["-c", "echo ready; exec sleep 30"]);
    const pty = spawnPty(cmd.file, cmd.args, {
      cols: 80,
      rows: 24,
      cwd: scene.worktree,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: scene.home,
        TERM: "xterm-256color",
      },
    });
    try {
      let output = "";
      const exited = new Promise<{ exitCode: number; signal?: number }>(
        (resolve) => pty.onExit(resolve),
      );
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no prompt: ${output}`)),
          10_000,
        );
        pty.onData((d) => {
          output += d;
          if (output.includes("ready")) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const started = Date.now();
      pty.write("\x03");
      const result = await Promise.race([
        exited,
        new Promise<null>((r) => setTimeout(() => r(null), 5_000)),
      ]);
      expect(result).not.toBeNull();
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      try {
        pty.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  });
});

describe("sandbox detection", () => {
  it("says plainly what to do when no sandbox is available", () => {
    if (info.available) expect(info.note).toMatch(/bubblewrap|sandbox-exec/);
    else expect(info.note).toMatch(/install bubblewrap|sandbox/i);
  });
});
