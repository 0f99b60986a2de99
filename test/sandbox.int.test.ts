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
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { spawn as spawnPty } from "node-pty";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NetworkMode } from "../src/shared/types";
import { detectSandbox, pathsHiddenByPrivateTmp, wrapCommand } from "../src/main/core/sandbox";
import { syncAgentBranch } from "../src/main/core/git/agent-branch";
import { GIT_TEST_ENV, sh } from "./helpers/repo";
import { makeSandboxScene, type SandboxScene } from "./helpers/sandbox-scene";

/** Runs a child asynchronously (servers live in this process) and collects its outcome. */
function execAsync(file: string, args: string[], env: Record<string, string>) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(file, args, { env, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

const info = await detectSandbox();

let scene: SandboxScene;

beforeAll(async () => {
  if (!info.available) return;
  scene = await makeSandboxScene();
  const { home, dataDir } = scene;
  // Credential stores Flotilla has never heard of must be hidden as well as the famous ones.
  for (const [rel, content] of [
    [".ssh/id_rsa", "PRIVATE KEY MATERIAL\n"],
    [".netrc", "machine example.com password hunter2\n"],
    [".config/gh/hosts.yml", "github.com:\n  oauth_token: gho_secret\n"],
    [".claude/.credentials.json", '{"token":"claude-secret"}\n'],
    [".codex/auth.json", '{"OPENAI_API_KEY":"codex-secret"}\n'],
    [".some-new-tool/token", "unknown-secret\n"],
    ["code/other-project/.env", "STRIPE_KEY=sk_live_other\n"],
    ["notes.txt", "personal\n"],
  ] as const) {
    mkdirSync(dirname(join(home, rel)), { recursive: true });
    writeFileSync(join(home, rel), content);
  }
  // A toolchain on PATH under home: it must stay usable (read-only), nothing else of home.
  mkdirSync(join(home, ".local", "bin"), { recursive: true });
  mkdirSync(join(home, ".local", "share", "keyrings"), { recursive: true });
  writeFileSync(join(home, ".local", "share", "keyrings", "login.keyring"), "keyring-secret\n");
  writeFileSync(join(home, ".local", "bin", "mytool"), "#!/bin/sh\necho mytool-ran\n", { mode: 0o755 });
  // Flotilla's own secrets and other agents' state in the data folder.
  writeFileSync(join(dataDir, "keys.json"), '{"openai":"sk-flotilla-key"}\n', { mode: 0o600 });
  writeFileSync(join(dataDir, "flotilla.db"), "transcript of another agent\n", { mode: 0o600 });
  mkdirSync(join(dataDir, "agents", "other"), { recursive: true });
  writeFileSync(join(dataDir, "agents", "other", "report.jsonl"), "other agent state\n");
  writeFileSync(join(scene.state, "mine.txt"), "my own state\n");
});

afterAll(() => {
  scene?.dispose();
});

function wrapped(file: string, args: string[], network: NetworkMode = "on", readOnlyPaths: string[] = []) {
  return wrapCommand({ file, args }, { ...scene.options(network), readOnlyPaths });
}

/** Runs `script` with sh inside the sandbox; returns exit status and output. */
function run(script: string, network: NetworkMode = "on") {
  const path = `${join(scene.home, ".local", "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`;
  const cmd = wrapped("/bin/sh", ["-c", script], network, path.split(":"));
  const r = spawnSync(cmd.file, cmd.args, {
    env: {
      PATH: path,
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

  it("lets the agent write in its worktree and commit there; the commit reaches the repository only through Flotilla", async () => {
    const r = run(
      'echo hello > new.txt && git add new.txt && git commit -q -m "from the sandbox" && git log -1 --format=%s && pwd',
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual(["from the sandbox", scene.worktree]);
    expect(readFileSync(join(scene.worktree, "new.txt"), "utf8")).toBe("hello\n");
    // Not in the repository yet: the agent moved only its private copy of its branch.
    expect(sh(scene.repo, "log", "-1", "--format=%s", "flotilla/a")).toBe("initial");
    await syncAgentBranch(scene.view);
    expect(sh(scene.repo, "log", "-1", "--format=%s", "flotilla/a")).toBe("from the sandbox");
    expect(sh(scene.repo, "fsck", "--no-dangling")).toBe("");
  });

  it("lets the agent write its state folder and a private /tmp, but nothing else", () => {
    expect(
      run(`echo ok > '${scene.state}/x' && echo ok > /tmp/private-x`).status,
    ).toBe(0);
    expect(existsSync(join(scene.state, "x"))).toBe(true);
    expect(existsSync("/tmp/private-x")).toBe(false);

    const repoGit = run(`echo bad > '${scene.repo}/.git/escape.txt'`);
    expect(repoGit.status).not.toBe(0);
    expect(repoGit.stderr).toMatch(/Read-only file system/);
    expect(existsSync(join(scene.repo, ".git", "escape.txt"))).toBe(false);

    const elsewhere = run(`echo bad > /home/escape.txt; echo bad > '${scene.root}/escape.txt'; echo bad > '${scene.home}/escape.txt'`);
    expect(elsewhere.stderr.match(/Read-only file system/g)).toHaveLength(2);
    // Home is the sandbox's own empty folder: writable there, gone afterwards.
    for (const p of ["/home/escape.txt", join(scene.root, "escape.txt"), join(scene.home, "escape.txt")]) expect(existsSync(p)).toBe(false);
  });

  it("keeps programs under /tmp runnable (read-only) inside the private /tmp when asked", () => {
    const tools = realpathSync(mkdtempSync(join(tmpdir(), "flotilla-tools-")));
    try {
      const bin = join(tools, "node_modules", ".bin");
      mkdirSync(bin, { recursive: true });
      writeFileSync(join(tools, "node_modules", "tool.sh"), "#!/bin/sh\necho tool-ran\n", { mode: 0o755 });
      symlinkSync("../tool.sh", join(bin, "tool"));
      const opts = scene.options("on");
      const hidden = wrapCommand({ file: join(bin, "tool"), args: [] }, opts);
      expect(spawnSync(hidden.file, hidden.args, { encoding: "utf8" }).stdout).not.toContain("tool-ran");
      expect(pathsHiddenByPrivateTmp([bin, "/usr/bin"])).toEqual([join(tools, "node_modules")]);
      const shown = wrapCommand({ file: "/bin/sh", args: ["-c", `${join(bin, "tool")} && touch ${join(bin, "x")} 2>/dev/null || echo read-only`] }, { ...opts, readOnlyPaths: [bin] });
      const result = spawnSync(shown.file, shown.args, { encoding: "utf8" });
      expect(result.stdout).toContain("tool-ran");
      expect(result.stdout).toContain("read-only");
    } finally {
      rmSync(tools, { recursive: true, force: true });
    }
  });

  it("shows an empty home: no credential store, known or unknown, only toolchains on PATH and a .gitconfig", () => {
    const r = run(
      `for f in .ssh/id_rsa .netrc .config/gh/hosts.yml .claude/.credentials.json .codex/auth.json .some-new-tool/token code/other-project/.env notes.txt .local/share/keyrings/login.keyring; do cat "$HOME/$f" 2>/dev/null; done; ls -A "$HOME"; mytool`,
    );
    for (const secret of ["PRIVATE KEY", "hunter2", "gho_secret", "claude-secret", "codex-secret", "unknown-secret", "sk_live_other", "personal", "keyring-secret"]) {
      expect(r.stdout).not.toContain(secret);
    }
    expect(r.stdout.trim().split("\n")).toEqual([".local", "mytool-ran"]);
  });

  it("hides Flotilla's data folder (keys, database, other agents) but not the agent's own state", () => {
    const r = run(
      `cat '${scene.dataDir}/keys.json' '${scene.dataDir}/flotilla.db' '${scene.dataDir}/agents/other/report.jsonl' 2>/dev/null; ls -A '${scene.dataDir}'; cat '${scene.state}/mine.txt'`,
    );
    expect(r.stdout).not.toContain("sk-flotilla-key");
    expect(r.stdout).not.toContain("transcript");
    expect(r.stdout).not.toContain("other agent state");
    expect(r.stdout).toContain("my own state");
    expect(r.stdout.split("\n")).not.toContain("keys.json");
  });

  describe("host UNIX sockets", () => {
    let socketDir: string;
    let server: Server;
    beforeAll(async () => {
      // Outside /tmp and home, where a D-Bus bus, an ssh-agent or docker.sock would be seen.
      socketDir = realpathSync(mkdtempSync("/var/tmp/flotilla-sock-"));
      server = createServer((socket) => socket.end("host socket reached\n"));
      await new Promise<void>((resolve) => server.listen(join(socketDir, "agent.sock"), resolve));
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(socketDir, { recursive: true, force: true });
    });

    for (const network of ["off", "provider", "on"] as const) {
      it(`cannot be connected to with the network ${network}`, async () => {
        const script = `const s = require('net').connect(${JSON.stringify(join(socketDir, "agent.sock"))}); s.on('data', (d) => { process.stdout.write(d); process.exit(0); }); s.on('error', (e) => { console.error(e.code); process.exit(3); })`;
        const cmd = wrapped(process.execPath, ["-e", script], network);
        const r = await execAsync(cmd.file, cmd.args, { PATH: process.env.PATH ?? "", HOME: scene.home });
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(/EACCES/);
        expect(r.status).toBe(3);
      });
    }

    it("are reachable without the filter (the test would catch a filter that does nothing)", async () => {
      const script = `require('net').connect(${JSON.stringify(join(socketDir, "agent.sock"))}).on('data', (d) => { process.stdout.write(d); process.exit(0); })`;
      const cmd = wrapCommand({ file: process.execPath, args: ["-e", script] }, { ...scene.options("off"), socketFilterFile: null });
      const r = await execAsync(cmd.file, cmd.args, { PATH: process.env.PATH ?? "", HOME: scene.home });
      expect(r.stdout).toBe("host socket reached\n");
    });
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
    const cmd = wrapped("/bin/sh", ["-c", "echo ready; exec sleep 600"]);
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
      // Without the signal reaching it, the program waits forever and the test times out.
      pty.write("\x03");
      expect(await exited).not.toBeNull();
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
