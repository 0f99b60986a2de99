/**
 * Each coding CLI's own way of being pointed at a provider and of reporting its status: the
 * per-agent config files, flags and environment that launch.ts assembles into one launch.
 */
import { join } from "node:path";
import type { ProviderKind } from "../../../shared/types";
import { KEY_ENV } from "../../../shared/vendor-keys";
import { assertNever } from "../errors";
import type { CliLaunch, CliLaunchOptions, CliProvider } from "./launch";

/** Variables carrying each provider kind's key and base URL, for CLIs that read the vendor's own names. */
const PROVIDER_ENV: Record<ProviderKind, { key: string; baseUrl: string }> = {
  anthropic: { key: KEY_ENV.anthropic, baseUrl: "ANTHROPIC_BASE_URL" },
  openai: { key: KEY_ENV.openai, baseUrl: "OPENAI_BASE_URL" },
  "openai-compatible": { key: KEY_ENV["openai-compatible"], baseUrl: "OPENAI_BASE_URL" },
  google: { key: KEY_ENV.google, baseUrl: "GOOGLE_GEMINI_BASE_URL" },
};

/** Quotes a value for a POSIX shell command line. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A shell command that appends one status line to the report file. The path is embedded rather
 * than read from $FLOTILLA_REPORT because some CLIs (Gemini) run hooks with a sanitized env.
 * `stdout` is what some CLIs read back from a hook, so it prints only `echoJson` (or nothing).
 */
export function reportCommand(
  reportFile: string,
  activity: string,
  echoJson = false,
): string {
  const line = JSON.stringify({ type: "status", activity });
  const append = `printf '%s\\n' ${shellQuote(line)} >> ${shellQuote(reportFile)}`;
  return echoJson ? `${append}; printf '{}'` : append;
}

/** An OpenAI-style base URL ends in a version segment (`/v1`); add it when the user left it off. */
export function openAiBaseUrl(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, "");
  return /\/v\d+[a-z0-9]*$/i.test(trimmed) ? trimmed : `${trimmed}/v1`;
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

export function addVendorEnv(
  env: Record<string, string>,
  provider: CliProvider,
): void {
  const names = PROVIDER_ENV[provider.kind];
  if (provider.key) env[names.key] = provider.key;
  if (provider.baseUrl) env[names.baseUrl] = provider.baseUrl;
}

/**
 * Claude Code: hooks in a per-agent settings file (`--settings`); with a Flotilla provider, a
 * per-agent CLAUDE_CONFIG_DIR whose config records onboarding as done so the TUI starts offline.
 * Without a provider the user's own login (their ~/.claude) is kept.
 */
export function claude(
  opts: CliLaunchOptions,
  env: Record<string, string>,
  files: CliLaunch["files"],
  args: string[],
): void {
  const dir = join(opts.stateDir, "claude");
  const hook = (activity: string) => [
    {
      matcher: "",
      hooks: [
        { type: "command", command: reportCommand(opts.reportFile, activity) },
      ],
    },
  ];
  const settings = {
    hooks: {
      UserPromptSubmit: hook("working"),
      PreToolUse: hook("working"),
      PostToolUse: hook("working"),
      Notification: hook("waiting"),
      Stop: hook("idle"),
    },
  };
  const settingsFile = join(dir, "settings.json");
  files.push({
    path: settingsFile,
    content: `${JSON.stringify(settings, null, 2)}\n`,
  });
  args.push("--settings", settingsFile);
  // As root, Claude refuses to skip permissions unless told it runs in a sandbox.
  if (opts.permissionMode === "full-auto" && isRoot()) env.IS_SANDBOX = "1";

  const provider = opts.provider;
  if (!provider) return;
  addVendorEnv(env, provider);
  const configDir = join(dir, "home");
  env.CLAUDE_CONFIG_DIR = configDir;
  const config: Record<string, unknown> = {
    hasCompletedOnboarding: true,
    theme: "dark",
  };
  // Claude asks once whether to use a key found in the environment, keyed by the key's last 20
  // characters; recording the answer keeps the TUI from stopping on that question.
  if (provider.key)
    config.customApiKeyResponses = {
      approved: [provider.key.slice(-20)],
      rejected: [],
    };
  if (opts.worktreePath) {
    config.projects = {
      [opts.worktreePath]: {
        hasTrustDialogAccepted: true,
        hasCompletedProjectOnboarding: true,
      },
    };
  }
  files.push({
    path: join(configDir, ".claude.json"),
    content: `${JSON.stringify(config, null, 2)}\n`,
  });
}

/**
 * Codex: `notify` reports the end of a turn (idle) or an approval request (waiting); the daemon
 * that a TUI can leave behind is switched off. With a Flotilla provider, a per-agent CODEX_HOME
 * (not under /tmp, where Codex refuses helpers) and a `flotilla` model provider over HTTP
 * streaming: Codex ignores OPENAI_BASE_URL.
 */
export function codex(
  opts: CliLaunchOptions,
  env: Record<string, string>,
  files: CliLaunch["files"],
  args: string[],
): void {
  // Codex appends the event JSON as the last argument, i.e. $1 of this script.
  const script =
    `case "$1" in *approval-requested*) a=waiting;; *) a=idle;; esac; ` +
    `printf '{"type":"status","activity":"%s"}\\n' "$a" >> ${shellQuote(opts.reportFile)}`;
  args.push(
    "-c",
    `notify=${tomlArray(["sh", "-c", script, "flotilla-notify"])}`,
  );
  args.push(
    "-c",
    "features.daemon_auto_start=false",
    "-c",
    "check_for_update_on_startup=false",
    "-c",
    "analytics.enabled=false",
  );

  const provider = opts.provider;
  if (!provider) return;
  const home = join(opts.stateDir, "codex-home");
  env.CODEX_HOME = home;
  if (provider.key) env.OPENAI_API_KEY = provider.key;
  const baseUrl = openAiBaseUrl(
    provider.baseUrl ?? "https://api.openai.com/v1",
  );
  args.push(
    "-c",
    'model_provider="flotilla"',
    "-c",
    `model_providers.flotilla={name="flotilla", base_url=${tomlString(baseUrl)}, env_key="OPENAI_API_KEY", wire_api="responses"}`,
  );
  const lines = ["[features]", "daemon_auto_start = false", ""];
  if (opts.worktreePath)
    lines.push(
      `[projects.${tomlString(opts.worktreePath)}]`,
      'trust_level = "trusted"',
      "",
    );
  files.push({ path: join(home, "config.toml"), content: lines.join("\n") });
}

/**
 * Gemini CLI: a per-agent settings file given as its highest-precedence settings layer
 * (GEMINI_CLI_SYSTEM_SETTINGS_PATH) with hooks, and the API-key auth type when Flotilla
 * supplies the key. The user's ~/.gemini stays as it is. Gemini skips (with a warning) a
 * system settings file below any group- or world-writable folder, so the data dir must not
 * live under /tmp; a user's data dir is in their home.
 */
export function gemini(
  opts: CliLaunchOptions,
  env: Record<string, string>,
  files: CliLaunch["files"],
): void {
  // Gemini parses a hook's stdout as JSON, hence the `{}`.
  const hook = (activity: string) => [
    {
      matcher: "",
      hooks: [
        {
          type: "command",
          command: reportCommand(opts.reportFile, activity, true),
          timeout: 5000,
        },
      ],
    },
  ];
  const settings: Record<string, unknown> = {
    // Quiet: no usage statistics or telemetry to Google, no update checks.
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    hooksConfig: { enabled: true, notifications: false },
    hooks: {
      BeforeAgent: hook("working"),
      BeforeTool: hook("working"),
      AfterTool: hook("working"),
      Notification: hook("waiting"),
      AfterAgent: hook("idle"),
    },
  };
  const provider = opts.provider;
  if (provider) {
    addVendorEnv(env, provider);
    settings.security = { auth: { selectedType: "gemini-api-key" } };
    // A per-agent home (as for Claude and Codex): its chats, where Gemini records token usage,
    // stay with the agent; without a Flotilla provider the user's own ~/.gemini login is kept.
    env.GEMINI_CLI_HOME = join(opts.stateDir, "gemini", "home");
  }
  const file = join(opts.stateDir, "gemini", "settings.json");
  env.GEMINI_CLI_SYSTEM_SETTINGS_PATH = file;
  files.push({ path: file, content: `${JSON.stringify(settings, null, 2)}\n` });
}

/** opencode: config through OPENCODE_CONFIG_CONTENT; the key stays in the env (`{env:...}`). */
export function opencode(opts: CliLaunchOptions, env: Record<string, string>): void {
  const permission =
    opts.permissionMode === "ask"
      ? { edit: "ask", bash: "ask" }
      : opts.permissionMode === "auto-edit"
        ? { edit: "allow", bash: "ask" }
        : undefined;
  const config: Record<string, unknown> = {
    $schema: "https://opencode.ai/config.json",
    autoupdate: false,
    share: "disabled",
  };
  if (permission) config.permission = permission;
  const fromEnv = opts.provider ? null : opts.environmentKey;
  if (fromEnv?.baseUrl) {
    // The user's own opencode setup, with its vendor's endpoint moved to Flotilla's gateway.
    const id = fromEnv.kind === "anthropic" ? "anthropic" : fromEnv.kind === "google" ? "google" : "openai";
    const keyVar = id === "anthropic" ? "ANTHROPIC_API_KEY" : id === "google" ? "GOOGLE_GENERATIVE_AI_API_KEY" : "OPENAI_API_KEY";
    const baseURL = id === "openai" ? openAiBaseUrl(fromEnv.baseUrl) : fromEnv.baseUrl;
    config.provider = { [id]: { options: { apiKey: `{env:${keyVar}}`, baseURL } } };
  }
  const provider = opts.provider;
  if (provider) {
    // A per-agent data folder: opencode's database, where it records token usage, stays with
    // the agent (read by status/opencode-usage.ts); the user's own sessions stay untouched.
    env.XDG_DATA_HOME = join(opts.stateDir, "opencode", "data");
    const model = provider.model ?? "default";
    switch (provider.kind) {
      case "openai":
      case "openai-compatible": {
        if (provider.key) env.OPENAI_API_KEY = provider.key;
        config.provider = {
          flotilla: {
            npm: "@ai-sdk/openai-compatible",
            name: "Flotilla provider",
            options: {
              baseURL: openAiBaseUrl(
                provider.baseUrl ?? "https://api.openai.com/v1",
              ),
              apiKey: "{env:OPENAI_API_KEY}",
            },
            models: { [model]: { name: model } },
          },
        };
        config.model = `flotilla/${model}`;
        break;
      }
      case "anthropic":
      case "google": {
        const id = provider.kind;
        const keyVar =
          id === "anthropic"
            ? "ANTHROPIC_API_KEY"
            : "GOOGLE_GENERATIVE_AI_API_KEY";
        if (provider.key) env[keyVar] = provider.key;
        const options: Record<string, string> = { apiKey: `{env:${keyVar}}` };
        if (provider.baseUrl) options.baseURL = provider.baseUrl;
        config.provider = { [id]: { options } };
        if (provider.model) config.model = `${id}/${provider.model}`;
        break;
      }
      default:
        assertNever(provider.kind);
    }
  }
  env.OPENCODE_CONFIG_CONTENT = JSON.stringify(config);
}

/** Aider (litellm underneath): vendor key variables; OPENAI_API_BASE for a custom endpoint. */
export function aider(
  opts: CliLaunchOptions,
  env: Record<string, string>,
  args: string[],
): void {
  args.push(
    "--no-check-update",
    "--no-show-release-notes",
    "--analytics-disable",
  );
  const provider = opts.provider;
  if (!provider) return;
  if (provider.kind === "anthropic") {
    if (provider.key) env.ANTHROPIC_API_KEY = provider.key;
    if (provider.baseUrl) env.ANTHROPIC_BASE_URL = provider.baseUrl;
    return;
  }
  if (provider.key) env.OPENAI_API_KEY = provider.key;
  if (provider.baseUrl) env.OPENAI_API_BASE = openAiBaseUrl(provider.baseUrl);
  // litellm routes an OpenAI-compatible server by the `openai/` model prefix.
  if (provider.kind === "openai-compatible" && provider.model) {
    const i = args.indexOf("--model");
    if (i >= 0 && !args[i + 1]!.startsWith("openai/"))
      args[i + 1] = `openai/${args[i + 1]}`;
  }
}

export function tomlString(value: string): string {
  return JSON.stringify(value);
}

export function tomlArray(values: string[]): string {
  return `[${values.map(tomlString).join(", ")}]`;
}
