import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CatalogService, VERSION_TIMEOUT_MS, VERSION_WAIT_MS } from "../src/main/core/catalog";
import { openDatabase } from "../src/main/core/db";
import { AppError } from "../src/main/core/errors";
import { makeTestDb } from "./helpers/pty";
import { tempDir } from "./helpers/repo";
import { dirTracker } from "./helpers/tracking";

const track = dirTracker();
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function testDb() {
  const t = makeTestDb();
  cleanups.push(t.cleanup);
  return t;
}

/** A bin folder with fake CLIs that print a version. */
function fakeBin(scripts: Record<string, string>): string {
  const dir = track(tempDir("flotilla-bin-"));
  for (const [name, body] of Object.entries(scripts)) {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
  }
  return dir;
}

// Tests that read a version wait for it as long as the probe may run: a busy machine is slow.
describe("CatalogService", () => {
  it("shows which CLIs are installed, with their version, and which are missing", async () => {
    const bin = fakeBin({
      claude: 'echo "2.1.197 (Claude Code)"',
      codex: 'echo "codex-cli 0.169.0"',
    });
    const service = new CatalogService(testDb().db, { env: { PATH: bin }, versionWaitMs: VERSION_TIMEOUT_MS });
    const entries = await service.list();
    const byId = new Map(entries.map((e) => [e.id, e]));
    expect(byId.get("claude-code")).toMatchObject({
      installed: true,
      version: "2.1.197",
      hasStatusHooks: true,
      supportsResume: true,
    });
    expect(byId.get("codex")).toMatchObject({
      installed: true,
      version: "0.169.0",
    });
    expect(byId.get("gemini")).toMatchObject({
      installed: false,
      version: null,
      installHint: "npm install -g @google/gemini-cli",
    });
    expect(byId.get("aider")).toMatchObject({
      installed: false,
      permissionModes: ["auto-edit", "full-auto"],
    });
  });

  it("counts a CLI whose --version hangs as installed with an unknown version", async () => {
    const bin = fakeBin({ gemini: "exec /bin/sleep 300" });
    const service = new CatalogService(testDb().db, { env: { PATH: bin } });
    cleanups.push(() => service.dispose());
    const started = Date.now();
    const gemini = (await service.list()).find((e) => e.id === "gemini");
    expect(gemini).toMatchObject({ installed: true, version: null });
    // list() stops waiting for the version; it does not wait for the probe to be killed.
    expect(Date.now() - started).toBeGreaterThanOrEqual(VERSION_WAIT_MS - 100);
  }, 60_000);

  it("shows the version of a CLI that answered slowly once it answers, instead of failing", async () => {
    const flag = join(track(tempDir()), "answer");
    // Answers only once the test says so: slow on a busy machine, without depending on timing.
    const bin = fakeBin({ gemini: `while [ ! -e '${flag}' ]; do /bin/sleep 0.05; done; echo "0.9.1"` });
    const service = new CatalogService(testDb().db, { env: { PATH: bin }, versionWaitMs: 200 });
    cleanups.push(() => service.dispose());
    expect((await service.list()).find((e) => e.id === "gemini")).toMatchObject({ installed: true, version: null });
    writeFileSync(flag, "");
    let version: string | null | undefined = null;
    while (version === null) {
      version = (await service.list()).find((e) => e.id === "gemini")?.version;
      if (version === null) await new Promise((r) => setTimeout(r, 50));
    }
    expect(version).toBe("0.9.1");
  }, 60_000);

  it("asks the user's shell about a custom command's first word, so any builtin counts as installed", async () => {
    const bin = fakeBin({ "my-agent": "exit 0" });
    const service = new CatalogService(testDb().db, { env: { PATH: bin, SHELL: "/bin/bash" } });
    const installed = async (command: string) =>
      (await service.saveCustom({ id: "c", name: "C", command, providerKind: null })).find((e) => e.id === "c")?.installed;
    expect(await installed("trap 'rm -f /tmp/x' EXIT; my-agent")).toBe(true);
    expect(await installed("ulimit -v 4000000 && my-agent")).toBe(true);
    expect(await installed("command my-agent")).toBe(true);
    expect(await installed("no-such-program-here --flag")).toBe(false);
    expect(await installed("'no such; program' --flag")).toBe(false);
  });

  it("reuses detection results for a while instead of running every CLI again", async () => {
    const bin = fakeBin({ claude: "echo 1.0.0" });
    const service = new CatalogService(testDb().db, { env: { PATH: bin }, versionWaitMs: VERSION_TIMEOUT_MS });
    expect(
      (await service.list()).find((e) => e.id === "claude-code")?.version,
    ).toBe("1.0.0");
    writeFileSync(join(bin, "claude"), "#!/bin/sh\necho 2.0.0\n");
    expect(
      (await service.list()).find((e) => e.id === "claude-code")?.version,
    ).toBe("1.0.0");
    const fresh = new CatalogService(testDb().db, {
      env: { PATH: bin },
      versionWaitMs: VERSION_TIMEOUT_MS,
      cacheMs: 0,
    });
    expect(
      (await fresh.list()).find((e) => e.id === "claude-code")?.version,
    ).toBe("2.0.0");
  });

  it("adds, replaces and removes custom entries, persisted in the database file", async () => {
    const { db, file } = testDb();
    const bin = fakeBin({ "my-agent": "exit 0" });
    const service = new CatalogService(db, { env: { PATH: bin } });
    let entries = await service.saveCustom({
      id: "mine",
      name: "Mine",
      command: "my-agent --fast",
      providerKind: "openai",
    });
    expect(entries.find((e) => e.id === "mine")).toMatchObject({
      custom: true,
      installed: true,
      command: "my-agent --fast",
      providerKind: "openai",
    });
    entries = await service.saveCustom({
      id: "mine",
      name: "Mine v2",
      command: "not-there",
      providerKind: null,
    });
    expect(entries.filter((e) => e.custom)).toHaveLength(1);
    expect(entries.find((e) => e.id === "mine")).toMatchObject({
      name: "Mine v2",
      installed: false,
      providerKind: null,
    });
    expect(service.get("mine")?.command).toBe("not-there");

    // Shell syntax needs no program on PATH: the user's shell runs it.
    entries = await service.saveCustom({ id: "looper", name: "Looper", command: "for i in 1 2; do echo $i; done", providerKind: null });
    expect(entries.find((e) => e.id === "looper")?.installed).toBe(true);
    entries = await service.removeCustom("looper");

    // Reopen the same file: the entry survived.
    db.close();
    const reopened = openDatabase(file);
    try {
      const again = new CatalogService(reopened, { env: { PATH: bin } });
      expect(again.get("mine")?.name).toBe("Mine v2");
      entries = await again.removeCustom("mine");
      expect(entries.some((e) => e.id === "mine")).toBe(false);
      expect(again.get("mine")).toBeUndefined();
    } finally {
      reopened.close();
    }
  });

  it("refuses to overwrite or remove a built-in preset, and to remove an unknown entry", async () => {
    const service = new CatalogService(testDb().db, { env: { PATH: "" } });
    await expect(
      service.saveCustom({
        id: "codex",
        name: "x",
        command: "x",
        providerKind: null,
      }),
    ).rejects.toBeInstanceOf(AppError);
    await expect(service.removeCustom("claude-code")).rejects.toMatchObject({
      code: "invalid-params",
    });
    await expect(service.removeCustom("nope")).rejects.toMatchObject({
      code: "not-found",
    });
    expect(service.get("codex")?.command).toBe("codex");
  });
});
