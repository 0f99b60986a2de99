/**
 * What an agent is launched with, decided before anything is created: the catalog entry, the
 * provider (Flotilla's agent must be able to use it), the permission mode, and confinement and
 * network defaults (confined wherever it can be; a confined agent with a provider reaches only it).
 */
import { confinedByDefault } from '../../../shared/confinement';
import type { LaunchConfig } from '../../../shared/types';
import type { CatalogService } from '../catalog';
import { AppError } from '../errors';
import type { ProviderService } from '../providers';
import { detectSandbox } from '../sandbox';
import type { CreateAgentParams } from './agent-types';
import { checkOwnAgentProvider } from './launch';

/** Validates the kind-specific choices and fills in defaults (confined when it can be); runs before anything is created. */
export async function launchConfigFor(
params: CreateAgentParams,
deps: { catalog: CatalogService; providers: ProviderService; netBridgeEntry: string | null },
): Promise<LaunchConfig | null> {
  if (params.kind === 'shell' || params.kind === 'command') {
    // A confined shell is a place to try things out of harm's way: confined, offline by default.
    if (!params.confined) return null;
    const sandbox = await detectSandbox();
    if (!sandbox.available) throw new AppError('unsupported', sandbox.note);
    return { presetId: null, providerId: null, model: null, permissionMode: 'full-auto', confined: true, network: params.network ?? 'off' };
  }
  let presetId: string | null = null;
  if (params.kind === 'cli') {
    const entry = (await deps.catalog.list()).find((e) => e.id === params.presetId);
    if (!entry) throw new AppError('invalid-params', 'Choose a coding CLI from the catalog.');
    if (!entry.installed) throw new AppError('not-found', `${entry.name} is not installed. ${entry.installHint}`);
    if (params.permissionMode && !entry.permissionModes.includes(params.permissionMode)) {
      throw new AppError('invalid-params', `${entry.name} has no "${params.permissionMode}" mode.`);
    }
    presetId = entry.id;
  }
  const providerId = params.providerId ?? null;
  if (params.kind === 'flotilla' && !providerId) throw new AppError('invalid-params', "Choose a provider for Flotilla's agent.");
  const provider = providerId ? deps.providers.resolve(providerId) : null;
  // Before any worktree or branch exists: a provider Flotilla's agent cannot use fails here.
  if (params.kind === 'flotilla' && provider) checkOwnAgentProvider(provider, params.model?.trim() || null);
  const permissionMode = params.permissionMode ?? (params.kind === 'flotilla' ? 'auto-edit' : 'ask');
  const sandbox = await detectSandbox();
  const confined = params.confined ?? confinedByDefault(params.kind, permissionMode, sandbox.available);
  if (confined && !sandbox.available) throw new AppError('unsupported', sandbox.note);
  // A confined agent with a provider reaches only that provider unless asked otherwise (where
  // the network bridge is built; without it 'provider' would mean no network at all).
  const providerOnly = confined && providerId && deps.netBridgeEntry && process.platform === 'linux';
  const network = params.network ?? (providerOnly ? 'provider' : 'on');
  return { presetId, providerId, model: params.model?.trim() || null, permissionMode, confined, network };
}
