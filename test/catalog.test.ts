import { describe, expect, it } from "vitest";
import {
  buildCliLaunch,
  CLI_PRESETS,
  customPreset,
  openAiBaseUrl,
  parseVersion,
  type CliLaunchOptions,
  type CliPreset,
} from "../src/main/core/catalog";
import { buildAgentEnv } from "../src/main/core/agents/agent-env";
import { AppError } from "../src/main/core/errors";

function preset(id: string): CliPreset {
  const p = CLI_PRESETS.find((x) => x.id === id);
  if (!p) throw new Error(`no preset ${id}`);
  return p;
}

const base: CliLaunchOptions = {
  task: "Add a LICENSE file",
  permissionMode: "ask",
  resume: false,
  stateDir: "/data/agents/a1",
  provider: null,
  reportFile: "/data/agents/a1/report.jsonl",
};

describe("catalog presets", () => {
  it("has the five coding CLIs with install hints", () => {
    expect(CLI_PRESETS.map((p) => p.command)).toEqual([
      "claude",
      "codex",
      "gemini",
      "opencode",
      "aider",
    ]);
    expect(preset("claude-code").installHint).toBe(
      "npm install -g @anthropic-ai/claude-code",
    );
    expect(preset("aider").installHint).toBe("pip install aider-chat");
  });

  it("reads version numbers from --version output", () => {
    expect(parseVersion("2.1.197 (Claude Code)")).toBe("2.1.197");
    expect(parseVersion("codex-cli 0.169.0")).toBe("0.169.0");
    expect(parseVersion("aider 0.86.1\n")).toBe("0.86.1");
    expect(parseVersion("nightly")).toBe("nightly");
  });

  it("normalizes OpenAI-style base URLs to end in a version segment", () => {
    expect(openAiBaseUrl("http://127.0.0.1:8080")).toBe(
      "http://127.0.0.1:8080/v1",
    );
    expect(openAiBaseUrl("http://127.0.0.1:11434/v1/")).toBe(
      "http://127.0.0.1:11434/v1",
    );
  });
});

describe("Claude Code launch", () => {
  it("maps permission modes to its own flags", () => {
    const ask = buildCliLaunch(preset("claude-code"), base);
    expect(ask.args).not.toContain("--permission-mode");
    expect(ask.args).not.toContain("--dangerously-skip-permissions");
    const edit = buildCliLaunch(preset("claude-code"), {
      ...base,
      permissionMode: "auto-edit",
    });
    expect(edit.args.join(" ")).toContain("--permission-mode acceptEdits");
    const full = buildCliLaunch(preset("claude-code"), {
      ...base,
      permissionMode: "full-auto",
    });
    expect(full.args).toContain("--dangerously-skip-permissions");
    if (process.getuid?.() === 0) expect(full.env.IS_SANDBOX).toBe("1");
  });

  it("passes the task as the positional prompt after --, and --continue instead when resuming", () => {
    const launch = buildCliLaunch(preset("claude-code"), {
      ...base,
      task: "-weird task",
    });
    expect(launch.file).toBe("claude");
    expect(launch.args.slice(-2)).toEqual(["--", "-weird task"]);
    const resumed = buildCliLaunch(preset("claude-code"), {
      ...base,
      resume: true,
    });
    expect(resumed.args).toContain("--continue");
    expect(resumed.args).not.toContain("Add a LICENSE file");
  });

  it("writes hooks that append status lines to the report file into a per-agent settings file", () => {
    const launch = buildCliLaunch(preset("claude-code"), base);
    const i = launch.args.indexOf("--settings");
    const settingsPath = launch.args[i + 1];
    expect(settingsPath).toBe("/data/agents/a1/claude/settings.json");
    const file = launch.files.find((f) => f.path === settingsPath)!;
    const settings = JSON.parse(file.content) as {
      hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>>;
    };
    expect(Object.keys(settings.hooks)).toEqual(
      expect.arrayContaining([
        "UserPromptSubmit",
        "PreToolUse",
        "Notification",
        "Stop",
      ]),
    );
    expect(settings.hooks.Stop![0]!.hooks[0]!.command).toContain(
      '{"type":"status","activity":"idle"}',
    );
    expect(settings.hooks.Notification![0]!.hooks[0]!.command).toContain(
      '"activity":"waiting"',
    );
    expect(settings.hooks.Stop![0]!.hooks[0]!.command).toContain(
      "'/data/agents/a1/report.jsonl'",
    );
    expect(launch.env.FLOTILLA_REPORT).toBe("/data/agents/a1/report.jsonl");
  });

  it("with an Anthropic provider: its key, base URL, quiet variables and an onboarded private config dir", () => {
    const launch = buildCliLaunch(preset("claude-code"), {
      ...base,
      worktreePath: "/wt/a1",
      provider: {
        kind: "anthropic",
        baseUrl: "http://127.0.0.1:9999",
        key: "sk-ant-test-0123456789abcdefghij",
        model: "claude-sonnet-4",
      },
    });
    expect(launch.env).toMatchObject({
      ANTHROPIC_API_KEY: "sk-ant-test-0123456789abcdefghij",
      ANTHROPIC_BASE_URL: "http://127.0.0.1:9999",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_TELEMETRY: "1",
      DISABLE_ERROR_REPORTING: "1",
      DISABLE_AUTOUPDATER: "1",
      CLAUDE_CONFIG_DIR: "/data/agents/a1/claude/home",
    });
    expect(launch.args.join(" ")).toContain("--model claude-sonnet-4");
    const config = JSON.parse(
      launch.files.find(
        (f) => f.path === "/data/agents/a1/claude/home/.claude.json",
      )!.content,
    );
    expect(config.hasCompletedOnboarding).toBe(true);
    expect(config.projects["/wt/a1"].hasTrustDialogAccepted).toBe(true);
  });

  it("never adds another provider's key, even when the parent environment has them", () => {
    const saved = {
      o: process.env.OPENAI_API_KEY,
      g: process.env.GEMINI_API_KEY,
    };
    process.env.OPENAI_API_KEY = "sk-openai-secret";
    process.env.GEMINI_API_KEY = "gemini-secret";
    try {
      const launch = buildCliLaunch(preset("claude-code"), {
        ...base,
        provider: {
          kind: "anthropic",
          baseUrl: null,
          key: "sk-ant-1",
          model: null,
        },
      });
      // What the agent process gets: the scrubbed allow-list plus the CLI's own additions.
      const env = {
        ...buildAgentEnv({
          agentName: "a",
          branch: "flotilla/a",
          baseRef: "main",
          worktreePath: "/wt",
          task: null,
        }),
        ...launch.env,
      };
      expect(
        Object.keys(env).filter((k) => /KEY|TOKEN|SECRET/.test(k)),
      ).toEqual(["ANTHROPIC_API_KEY"]);
      expect(env.OPENAI_API_KEY).toBeUndefined();
      expect(env.GEMINI_API_KEY).toBeUndefined();
      expect(JSON.stringify({ env, files: launch.files })).not.toMatch(
        /sk-openai-secret|gemini-secret/,
      );
    } finally {
      if (saved.o === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved.o;
      if (saved.g === undefined) delete process.env.GEMINI_API_KEY;
      else process.env.GEMINI_API_KEY = saved.g;
    }
  });

  it("refuses a provider it cannot talk to", () => {
    expect(() =>
      buildCliLaunch(preset("claude-code"), {
        ...base,
        provider: { kind: "openai", baseUrl: null, key: "k", model: null },
      }),
    ).toThrow(AppError);
  });
});

describe("Codex launch", () => {
  it("maps permission modes and reports turn ends through notify", () => {
    const ask = buildCliLaunch(preset("codex"), base);
    expect(ask.args.join(" ")).toContain("-s read-only -a on-request");
    expect(
      buildCliLaunch(preset("codex"), {
        ...base,
        permissionMode: "auto-edit",
      }).args.join(" "),
    ).toContain("-s workspace-write");
    expect(
      buildCliLaunch(preset("codex"), { ...base, permissionMode: "full-auto" })
        .args,
    ).toContain("--dangerously-bypass-approvals-and-sandbox");
    const notify = ask.args.find((a) => a.startsWith("notify="))!;
    expect(notify).toContain("approval-requested");
    expect(notify).toContain("/data/agents/a1/report.jsonl");
    expect(ask.args).toContain("features.daemon_auto_start=false");
    expect(ask.args).toContain("analytics.enabled=false");
    expect(ask.args.slice(-2)).toEqual(["--", "Add a LICENSE file"]);
  });

  it("resumes with the `resume --last` subcommand first", () => {
    const launch = buildCliLaunch(preset("codex"), { ...base, resume: true });
    expect(launch.args.slice(0, 2)).toEqual(["resume", "--last"]);
    expect(launch.args).not.toContain("Add a LICENSE file");
  });

  it("configures a flotilla model provider over HTTP and a private CODEX_HOME when given a base URL", () => {
    const launch = buildCliLaunch(preset("codex"), {
      ...base,
      worktreePath: "/wt/a1",
      provider: {
        kind: "openai-compatible",
        baseUrl: "http://127.0.0.1:8080",
        key: "sk-local",
        model: "gpt-test",
      },
    });
    expect(launch.env).toMatchObject({
      OPENAI_API_KEY: "sk-local",
      CODEX_HOME: "/data/agents/a1/codex-home",
    });
    expect(launch.env.OPENAI_BASE_URL).toBeUndefined();
    expect(launch.args).toContain('model_provider="flotilla"');
    expect(launch.args).toContain(
      'model_providers.flotilla={name="flotilla", base_url="http://127.0.0.1:8080/v1", env_key="OPENAI_API_KEY", wire_api="responses"}',
    );
    expect(launch.args.join(" ")).toContain("-m gpt-test");
    const toml = launch.files.find(
      (f) => f.path === "/data/agents/a1/codex-home/config.toml",
    )!.content;
    expect(toml).toContain("daemon_auto_start = false");
    expect(toml).toContain('[projects."/wt/a1"]');
  });
});

describe("Gemini CLI launch", () => {
  it("maps modes, skips the trust prompt and installs hooks in a per-agent settings layer", () => {
    expect(
      buildCliLaunch(preset("gemini"), {
        ...base,
        permissionMode: "auto-edit",
      }).args.join(" "),
    ).toContain("--approval-mode auto_edit");
    const full = buildCliLaunch(preset("gemini"), {
      ...base,
      permissionMode: "full-auto",
      provider: {
        kind: "google",
        baseUrl: "http://127.0.0.1:7070",
        key: "g-key",
        model: null,
      },
    });
    expect(full.args).toEqual(
      expect.arrayContaining(["--skip-trust", "--yolo"]),
    );
    expect(full.env).toMatchObject({
      GEMINI_API_KEY: "g-key",
      GOOGLE_GEMINI_BASE_URL: "http://127.0.0.1:7070",
    });
    const settingsFile = full.env.GEMINI_CLI_SYSTEM_SETTINGS_PATH!;
    const settings = JSON.parse(
      full.files.find((f) => f.path === settingsFile)!.content,
    );
    expect(settings.security.auth.selectedType).toBe("gemini-api-key");
    expect(settings.privacy.usageStatisticsEnabled).toBe(false);
    expect(settings.telemetry.enabled).toBe(false);
    expect(settings.general.enableAutoUpdateNotification).toBe(false);
    expect(settings.hooks.AfterAgent[0].hooks[0].command).toContain(
      '"activity":"idle"',
    );
    expect(
      buildCliLaunch(preset("gemini"), { ...base, resume: true }).args.join(
        " ",
      ),
    ).toContain("--resume latest");
  });
});

describe("Gemini CLI task", () => {
  it("submits the task with --prompt-interactive=, so it stays interactive and a leading dash is not an option", () => {
    const launch = buildCliLaunch(preset("gemini"), {
      ...base,
      task: "-v is broken; fix it",
    });
    expect(launch.args.at(-1)).toBe("--prompt-interactive=-v is broken; fix it");
    expect(launch.args).not.toContain("--");
  });
});

describe("opencode and Aider launch", () => {
  it("opencode: task by --prompt, an OpenAI-compatible provider in OPENCODE_CONFIG_CONTENT with the key left in the env", () => {
    const launch = buildCliLaunch(preset("opencode"), {
      ...base,
      permissionMode: "auto-edit",
      provider: {
        kind: "openai-compatible",
        baseUrl: "http://127.0.0.1:8080/v1",
        key: "sk-local",
        model: "qwen",
      },
    });
    expect(launch.args.at(-1)).toBe("--prompt=Add a LICENSE file");
    expect(launch.env.OPENCODE_DISABLE_AUTOUPDATE).toBe("1");
    expect(launch.env.OPENCODE_DISABLE_LSP_DOWNLOAD).toBe("1");
    const config = JSON.parse(launch.env.OPENCODE_CONFIG_CONTENT!);
    expect(config.provider.flotilla.npm).toBe("@ai-sdk/openai-compatible");
    expect(config.provider.flotilla.options.baseURL).toBe(
      "http://127.0.0.1:8080/v1",
    );
    expect(config.model).toBe("flotilla/qwen");
    expect(config.permission).toEqual({ edit: "allow", bash: "ask" });
    expect(launch.env.OPENCODE_CONFIG_CONTENT).not.toContain("sk-local");
    expect(
      buildCliLaunch(preset("opencode"), {
        ...base,
        permissionMode: "full-auto",
      }).args,
    ).toContain("--auto");
  });

  it("aider: --yes-always for full auto, no ask mode, and OPENAI_API_BASE for a local server", () => {
    const launch = buildCliLaunch(preset("aider"), {
      ...base,
      permissionMode: "full-auto",
      provider: {
        kind: "openai-compatible",
        baseUrl: "http://127.0.0.1:8080",
        key: "k",
        model: "qwen",
      },
    });
    expect(launch.args).toContain("--yes-always");
    expect(launch.args.join(" ")).toContain("--model openai/qwen");
    expect(launch.env.OPENAI_API_BASE).toBe("http://127.0.0.1:8080/v1");
    expect(() => buildCliLaunch(preset("aider"), base)).toThrow(
      /no "ask" mode/,
    );
  });
});

describe("custom entries", () => {
  it("run their command line through the user's shell with the task in $FLOTILLA_TASK", () => {
    const p = customPreset({
      id: "mine",
      name: "Mine",
      command: "my-agent --fast",
      providerKind: "openai",
    });
    const launch = buildCliLaunch(p, {
      ...base,
      provider: { kind: "openai", baseUrl: null, key: "sk-o", model: null },
    });
    expect(launch.args).toEqual(["-lc", "my-agent --fast"]);
    expect(launch.env.FLOTILLA_TASK).toBe("Add a LICENSE file");
    expect(launch.env.OPENAI_API_KEY).toBe("sk-o");
    expect(launch.env.ANTHROPIC_API_KEY).toBeUndefined();
  });
});

describe('"the CLI\'s own (environment)" with the environment\'s vendor key', () => {
  const fromEnv = { kind: "anthropic" as const, baseUrl: "http://127.0.0.1:5000/tok", key: "flotilla-local-tok", model: null };

  it("gives Claude Code the vendor's variables and keeps the user's own config folder", () => {
    const launch = buildCliLaunch(preset("claude-code"), { ...base, environmentKey: fromEnv });
    expect(launch.env).toMatchObject({ ANTHROPIC_API_KEY: "flotilla-local-tok", ANTHROPIC_BASE_URL: "http://127.0.0.1:5000/tok" });
    expect(launch.env.CLAUDE_CONFIG_DIR).toBeUndefined();
  });

  it("gives Codex a model provider on the command line (it ignores OPENAI_BASE_URL), and leaves CODEX_HOME alone", () => {
    const launch = buildCliLaunch(preset("codex"), {
      ...base,
      environmentKey: { ...fromEnv, kind: "openai", baseUrl: "http://127.0.0.1:5000/tok/v1" },
    });
    expect(launch.env.OPENAI_API_KEY).toBe("flotilla-local-tok");
    expect(launch.env.CODEX_HOME).toBeUndefined();
    expect(launch.args.join(" ")).toContain('base_url="http://127.0.0.1:5000/tok/v1"');
  });

  it("is ignored when the agent has a Flotilla provider", () => {
    const launch = buildCliLaunch(preset("claude-code"), {
      ...base,
      provider: { kind: "anthropic", baseUrl: "http://127.0.0.1:6000/p", key: "flotilla-local-p", model: null },
      environmentKey: fromEnv,
    });
    expect(launch.env.ANTHROPIC_BASE_URL).toBe("http://127.0.0.1:6000/p");
  });
});
