/**
 * Plans how an agent's process starts: which program, which arguments, which environment and
 * which per-agent config files, for each kind of agent, optionally inside the OS sandbox.
 * The environment is the scrubbed allow-list plus only what this agent's own provider needs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LaunchConfig, ProviderKind } from '../../../shared/types';
import type { AgentRow } from '../db';
import { AppError } from '../errors';
import { defaultShell } from '../pty';
import { buildCliLaunch, type CatalogService } from '../catalog';
import type { ProviderService } from '../providers';
import { pathsHiddenByPrivateTmp, planProviderNetwork, wrapCommand, type ProviderNetworkPlan } from '../sandbox';
import { buildAgentEnv } from './agent-env';

/** The environment variable that carries each vendor's key, for Flotilla's own agent. */
const KEY_VARIABLE: Record<ProviderKind, string> = {
  openai: 'OPENAI_API_KEY',
  'openai-compatible': 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  google: 'GEMINI_API_KEY',
};

/** Where each vendor's API lives when the provider has no base URL of its own (network 'provider'). */
const VENDOR_BASE_URL: Record<ProviderKind, string | null> = {
  openai: 'https://api.openai.com/v1',
  'openai-compatible': null,
  anthropic: 'https://api.anthropic.com',
  google: 'https://generativelanguage.googleapis.com',
};

export interface LaunchContext {
  catalog: CatalogService;
  providers: ProviderService;
  /** Per-agent private folder: config homes, the report file. */
  stateDir: string;
  reportFile: string;
  /** The repository's git common dir (worktree admin and objects), writable inside the sandbox. */
  gitCommonDir: string;
  homeDir: string;
  /** out/main/agent.js: Flotilla's own agent, run by this same Node (or Electron as Node). */
  ownAgentEntry: string | null;
  /** Start a CLI so that it resumes its previous session (restart after an interruption). */
  resume: boolean;
  /** out/main/netBridge.js: network mode 'provider' (null: not built, the sandbox stays offline). */
  netBridgeEntry: string | null;
}

export interface LaunchPlan {
  file: string;
  args: string[];
  env: Record<string, string>;
  /** Network 'provider': start this gateway before spawning, close it when the process exits. */
  gateway: { socketPath: string; target: string } | null;
}

/** Builds the process plan for an agent and writes the config files it needs. */
export function planLaunch(row: AgentRow, ctx: LaunchContext): LaunchPlan {
  const env = buildAgentEnv({ agentName: row.name, branch: row.branch, baseRef: row.baseRef, worktreePath: row.worktreePath, task: row.task });
  env.FLOTILLA_REPORT = ctx.reportFile;
  const net = planNetwork(row, ctx);
  let plan: Omit<LaunchPlan, 'gateway'>;
  switch (row.kind) {
    case 'shell':
      plan = { ...defaultShell(), env };
      break;
    case 'command': {
      const shell = defaultShell();
      plan = { file: shell.file, args: process.platform === 'win32' ? ['/c', row.command ?? ''] : ['-lc', row.command ?? ''], env };
      break;
    }
    case 'cli':
      plan = planCli(row, requireLaunch(row), ctx, env, net);
      break;
    case 'flotilla':
      plan = planOwnAgent(row, requireLaunch(row), ctx, env, net);
      break;
  }
  const launch = row.launch;
  if (launch?.confined) {
    // With the bridge, the sandbox itself is offline: its only way out is the gateway's socket.
    const cmd = net ? net.wrap({ file: plan.file, args: plan.args }) : { file: plan.file, args: plan.args };
    const wrapped = wrapCommand(cmd, {
      worktreePath: row.worktreePath,
      gitCommonDir: ctx.gitCommonDir,
      stateDir: ctx.stateDir,
      homeDir: ctx.homeDir,
      network: net ? 'off' : launch.network,
      // Flotilla's own programs and the agent's PATH stay visible even when they live under /tmp.
      readOnlyPaths: pathsHiddenByPrivateTmp([
        ...[ctx.ownAgentEntry, ctx.netBridgeEntry].filter((p): p is string => p !== null).map((p) => dirname(p)),
        ...(plan.env.PATH ?? '').split(':'),
      ]),
    });
    plan = { ...plan, ...wrapped };
    // Under Electron the bridge runs as plain Node.
    if (net) plan.env.ELECTRON_RUN_AS_NODE = '1';
  }
  return { ...plan, gateway: net ? { socketPath: net.socketPath, target: net.target } : null };
}

/** Network 'provider' for a confined agent with a provider; null otherwise ('provider' then means no network). */
function planNetwork(row: AgentRow, ctx: LaunchContext): ProviderNetworkPlan | null {
  const launch = row.launch;
  if (!launch?.confined || launch.network !== 'provider' || !ctx.netBridgeEntry || process.platform !== 'linux') return null;
  const provider = providerFor(launch, ctx);
  if (!provider) return null;
  const baseUrl = provider.baseUrl ?? VENDOR_BASE_URL[provider.kind];
  if (!baseUrl) throw new AppError('invalid-params', `${provider.name} has no base URL. Add one in Settings → Providers.`);
  return planProviderNetwork({ stateDir: ctx.stateDir, providerBaseUrl: baseUrl, bridgeEntry: ctx.netBridgeEntry, nodePath: process.execPath });
}

function requireLaunch(row: AgentRow): LaunchConfig {
  if (!row.launch) throw new AppError('internal', `${row.name} has no launch settings.`);
  return row.launch;
}

function providerFor(launch: LaunchConfig, ctx: LaunchContext) {
  return launch.providerId ? ctx.providers.resolve(launch.providerId) : null;
}

function planCli(row: AgentRow, launch: LaunchConfig, ctx: LaunchContext, env: Record<string, string>, net: ProviderNetworkPlan | null): Omit<LaunchPlan, 'gateway'> {
  const preset = launch.presetId ? ctx.catalog.get(launch.presetId) : undefined;
  if (!preset) throw new AppError('not-found', `The coding CLI "${launch.presetId}" is not in the catalog any more. Add it in Settings.`);
  const provider = providerFor(launch, ctx);
  const cli = buildCliLaunch(preset, {
    task: row.task,
    permissionMode: launch.permissionMode,
    resume: ctx.resume,
    stateDir: ctx.stateDir,
    provider: provider ? { kind: provider.kind, baseUrl: net?.localBaseUrl ?? provider.baseUrl, key: provider.key, model: launch.model ?? null } : null,
    reportFile: ctx.reportFile,
    worktreePath: row.worktreePath,
  });
  for (const file of cli.files) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.content, { mode: 0o600 });
  }
  return { file: cli.file, args: cli.args, env: { ...env, ...cli.env } };
}

function planOwnAgent(row: AgentRow, launch: LaunchConfig, ctx: LaunchContext, env: Record<string, string>, net: ProviderNetworkPlan | null): Omit<LaunchPlan, 'gateway'> {
  if (!ctx.ownAgentEntry) throw new AppError('unsupported', "Flotilla's agent is not built: run `npm run build`.");
  const provider = providerFor(launch, ctx);
  if (!provider) throw new AppError('invalid-params', "Choose a provider for Flotilla's agent.");
  const model = checkOwnAgentProvider(provider, launch.model);
  const agentEnv: Record<string, string> = {
    ...env,
    FLOTILLA_AGENT_PROVIDER: provider.kind,
    FLOTILLA_AGENT_PROVIDER_NAME: provider.name,
    FLOTILLA_AGENT_MODEL: model,
    FLOTILLA_AGENT_PERMISSION_MODE: launch.permissionMode,
    // The conversation is kept here so a restart resumes it instead of redoing the task.
    FLOTILLA_AGENT_STATE_DIR: ctx.stateDir,
    // Electron's binary runs the agent as plain Node.
    ELECTRON_RUN_AS_NODE: '1',
  };
  const baseUrl = net?.localBaseUrl ?? provider.baseUrl;
  if (baseUrl) agentEnv.FLOTILLA_AGENT_BASE_URL = baseUrl;
  // Only the key this agent's provider needs; an OpenAI-compatible local server may need none.
  agentEnv[KEY_VARIABLE[provider.kind]] = provider.key ?? 'not-needed';
  return { file: process.execPath, args: [ctx.ownAgentEntry], env: agentEnv };
}

/**
 * Checks that Flotilla's agent can use `provider` (a key, unless it is an OpenAI-compatible
 * server that may need none, and a model); returns the model. Run before anything is created.
 */
export function checkOwnAgentProvider(provider: { kind: ProviderKind; name: string; key: string | null; models: string[] }, model: string | null): string {
  if (!provider.key && provider.kind !== 'openai-compatible') {
    throw new AppError('invalid-params', `${provider.name} has no API key. Add one in Settings → Providers (or set ${KEY_VARIABLE[provider.kind]}).`);
  }
  const chosen = model ?? provider.models[0];
  if (!chosen) throw new AppError('invalid-params', `Choose a model for ${provider.name}.`);
  return chosen;
}

/** The folder where an agent's private state lives. */
export function agentStateDir(dataDir: string, agentId: string): string {
  return join(dataDir, 'agents', agentId);
}
