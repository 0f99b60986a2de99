/**
 * The coding CLIs Flotilla knows, as data: how to find each, start it with a task, resume it,
 * map permission modes to its flags, and which variables carry its key and base URL.
 * Flags were checked against each CLI's own `--help` (versions in the comments).
 */
import type { PermissionMode, ProviderKind } from "../../../shared/types";
import type { CliVendor } from "../models";

/** How a CLI receives the task as its first prompt in an interactive session. */
export type TaskDelivery =
  | { kind: "positional" }
  /** `joined` passes `--flag=<task>`, so a task starting with "-" is not read as an option. */
  | { kind: "flag"; flag: string; joined?: boolean }
  /** The CLI has no "start interactive with this prompt" option; the task is in $FLOTILLA_TASK. */
  | { kind: "none" };

/**
 * Which per-CLI integration writes config homes, hooks and provider settings.
 * The set is closed: each needs a few lines of code in launch.ts; everything else is data.
 */
export type CliIntegration =
  "claude" | "codex" | "gemini" | "opencode" | "aider" | "custom";

/** A coding CLI Flotilla can launch. */
export interface CliPreset {
  id: string;
  name: string;
  /** Executable looked up on PATH (presets) or a command line run through the user's shell (custom). */
  command: string;
  installHint: string;
  /** The provider kind whose key it takes by default; null when it brings its own login only. */
  providerKind: ProviderKind | null;
  /** Provider kinds it can talk to when Flotilla hands it a key. */
  acceptsProviders: ProviderKind[];
  /** Whose models it runs: fixed, or that of the provider it is handed (see models/vendor.ts). */
  vendor: CliVendor;
  versionArgs: string[];
  permissionModes: PermissionMode[];
  /** Flags per permission mode; a mode missing here adds no flags (the CLI's default). */
  permissionArgs: Partial<Record<PermissionMode, string[]>>;
  task: TaskDelivery;
  /** Arguments that resume the previous session; `prefix` ones come before all other flags (subcommands). */
  resume: { args: string[]; prefix: boolean } | null;
  /** Flag that selects the model, or null. */
  modelFlag: string | null;
  /** Variables that keep it quiet and offline apart from its provider. */
  quietEnv: Record<string, string>;
  hasStatusHooks: boolean;
  integration: CliIntegration;
  custom: boolean;
}

/** The built-in presets. */
export const CLI_PRESETS: readonly CliPreset[] = [
  {
    // @anthropic-ai/claude-code 2.1.x
    id: "claude-code",
    name: "Claude Code",
    command: "claude",
    installHint: "npm install -g @anthropic-ai/claude-code",
    providerKind: "anthropic",
    acceptsProviders: ["anthropic"],
    vendor: "anthropic",
    versionArgs: ["--version"],
    permissionModes: ["ask", "auto-edit", "full-auto"],
    permissionArgs: {
      "auto-edit": ["--permission-mode", "acceptEdits"],
      "full-auto": ["--dangerously-skip-permissions"],
    },
    task: { kind: "positional" },
    resume: { args: ["--continue"], prefix: false },
    modelFlag: "--model",
    quietEnv: {
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_TELEMETRY: "1",
      DISABLE_ERROR_REPORTING: "1",
      DISABLE_AUTOUPDATER: "1",
    },
    hasStatusHooks: true,
    integration: "claude",
    custom: false,
  },
  {
    // @openai/codex 0.169: `-a` accepts only on-request | never; `-s` read-only | workspace-write | danger-full-access.
    id: "codex",
    name: "Codex",
    command: "codex",
    installHint: "npm install -g @openai/codex",
    providerKind: "openai",
    acceptsProviders: ["openai", "openai-compatible"],
    vendor: "openai",
    versionArgs: ["--version"],
    permissionModes: ["ask", "auto-edit", "full-auto"],
    permissionArgs: {
      ask: ["-s", "read-only", "-a", "on-request"],
      "auto-edit": ["-s", "workspace-write", "-a", "on-request"],
      "full-auto": ["--dangerously-bypass-approvals-and-sandbox"],
    },
    task: { kind: "positional" },
    resume: { args: ["resume", "--last"], prefix: true },
    modelFlag: "-m",
    quietEnv: {},
    hasStatusHooks: true,
    integration: "codex",
    custom: false,
  },
  {
    // @google/gemini-cli 0.61: `--prompt-interactive` submits the task and stays interactive
    // (-p would be headless); a positional query after `--` is not submitted.
    id: "gemini",
    name: "Gemini CLI",
    command: "gemini",
    installHint: "npm install -g @google/gemini-cli",
    providerKind: "google",
    acceptsProviders: ["google"],
    vendor: "google",
    versionArgs: ["--version"],
    permissionModes: ["ask", "auto-edit", "full-auto"],
    permissionArgs: {
      ask: ["--skip-trust"],
      "auto-edit": ["--skip-trust", "--approval-mode", "auto_edit"],
      "full-auto": ["--skip-trust", "--yolo"],
    },
    task: { kind: "flag", flag: "--prompt-interactive", joined: true },
    resume: { args: ["--resume", "latest"], prefix: false },
    modelFlag: "--model",
    quietEnv: {},
    hasStatusHooks: true,
    integration: "gemini",
    custom: false,
  },
  {
    // opencode-ai 1.18: `--prompt` seeds the TUI, `--continue` resumes, `--auto` approves everything;
    // ask / auto-edit are set through the `permission` config (see launch.ts).
    id: "opencode",
    name: "opencode",
    command: "opencode",
    installHint: "npm install -g opencode-ai",
    providerKind: "openai-compatible",
    acceptsProviders: ["openai", "openai-compatible", "anthropic", "google"],
    vendor: "by-provider",
    versionArgs: ["--version"],
    permissionModes: ["ask", "auto-edit", "full-auto"],
    permissionArgs: { "full-auto": ["--auto"] },
    task: { kind: "flag", flag: "--prompt", joined: true },
    resume: { args: ["--continue"], prefix: false },
    modelFlag: null,
    quietEnv: {
      OPENCODE_DISABLE_AUTOUPDATE: "1",
      OPENCODE_DISABLE_MODELS_FETCH: "1",
      OPENCODE_DISABLE_SHARE: "1",
      // Language servers would otherwise be downloaded from GitHub when a file of their language is touched.
      OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    },
    hasStatusHooks: false,
    integration: "opencode",
    custom: false,
  },
  {
    // aider-chat: not installable offline here, so flags come from its documentation, not a run.
    // It applies edits without asking by default; `--yes-always` also confirms commands.
    // `--message` would exit after one reply, so the task is not passed as a prompt.
    id: "aider",
    name: "Aider",
    command: "aider",
    installHint: "pip install aider-chat",
    providerKind: "openai",
    acceptsProviders: ["openai", "openai-compatible", "anthropic"],
    vendor: "by-provider",
    versionArgs: ["--version"],
    permissionModes: ["auto-edit", "full-auto"],
    permissionArgs: { "full-auto": ["--yes-always"] },
    task: { kind: "none" },
    resume: { args: ["--restore-chat-history"], prefix: false },
    modelFlag: "--model",
    quietEnv: {},
    hasStatusHooks: false,
    integration: "aider",
    custom: false,
  },
];

/** A custom entry as a preset: its command line runs through the user's shell, task in $FLOTILLA_TASK. */
export function customPreset(row: {
  id: string;
  name: string;
  command: string;
  providerKind: ProviderKind | null;
}): CliPreset {
  return {
    id: row.id,
    name: row.name,
    command: row.command,
    installHint: "A custom command: make sure its program is on PATH.",
    providerKind: row.providerKind,
    acceptsProviders: row.providerKind ? [row.providerKind] : [],
    // A custom command's vendor is known only through the provider the user gave it.
    vendor: "by-provider",
    versionArgs: [],
    permissionModes: ["ask", "auto-edit", "full-auto"],
    permissionArgs: {},
    task: { kind: "none" },
    resume: null,
    modelFlag: null,
    quietEnv: {},
    hasStatusHooks: false,
    integration: "custom",
    custom: true,
  };
}
