/**
 * Plans how an agent's process starts: which program, which arguments, which environment and
 * which per-agent config files, for each kind of agent, optionally inside the OS sandbox.
 * The environment is the scrubbed allow-list plus only what this agent's own provider needs, and
 * never a real key: an agent with a provider talks to Flotilla's provider gateway with a
 * per-agent token (see sandbox/provider-gateway.ts), and the gateway adds the key.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LaunchConfig, ProviderKind } from '../../../shared/types';
import type { AgentRow } from '../db';
import { AppError } from '../errors';
import { defaultShell } from '../pty';
import { buildCliLaunch, type CatalogService } from '../catalog';
import type { ProviderService, ResolvedProvider } from '../providers';
import {
  agentKeyFor,
  gatewayBaseUrl,
  newGatewayToken,
  planProviderNetwork,
  wrapCommand,
  type GatewayRoute,
  type ProviderNetworkPlan,
  type SandboxGit,
} from '../sandbox';
import { KEY_ENV } from '../../../shared/vendor-keys';
import { buildAgentEnv } from './agent-env';

/** Where each vendor's API lives when the provider has no base URL of its own. */
const VENDOR_BASE_URL: Record<ProviderKind, string | null> = {
  openai: 'https://api.openai.com/v1',
  'openai-compatible': null,
  anthropic: 'https://api.anthropic.com',
  google: 'https://generativelanguage.googleapis.com',
};

/** The vendors' own variable for their endpoint, honoured for "the CLI's own (environment)". */
const VENDOR_BASE_URL_VARIABLE: Record<ProviderKind, string> = {
  openai: 'OPENAI_BASE_URL',
  'openai-compatible': 'OPENAI_BASE_URL',
  anthropic: 'ANTHROPIC_BASE_URL',
  google: 'GOOGLE_GEMINI_BASE_URL',
};

export interface LaunchContext {
  catalog: CatalogService;
  providers: ProviderService;
  /** Per-agent private folder: config homes, the report file. */
  stateDir: string;
  reportFile: string;
  /** How a confined agent's sandbox is laid out (its git, the data folder to hide, the socket filter). */
  sandbox: {
    git: SandboxGit;
    dataDir: string;
    socketFilterFile: string | null;
    /** Files shown read-only in the sandbox's empty home, e.g. a .gitconfig with the user's name. */
    homeFiles: Array<{ source: string; name: string }>;
  };
  homeDir: string;
  /** out/main/agent.js: Flotilla's own agent, run by this same Node (or Electron as Node). */
  ownAgentEntry: string | null;
  /** Start a CLI so that it resumes its previous session (restart after an interruption). */
  resume: boolean;
  /** out/main/netBridge.js: network mode 'provider' (null: not built, the sandbox stays offline). */
  netBridgeEntry: string | null;
  /** The port of the provider gateway's 127.0.0.1 listener (ProviderGatewayHub.port()). */
  gatewayPort: number;
  /** Extra variable names passed from Flotilla's environment (the user's setting). */
  passEnv?: readonly string[];
}

export interface LaunchPlan {
  file: string;
  args: string[];
  env: Record<string, string>;
  /**
   * The agent's way to its provider: open this route on the gateway before spawning (with its
   * UNIX socket for network 'provider'), close it when the process exits.
   */
  gateway: { route: GatewayRoute; socketPath: string | null } | null;
}

/** A provider as an agent sees it: the gateway's URL and the agent's token as its key. */
interface AgentProvider {
  provider: ResolvedProvider;
  /** The base URL the agent is given (the gateway, with the token). */
  baseUrl: string;
  /** The agent's "API key": the token, never the real key. */
  key: string;
}

/** Builds the process plan for an agent and writes the config files it needs. */
export function planLaunch(row: AgentRow, ctx: LaunchContext): LaunchPlan {
  const env = buildAgentEnv({
    agentName: row.name,
    branch: row.branch,
    baseRef: row.baseRef,
    worktreePath: row.worktreePath,
    task: row.task,
    passEnv: ctx.passEnv,
  });
  env.FLOTILLA_REPORT = ctx.reportFile;
  const token = newGatewayToken();
  const net = planNetwork(row, ctx, token);
  let gateway: LaunchPlan['gateway'] = null;
  /** Routes `provider` through the gateway for this agent; what the agent is told instead. */
  const viaGateway = (provider: ResolvedProvider): AgentProvider => {
    const baseUrl = providerBaseUrl(provider);
    gateway = { route: { token, target: new URL(baseUrl).origin, kind: provider.kind, key: provider.key }, socketPath: net?.socketPath ?? null };
    return { provider, baseUrl: net?.localBaseUrl ?? gatewayBaseUrl(`http://127.0.0.1:${ctx.gatewayPort}`, token, baseUrl), key: agentKeyFor(token) };
  };
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
      plan = planCli(row, requireLaunch(row), ctx, env, viaGateway);
      break;
    case 'flotilla':
      plan = planOwnAgent(row, requireLaunch(row), ctx, env, viaGateway);
      break;
  }
  const launch = row.launch;
  if (launch?.confined) {
    // With the bridge, the sandbox itself is offline: its only way out is the gateway's socket.
    const wrapped = wrapCommand({ file: plan.file, args: plan.args }, {
      worktreePath: row.worktreePath,
      git: ctx.sandbox.git,
      stateDir: ctx.stateDir,
      homeDir: ctx.homeDir,
      dataDir: ctx.sandbox.dataDir,
      network: net ? 'off' : launch.network,
      bridge: net ? net.wrap : undefined,
      socketFilterFile: ctx.sandbox.socketFilterFile,
      homeFiles: ctx.sandbox.homeFiles,
      // Flotilla's own programs and the agent's PATH stay visible (read-only) even when they live
      // under /tmp, home or the data folder, which the sandbox replaces with empty ones.
      readOnlyPaths: [
        ...[ctx.ownAgentEntry, ctx.netBridgeEntry].filter((p): p is string => p !== null).map((p) => dirname(p)),
        ...(plan.env.PATH ?? '').split(':'),
      ],
    });
    plan = { ...plan, ...wrapped };
    // Under Electron the bridge runs as plain Node (it keeps this variable from its command).
    if (net) plan.env.ELECTRON_RUN_AS_NODE = '1';
  }
  return { ...plan, gateway };
}

/** The provider's real base URL: its own, or its vendor's. */
function providerBaseUrl(provider: Pick<ResolvedProvider, 'name' | 'kind' | 'baseUrl'>): string {
  const baseUrl = provider.baseUrl ?? VENDOR_BASE_URL[provider.kind];
  if (!baseUrl) throw new AppError('invalid-params', `${provider.name} has no base URL. Add one in Settings → Providers.`);
  return baseUrl;
}

/** Network 'provider' for a confined agent with a provider; null otherwise ('provider' then means no network). */
function planNetwork(row: AgentRow, ctx: LaunchContext, token: string): ProviderNetworkPlan | null {
  const launch = row.launch;
  if (!launch?.confined || launch.network !== 'provider' || !ctx.netBridgeEntry || process.platform !== 'linux') return null;
  const provider = providerFor(launch, ctx) ?? ownEnvironmentProvider(row, ctx);
  if (!provider) return null;
  return planProviderNetwork({ stateDir: ctx.stateDir, providerBaseUrl: providerBaseUrl(provider), bridgeEntry: ctx.netBridgeEntry, nodePath: process.execPath, token });
}

/**
 * "The CLI's own (environment)": no Flotilla provider, but the key Flotilla's environment holds for
 * the CLI's vendor (e.g. ANTHROPIC_API_KEY for Claude Code) still reaches the CLI, through the gateway.
 * Null when the environment holds none or the CLI has no vendor.
 */
function ownEnvironmentProvider(row: AgentRow, ctx: LaunchContext): ResolvedProvider | null {
  const launch = row.launch;
  if (row.kind !== 'cli' || !launch?.presetId || launch.providerId) return null;
  const kind = ctx.catalog.get(launch.presetId)?.providerKind;
  if (!kind) return null;
  const key = ctx.providers.environmentKey(kind);
  if (!key) return null;
  // A base URL the user set for the vendor (a proxy) is no secret, and it is where the key belongs.
  const baseUrl = process.env[VENDOR_BASE_URL_VARIABLE[kind]]?.trim() || null;
  if (baseUrl && !/^https?:\/\//.test(baseUrl)) {
    throw new AppError('invalid-params', `${VENDOR_BASE_URL_VARIABLE[kind]} in Flotilla's environment is not an http(s) URL (${baseUrl}).`);
  }
  return { id: kind, kind, name: `${kind} (environment)`, baseUrl, key, models: [] };
}

function requireLaunch(row: AgentRow): LaunchConfig {
  if (!row.launch) throw new AppError('internal', `${row.name} has no launch settings.`);
  return row.launch;
}

function providerFor(launch: LaunchConfig, ctx: LaunchContext) {
  return launch.providerId ? ctx.providers.resolve(launch.providerId) : null;
}

function planCli(
  row: AgentRow,
  launch: LaunchConfig,
  ctx: LaunchContext,
  env: Record<string, string>,
  viaGateway: (p: ResolvedProvider) => AgentProvider,
): Omit<LaunchPlan, 'gateway'> {
  const preset = launch.presetId ? ctx.catalog.get(launch.presetId) : undefined;
  if (!preset) throw new AppError('not-found', `The coding CLI "${launch.presetId}" is not in the catalog any more. Add it in Settings.`);
  const resolved = providerFor(launch, ctx);
  const own = resolved ? null : ownEnvironmentProvider(row, ctx);
  const provider = resolved ? viaGateway(resolved) : null;
  const ownKey = own ? viaGateway(own) : null;
  const cli = buildCliLaunch(preset, {
    task: row.task,
    permissionMode: launch.permissionMode,
    resume: ctx.resume,
    stateDir: ctx.stateDir,
    provider: provider ? { kind: provider.provider.kind, baseUrl: provider.baseUrl, key: provider.key, model: launch.model ?? null } : null,
    environmentKey: ownKey ? { kind: ownKey.provider.kind, baseUrl: ownKey.baseUrl, key: ownKey.key, model: null } : null,
    reportFile: ctx.reportFile,
    worktreePath: row.worktreePath,
  });
  for (const file of cli.files) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.content, { mode: 0o600 });
  }
  return { file: cli.file, args: cli.args, env: { ...env, ...cli.env } };
}

function planOwnAgent(
  row: AgentRow,
  launch: LaunchConfig,
  ctx: LaunchContext,
  env: Record<string, string>,
  viaGateway: (p: ResolvedProvider) => AgentProvider,
): Omit<LaunchPlan, 'gateway'> {
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
    // Electron's binary runs the agent as plain Node (its commands do not inherit this).
    ELECTRON_RUN_AS_NODE: '1',
  };
  const routed = viaGateway(provider);
  agentEnv.FLOTILLA_AGENT_BASE_URL = routed.baseUrl;
  // The agent's token, not the key: the gateway puts the real one (if any) on each request.
  agentEnv[KEY_ENV[provider.kind]] = routed.key;
  return { file: process.execPath, args: [ctx.ownAgentEntry], env: agentEnv };
}

/**
 * Checks that Flotilla's agent can use `provider` (a key, unless it is a server the
 * user added, which may need none, and a model); returns the model. Run before anything is created.
 */
export function checkOwnAgentProvider(
  provider: { kind: ProviderKind; name: string; key: string | null; baseUrl: string | null; models: string[] },
  model: string | null,
): string {
  // The vendors' own endpoints need a key; a server the user added (a local one) may need none.
  if (!provider.key && provider.baseUrl === null) {
    throw new AppError('invalid-params', `${provider.name} has no API key. Add one in Settings → Providers (or set ${KEY_ENV[provider.kind]}).`);
  }
  const chosen = model ?? provider.models[0];
  if (!chosen) throw new AppError('invalid-params', `Choose a model for ${provider.name}.`);
  return chosen;
}

/** The folder where an agent's private state lives. */
export function agentStateDir(dataDir: string, agentId: string): string {
  return join(dataDir, 'agents', agentId);
}
