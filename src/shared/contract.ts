/**
 * The one contract between the renderer and the core. Every method and event is defined here
 * once; the Electron IPC binding, the web transport and the renderer client derive from it.
 * Channels are named `domain.verb`.
 */
import { z } from 'zod';
import {
  AGENT_KINDS,
  NETWORK_MODES,
  PERMISSION_MODES,
  PROVIDER_KINDS,
  agentSchema,
  catalogEntrySchema,
  priceSchema,
  providerSchema,
  sandboxInfoSchema,
  usageSummarySchema,
  appInfoSchema,
  branchListSchema,
  changeListSchema,
  fileDiffSchema,
  mergePreviewSchema,
  mergeResultSchema,
  removalCheckSchema,
  repoSchema,
} from './types';

const agentId = z.object({ agentId: z.string().min(1) });
const repoId = z.object({ repoId: z.string().min(1) });
/** A branch name or commit-ish: no ref can hold a control character, and a NUL cannot reach git at all. */
// eslint-disable-next-line no-control-regex
const refInput = z.string().max(1000).refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'not a valid branch name (it contains a control character)');

const leftoversSchema = z.object({
  orphans: z.array(
    z.object({ slug: z.string(), worktreePath: z.string().nullable(), branch: z.string().nullable(), registered: z.boolean() }),
  ),
  survivors: z.array(
    z.object({ agentId: z.string(), name: z.string(), processes: z.array(z.object({ pid: z.number(), command: z.string() })) }),
  ),
});

/** Method name → params schema and result schema. */
export const methods = {
  'app.info': { params: z.object({}), result: appInfoSchema },
  /** The folder of Flotilla's log files; the desktop app also opens it (`opened`). */
  'app.openLogs': { params: z.object({}), result: z.object({ path: z.string(), opened: z.boolean() }) },

  'repos.open': { params: z.object({ path: z.string().min(1) }), result: repoSchema },
  'repos.recent': { params: z.object({}), result: z.array(repoSchema) },
  /** Completes a partially typed folder path; returns up to 50 folders. */
  'repos.complete': { params: z.object({ partial: z.string() }), result: z.array(z.string()) },
  /** Native folder dialog (desktop only); null when cancelled. */
  'repos.pickFolder': { params: z.object({}), result: z.string().nullable() },
  'repos.branches': { params: repoId, result: branchListSchema },
  'repos.forget': { params: repoId, result: z.null() },

  'agents.list': { params: repoId, result: z.array(agentSchema) },
  'agents.suggestName': { params: repoId, result: z.string() },
  'agents.create': {
    params: z.object({
      repoId: z.string().min(1),
      name: z.string().max(80).optional(),
      /** A branch name or commit; defaults to the current branch (or commit when detached). */
      base: refInput.optional(),
      kind: z.enum(AGENT_KINDS),
      command: z.string().max(4000).optional(),
      task: z.string().max(100_000).optional(),
      cols: z.number().int().min(2).max(1000).optional(),
      rows: z.number().int().min(2).max(1000).optional(),
      /** kind 'cli': the catalog entry to launch. */
      presetId: z.string().optional(),
      /** kind 'flotilla' (or a CLI that should use a configured provider). */
      providerId: z.string().optional(),
      model: z.string().max(200).optional(),
      permissionMode: z.enum(PERMISSION_MODES).optional(),
      /** Defaults to on where a sandbox is available: always for Flotilla's agent, in auto-edit and full-auto for a CLI. */
      confined: z.boolean().optional(),
      network: z.enum(NETWORK_MODES).optional(),
    }),
    result: agentSchema,
  },
  /** `stopSurvivors`: stop processes a previous Flotilla left running in the worktree, then restart. */
  'agents.restart': { params: z.object({ agentId: z.string().min(1), stopSurvivors: z.boolean().optional() }), result: agentSchema },
  'agents.stop': { params: agentId, result: agentSchema },
  'agents.removalCheck': { params: agentId, result: removalCheckSchema },
  /** What a hard stop of Flotilla left: worktrees and branches no agent owns, processes still running in agents' worktrees. */
  'agents.leftovers': { params: repoId, result: leftoversSchema },
  /** Removes a leftover worktree and its branch; with work in it, needs `confirm` and snapshots first. */
  'agents.removeOrphan': {
    params: z.object({ repoId: z.string().min(1), slug: z.string().min(1).max(200), confirm: z.boolean().default(false) }),
    result: z.object({ snapshotRef: z.string().nullable() }),
  },
  /** Removes an agent; with work to lose it needs `confirm` and snapshots first. */
  'agents.remove': {
    params: z.object({ agentId: z.string().min(1), confirm: z.boolean().default(false) }),
    result: z.object({ snapshotRef: z.string().nullable() }),
  },
  /** Gives a leftover worktree a record again, as a Shell agent started in it. */
  'agents.adoptOrphan': { params: z.object({ repoId: z.string().min(1), slug: z.string().min(1).max(200) }), result: agentSchema },

  /** Subscribes this client to an agent's terminal; replays recent output first. */
  'terminal.attach': { params: agentId, result: z.object({ replayedBytes: z.number() }) },
  'terminal.detach': { params: agentId, result: z.null() },
  'terminal.resize': {
    params: z.object({
      agentId: z.string().min(1),
      cols: z.number().int().min(2).max(1000),
      rows: z.number().int().min(2).max(1000),
    }),
    result: z.null(),
  },

  'changes.list': { params: agentId, result: changeListSchema },
  'changes.file': {
    params: z.object({
      agentId: z.string().min(1),
      path: z.string().min(1),
      oldPath: z.string().nullable().optional(),
      /** Load a text file over the size limit anyway. */
      force: z.boolean().optional(),
    }),
    result: fileDiffSchema,
  },

  /** Coding CLIs Flotilla can launch, with whether each is installed. */
  'catalog.list': { params: z.object({}), result: z.array(catalogEntrySchema) },
  /** Adds or replaces a custom catalog entry (settings). */
  'catalog.saveCustom': {
    params: z.object({
      id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
      name: z.string().min(1).max(80),
      command: z.string().min(1).max(4000),
      providerKind: z.enum(PROVIDER_KINDS).nullable(),
    }),
    result: z.array(catalogEntrySchema),
  },
  'catalog.removeCustom': { params: z.object({ id: z.string() }), result: z.array(catalogEntrySchema) },

  'providers.list': { params: z.object({}), result: z.array(providerSchema) },
  'providers.save': {
    params: z.object({
      id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
      kind: z.enum(PROVIDER_KINDS),
      name: z.string().min(1).max(80),
      baseUrl: z.string().url().nullable(),
      models: z.array(z.string().min(1).max(200)).max(100),
    }),
    result: providerSchema,
  },
  'providers.remove': { params: z.object({ id: z.string() }), result: z.null() },
  /** Stores a key in the OS keychain (desktop) or the owner-only key file (web). Never returned. */
  'providers.setKey': {
    params: z.object({ id: z.string(), key: z.string().min(1).max(1000), allowPlaintext: z.boolean().optional() }),
    result: providerSchema,
  },
  'providers.clearKey': { params: z.object({ id: z.string() }), result: providerSchema },

  /** Names of variables passed from Flotilla's environment to every agent (SSH_AUTH_SOCK, HTTPS_PROXY, ...). */
  'settings.agentEnv': { params: z.object({}), result: z.array(z.string()) },
  'settings.setAgentEnv': { params: z.object({ names: z.array(z.string().max(128)).max(50) }), result: z.array(z.string()) },

  'prices.list': { params: z.object({}), result: z.array(priceSchema) },
  'prices.save': { params: priceSchema, result: z.array(priceSchema) },
  'usage.summary': { params: z.object({ repoId: z.string().optional() }), result: usageSummarySchema },
  'sandbox.info': { params: z.object({}), result: sandboxInfoSchema },

  /** `targetBranch`: the branch to merge into, for an agent that started from a detached commit. */
  'merge.preview': { params: z.object({ agentId: z.string().min(1), targetBranch: refInput.optional() }), result: mergePreviewSchema },
  'merge.run': {
    params: z.object({ agentId: z.string().min(1), message: z.string().min(1).max(20_000), targetBranch: refInput.optional() }),
    result: mergeResultSchema,
  },
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
export type ParsedParamsOf<M extends MethodName> = z.output<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.output<Methods[M]['result']>;

export const METHOD_NAMES = Object.keys(methods) as MethodName[];
export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name);
}

/**
 * Fire-and-forget messages on the terminal hot path: no reply, no round trip.
 * `terminal.input` carries keystrokes and paste, `terminal.ack` acknowledges bytes
 * that xterm has rendered (flow control).
 */
export const notifications = {
  'terminal.input': z.object({ agentId: z.string().min(1), data: z.string().max(1_000_000) }),
  'terminal.ack': z.object({ agentId: z.string().min(1), bytes: z.number().int().min(0) }),
} as const;
export type Notifications = typeof notifications;
export type NotificationName = keyof Notifications;
export type NotificationOf<N extends NotificationName> = z.output<Notifications[N]>;
export function isNotificationName(name: unknown): name is NotificationName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(notifications, name);
}

/** Events pushed from the core to every client. Terminal bytes travel separately, as binary. */
export const events = {
  'agents.changed': agentSchema,
  'agents.removed': z.object({ agentId: z.string(), repoId: z.string() }),
  'repos.changed': z.object({ repoId: z.string() }),
} as const;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventOf<E extends EventName> = z.output<Events[E]>;

/** The terminal data frame sent to a client: an agent's output bytes. */
export interface TerminalData {
  agentId: string;
  data: Uint8Array;
}

/** Electron IPC channel names; the preload exposes exactly these. */
export const IPC = {
  invoke: 'flotilla:invoke',
  notify: 'flotilla:notify',
  event: 'flotilla:event',
  terminalData: 'flotilla:terminal-data',
} as const;

/**
 * Web transport framing for terminal data: one binary WebSocket message is
 * [u8 id length][id bytes (utf-8)][payload bytes].
 */
export function encodeTerminalFrame(agentId: string, data: Uint8Array): Uint8Array {
  const id = new TextEncoder().encode(agentId);
  const frame = new Uint8Array(1 + id.length + data.length);
  frame[0] = id.length;
  frame.set(id, 1);
  frame.set(data, 1 + id.length);
  return frame;
}

/** Inverse of {@link encodeTerminalFrame}; the payload is a view, not a copy. */
export function decodeTerminalFrame(frame: Uint8Array): TerminalData {
  const idLength = frame[0];
  const agentId = new TextDecoder().decode(frame.subarray(1, 1 + idLength));
  return { agentId, data: frame.subarray(1 + idLength) };
}

/** The client API every transport provides to the renderer. */
export interface FlotillaClient {
  invoke<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<import('./types').Result<ResultOf<M>>>;
  notify<N extends NotificationName>(name: N, params: NotificationOf<N>): void;
  onEvent<E extends EventName>(event: E, listener: (payload: EventOf<E>) => void): () => void;
  onTerminalData(listener: (frame: TerminalData) => void): () => void;
  /** Connection state for web mode; Electron is always connected. */
  onConnectionChange?(listener: (connected: boolean) => void): () => void;
}
