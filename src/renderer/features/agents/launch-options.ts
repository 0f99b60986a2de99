/**
 * The New-agent dialog's decisions as pure functions: labels of catalog entries and providers,
 * sensible defaults, validation and the `agents.create` parameters for each kind.
 */
import { assertNever } from '../../../shared/assert-never';
import { confinedByDefault } from '../../../shared/confinement';
import type { ParamsOf } from '../../../shared/contract';
import {
  PERMISSION_MODES,
  type AgentKind,
  type CatalogEntry,
  type NetworkMode,
  type PermissionMode,
  type ProviderInfo,
  type SandboxInfo,
} from '../../../shared/types';

/** `Claude Code — 2.1.3`, or `Aider — not installed — pipx install aider-chat`. */
export function presetLabel(entry: CatalogEntry): string {
  if (!entry.installed) return `${entry.name} — not installed — ${entry.installHint}`;
  return `${entry.name} — ${entry.version ?? 'installed'}`;
}

/** The first installed entry, so the dialog never starts on one that cannot launch. */
export function defaultPresetId(entries: readonly CatalogEntry[]): string {
  return entries.find((e) => e.installed)?.id ?? '';
}

/** The provider Flotilla's agent starts on: the first with a key, else the first. */
export function defaultProviderId(providers: readonly ProviderInfo[]): string {
  return (providers.find((p) => p.hasKey) ?? providers[0])?.id ?? '';
}

/** `OpenAI`, or `Ollama — no key` when no key is configured. */
export function providerLabel(provider: ProviderInfo): string {
  return provider.hasKey ? provider.name : `${provider.name} — no key`;
}

/** Human label of a permission mode. */
export function permissionLabel(mode: PermissionMode): string {
  return mode === 'ask' ? 'Ask before edits and commands' : mode === 'auto-edit' ? 'Auto-edit (ask before commands)' : 'Full auto';
}

/** Human label of a network mode. */
export function networkLabel(mode: NetworkMode): string {
  return mode === 'on' ? 'On' : mode === 'provider' ? 'Provider host only' : 'Off';
}

/** The permission modes offered: a CLI's own, or all three for Flotilla's agent. */
export function permissionModesFor(kind: AgentKind, entry: CatalogEntry | undefined): readonly PermissionMode[] {
  if (kind === 'cli' && entry && entry.permissionModes.length > 0) return entry.permissionModes;
  return PERMISSION_MODES;
}

/** Whether the dialog starts with confinement on: the core's own default (no kind yet: a CLI's). */
export function defaultConfined(mode: PermissionMode, sandbox: SandboxInfo | null, kind?: AgentKind): boolean {
  return confinedByDefault(kind ?? 'cli', mode, sandbox?.available === true);
}

/**
 * Providers a CLI can be pointed at: those of its own provider kind, plus OpenAI-compatible
 * endpoints for CLIs that speak OpenAI's API (local models behind Ollama, vLLM, ...).
 */
export function providersForPreset(entry: CatalogEntry | undefined, providers: readonly ProviderInfo[]): ProviderInfo[] {
  const kind = entry?.providerKind;
  if (!kind) return [];
  return providers.filter((p) => p.kind === kind || (kind === 'openai' && p.kind === 'openai-compatible'));
}

/** Everything the dialog collected. */
export interface LaunchForm {
  repoId: string;
  name: string;
  base: string;
  kind: AgentKind;
  command: string;
  task: string;
  presetId: string;
  providerId: string;
  model: string;
  permissionMode: PermissionMode;
  confined: boolean;
  network: NetworkMode;
  cols: number;
  rows: number;
}

/** What is missing before the agent can be created, in words; null when the form is complete. */
export function launchFormError(form: LaunchForm, catalog: readonly CatalogEntry[]): string | null {
  switch (form.kind) {
    case 'shell':
      return null;
    case 'command':
      return form.command.trim() ? null : 'Enter the command to run, e.g. claude or aider --model x.';
    case 'cli': {
      const entry = catalog.find((e) => e.id === form.presetId);
      if (!entry) return 'Pick a coding CLI.';
      if (!entry.installed) return `${entry.name} is not installed. ${entry.installHint}`;
      return null;
    }
    case 'flotilla':
      if (!form.providerId) return 'Pick a provider. Add one in Settings if the list is empty.';
      if (!form.model.trim()) return 'Enter the model to use, e.g. gpt-4.1 or llama3.1.';
      return null;
    default:
      return assertNever(form.kind);
  }
}

/** The `agents.create` parameters for the form: only the fields that apply to its kind. */
export function createParams(form: LaunchForm): ParamsOf<'agents.create'> {
  const params: ParamsOf<'agents.create'> = {
    repoId: form.repoId,
    name: form.name.trim() || undefined,
    base: form.base || undefined,
    kind: form.kind,
    task: form.task.trim() ? form.task : undefined,
    cols: form.cols,
    rows: form.rows,
  };
  if (form.kind === 'command') params.command = form.command.trim();
  if ((form.kind === 'shell' || form.kind === 'command') && form.confined) {
    params.confined = true;
    // 'provider only' needs a provider: a confined shell is offline unless switched on.
    params.network = form.network === 'on' ? 'on' : 'off';
  }
  if (form.kind === 'cli' || form.kind === 'flotilla') {
    if (form.kind === 'cli') params.presetId = form.presetId;
    if (form.providerId) params.providerId = form.providerId;
    if (form.model.trim()) params.model = form.model.trim();
    params.permissionMode = form.permissionMode;
    params.confined = form.confined;
    if (form.confined) params.network = form.network;
  }
  return params;
}
