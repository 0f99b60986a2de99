/**
 * Turns a catalog preset plus one agent's choices into an argv, the extra environment the CLI
 * needs and the config files to write first. Everything is per agent, under its private state
 * folder: the user's global CLI config is never touched.
 */
import type { PermissionMode, ProviderKind } from "../../../shared/types";
import { AppError, assertNever } from "../errors";
import type { CliPreset } from "./presets";
import { addVendorEnv, aider, claude, codex, gemini, openAiBaseUrl, opencode, tomlString } from "./cli-integrations";

export { openAiBaseUrl, reportCommand, shellQuote } from "./cli-integrations";

/** The provider a CLI talks to, resolved by the caller (the key is the secret itself). */
export interface CliProvider {
  kind: ProviderKind;
  baseUrl: string | null;
  key: string | null;
  model: string | null;
}

/** One agent's launch choices. */
export interface CliLaunchOptions {
  task: string | null;
  permissionMode: PermissionMode;
  resume: boolean;
  /** Private per-agent folder under the data dir, for config homes and the report file. */
  stateDir: string;
  provider: CliProvider | null;
  /**
   * Without a Flotilla provider ("the CLI's own"): the key Flotilla's environment holds for the
   * CLI's vendor, already turned into the gateway's URL and the agent's token by the caller. Only
   * the vendor's key and base URL variables are set; the CLI keeps the user's own config.
   */
  environmentKey?: CliProvider | null;
  /** JSONL file the CLI's hooks append status lines to. */
  reportFile: string;
  /** The agent's worktree; lets a CLI's folder-trust prompt be pre-answered. */
  worktreePath?: string;
}

/** What to spawn: argv (the file is looked up on PATH), extra env, and files to write before. */
export interface CliLaunch {
  file: string;
  args: string[];
  env: Record<string, string>;
  files: { path: string; content: string }[];
}

/** Builds the launch of `preset` for one agent. Throws AppError when the provider does not fit. */
export function buildCliLaunch(
  preset: CliPreset,
  opts: CliLaunchOptions,
): CliLaunch {
  const provider = opts.provider;
  if (
    provider &&
    !preset.custom &&
    !preset.acceptsProviders.includes(provider.kind)
  ) {
    throw new AppError(
      "invalid-params",
      `${preset.name} cannot use a ${provider.kind} provider. Choose one of: ${preset.acceptsProviders.join(", ")}.`,
    );
  }
  if (!preset.permissionModes.includes(opts.permissionMode)) {
    throw new AppError(
      "invalid-params",
      `${preset.name} has no "${opts.permissionMode}" mode. Choose one of: ${preset.permissionModes.join(", ")}.`,
    );
  }
  const env: Record<string, string> = {
    ...preset.quietEnv,
    FLOTILLA_REPORT: opts.reportFile,
  };
  const files: CliLaunch["files"] = [];
  const prefix: string[] = [];
  const args: string[] = [
    ...(preset.permissionArgs[opts.permissionMode] ?? []),
  ];
  const model = provider?.model ?? null;
  if (model && preset.modelFlag) args.push(preset.modelFlag, model);

  if (!provider && opts.environmentKey) {
    environmentKey(preset.integration, opts.environmentKey, env, args);
  }

  switch (preset.integration) {
    case "custom": {
      if (provider) addVendorEnv(env, provider);
      env.FLOTILLA_TASK = opts.task ?? "";
      const shell = process.env.SHELL || "/bin/sh";
      return { file: shell, args: ["-lc", preset.command], env, files };
    }
    case "claude":
      claude(opts, env, files, args);
      break;
    case "codex":
      codex(opts, env, files, args);
      break;
    case "gemini":
      gemini(opts, env, files);
      break;
    case "opencode":
      opencode(opts, env);
      break;
    case "aider":
      aider(opts, env, args);
      break;
    default:
      assertNever(preset.integration);
  }

  if (opts.resume && preset.resume) {
    if (preset.resume.prefix) prefix.push(...preset.resume.args);
    else args.push(...preset.resume.args);
  } else if (opts.task) {
    const delivery = preset.task;
    switch (delivery.kind) {
      case "positional":
        // `--` ends the options so a task starting with "-" stays a prompt.
        args.push("--", opts.task);
        break;
      case "flag":
        if (delivery.joined) args.push(`${delivery.flag}=${opts.task}`);
        else args.push(delivery.flag, opts.task);
        break;
      case "none":
        break;
      default:
        assertNever(delivery);
    }
  }
  return { file: preset.command, args: [...prefix, ...args], env, files };
}

/** "The CLI's own" with the environment's vendor key: the vendor's variables (Codex: its provider args). */
function environmentKey(
  integration: CliPreset["integration"],
  provider: CliProvider,
  env: Record<string, string>,
  args: string[],
): void {
  switch (integration) {
    case "codex":
      // Codex ignores OPENAI_BASE_URL: a model provider on the command line, the config untouched.
      if (provider.key) env.OPENAI_API_KEY = provider.key;
      args.push(
        "-c",
        'model_provider="flotilla"',
        "-c",
        `model_providers.flotilla={name="flotilla", base_url=${tomlString(openAiBaseUrl(provider.baseUrl ?? "https://api.openai.com/v1"))}, env_key="OPENAI_API_KEY", wire_api="responses"}`,
      );
      return;
    case "opencode":
      if (provider.kind === "anthropic") env.ANTHROPIC_API_KEY = provider.key ?? "";
      else if (provider.kind === "google") env.GOOGLE_GENERATIVE_AI_API_KEY = provider.key ?? "";
      else env.OPENAI_API_KEY = provider.key ?? "";
      return;
    case "aider":
      if (provider.kind === "anthropic") {
        if (provider.key) env.ANTHROPIC_API_KEY = provider.key;
        if (provider.baseUrl) env.ANTHROPIC_BASE_URL = provider.baseUrl;
      } else {
        if (provider.key) env.OPENAI_API_KEY = provider.key;
        if (provider.baseUrl) env.OPENAI_API_BASE = openAiBaseUrl(provider.baseUrl);
      }
      return;
    case "claude":
    case "gemini":
    case "custom":
      addVendorEnv(env, provider);
      return;
    default:
      assertNever(integration);
  }
}
