/**
 * Plain domain types shared by the core, both transports and the renderer.
 * Everything here is serializable data; no Node, no Electron, no classes.
 */
import { z } from 'zod';

/** The closed set of error codes the UI can act on. */
export const ERROR_CODES = [
  'invalid-params',
  'not-found',
  'path-not-found',
  'not-a-directory',
  'not-a-repository',
  'bare-repository',
  'no-commits',
  'git-missing',
  'git-too-old',
  'invalid-name',
  'branch-exists',
  'base-not-found',
  'agent-running',
  'agent-not-running',
  'worktree-missing',
  'needs-confirmation',
  'merge-conflict',
  'checkout-dirty',
  'nothing-to-merge',
  'base-moved',
  'unsupported',
  'timeout',
  'cancelled',
  'git-failed',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const appErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  /** Extra machine-readable facts, e.g. the conflicting files. */
  details: z.record(z.string(), z.unknown()).optional(),
});
export type AppErrorData = z.infer<typeof appErrorSchema>;

/** Every method returns this at the boundary: errors are data, never a stack trace. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorData };

export const repoSchema = z.object({
  id: z.string(),
  /** Real path of the repository's top level. */
  path: z.string(),
  name: z.string(),
  /** Branch checked out in the user's checkout; null when HEAD is detached. */
  currentBranch: z.string().nullable(),
  headSha: z.string(),
  lastOpenedAt: z.number(),
});
export type RepoInfo = z.infer<typeof repoSchema>;

export const branchListSchema = z.object({
  current: z.string().nullable(),
  headSha: z.string(),
  branches: z.array(z.string()),
});
export type BranchList = z.infer<typeof branchListSchema>;

/**
 * shell: the user's login shell; command: any command line; cli: a coding CLI from the catalog
 * (Claude Code, Codex, ...); flotilla: Flotilla's own agent on a provider's API.
 */
export const AGENT_KINDS = ['shell', 'command', 'cli', 'flotilla'] as const;
export type AgentKind = (typeof AGENT_KINDS)[number];

/** How much an agent may do without asking: mapped to each CLI's own flags. */
export const PERMISSION_MODES = ['ask', 'auto-edit', 'full-auto'] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];

/** Network access of a confined agent. */
export const NETWORK_MODES = ['on', 'provider', 'off'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

/** What an agent is doing, from the CLI's own signals or, failing those, output and process state. */
export const ACTIVITIES = ['working', 'waiting', 'idle', 'exited', 'failed'] as const;
export type Activity = (typeof ACTIVITIES)[number];

export const PROVIDER_KINDS = ['openai', 'anthropic', 'google', 'openai-compatible'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** How an agent was launched, beyond its kind; stored so a restart launches it the same way. */
export const launchSchema = z.object({
  /** Catalog entry for kind 'cli' (e.g. 'claude-code'). */
  presetId: z.string().nullable(),
  /** Provider for kind 'flotilla' (and the key/base URL given to a CLI). */
  providerId: z.string().nullable(),
  model: z.string().nullable(),
  permissionMode: z.enum(PERMISSION_MODES),
  /** Run inside the OS sandbox (bubblewrap / sandbox-exec). */
  confined: z.boolean(),
  network: z.enum(NETWORK_MODES),
});
export type LaunchConfig = z.infer<typeof launchSchema>;

export const usageSchema = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  /** Null when no price is known for a model used. */
  costUsd: z.number().nullable(),
});
export type Usage = z.infer<typeof usageSchema>;

export const AGENT_STATUSES = ['starting', 'running', 'exited', 'stopped', 'interrupted'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const diffStatSchema = z.object({
  files: z.number(),
  additions: z.number(),
  deletions: z.number(),
});
export type DiffStat = z.infer<typeof diffStatSchema>;

export const agentSchema = z.object({
  id: z.string(),
  repoId: z.string(),
  name: z.string(),
  slug: z.string(),
  /** Full branch name, e.g. `flotilla/fix-login`. */
  branch: z.string(),
  /** The base the agent started from: a branch name, or a commit when HEAD was detached. */
  baseRef: z.string(),
  /** True when baseRef names a branch (merge target); false for a detached commit. */
  baseIsBranch: z.boolean(),
  baseSha: z.string(),
  kind: z.enum(AGENT_KINDS),
  command: z.string().nullable(),
  task: z.string().nullable(),
  worktreePath: z.string(),
  status: z.enum(AGENT_STATUSES),
  exitCode: z.number().nullable(),
  /** The worktree was deleted from outside Flotilla; set by reconciliation. */
  missing: z.boolean(),
  diffStat: diffStatSchema.nullable(),
  /** Its work is exactly what it last merged into the base (until it changes again). */
  merged: z.boolean(),
  createdAt: z.number(),
  /** Launch details for cli/flotilla agents; null for shell/command. */
  launch: launchSchema.nullable(),
  /** Null until known (e.g. right after start). */
  activity: z.enum(ACTIVITIES).nullable(),
  /** Tokens and cost so far, over all runs; null when nothing was reported. */
  usage: usageSchema.nullable(),
});
export type AgentInfo = z.infer<typeof agentSchema>;

export const FILE_STATUSES = ['A', 'M', 'D', 'R', 'C', 'T', '?'] as const;
export const changedFileSchema = z.object({
  path: z.string(),
  oldPath: z.string().nullable(),
  /** Git status letter; '?' marks a file git does not track yet. */
  status: z.enum(FILE_STATUSES),
  binary: z.boolean(),
  additions: z.number(),
  deletions: z.number(),
});
export type ChangedFile = z.infer<typeof changedFileSchema>;

export const changeListSchema = z.object({
  /** The commit the changes are measured from (merge base of base and agent). */
  fromSha: z.string(),
  files: z.array(changedFileSchema),
  stat: diffStatSchema,
});
export type ChangeList = z.infer<typeof changeListSchema>;

export const fileSideSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('absent') }),
  z.object({ kind: z.literal('text'), text: z.string(), size: z.number() }),
  z.object({ kind: z.literal('binary'), size: z.number(), sha: z.string() }),
  z.object({ kind: z.literal('too-large'), size: z.number(), sha: z.string() }),
]);
export type FileSide = z.infer<typeof fileSideSchema>;

export const fileDiffSchema = z.object({
  path: z.string(),
  original: fileSideSchema,
  modified: fileSideSchema,
});
export type FileDiff = z.infer<typeof fileDiffSchema>;

export const removalCheckSchema = z.object({
  uncommitted: z.number(),
  untracked: z.number(),
  commitsAhead: z.number(),
  /** True when removing would lose something without a snapshot. */
  hasWork: z.boolean(),
});
export type RemovalCheck = z.infer<typeof removalCheckSchema>;

export const mergePreviewSchema = z.object({
  baseBranch: z.string(),
  canMerge: z.boolean(),
  conflicts: z.array(z.string()),
  uncommittedFiles: z.number(),
  commitsAhead: z.number(),
  /** Why the merge cannot run, when canMerge is false. */
  blocker: appErrorSchema.nullable(),
  defaultMessage: z.string(),
});
export type MergePreview = z.infer<typeof mergePreviewSchema>;

export const mergeResultSchema = z.object({
  commit: z.string(),
  baseBranch: z.string(),
  /** A clean checkout of the base branch was brought up to the new commit. */
  checkoutUpdated: z.boolean(),
});
export type MergeResult = z.infer<typeof mergeResultSchema>;

export const appInfoSchema = z.object({
  version: z.string(),
  mode: z.enum(['electron', 'web']),
  dataDir: z.string(),
  gitVersion: z.string().nullable(),
  canPickFolder: z.boolean(),
  homeDir: z.string(),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

/** A coding CLI Flotilla knows how to launch (data, not code paths). */
export const catalogEntrySchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Executable looked up on PATH. */
  command: z.string(),
  installed: z.boolean(),
  version: z.string().nullable(),
  /** How to install it, shown when it is missing. */
  installHint: z.string(),
  /** The provider kind whose key and base URL it takes, if any. */
  providerKind: z.enum(PROVIDER_KINDS).nullable(),
  permissionModes: z.array(z.enum(PERMISSION_MODES)),
  supportsResume: z.boolean(),
  /** Structured status signals (hooks/notify) rather than only the output fallback. */
  hasStatusHooks: z.boolean(),
  custom: z.boolean(),
});
export type CatalogEntry = z.infer<typeof catalogEntrySchema>;

export const providerSchema = z.object({
  id: z.string(),
  kind: z.enum(PROVIDER_KINDS),
  name: z.string(),
  /** Null means the vendor's default endpoint. */
  baseUrl: z.string().nullable(),
  models: z.array(z.string()),
  hasKey: z.boolean(),
  /** Where the key comes from; never the key itself. */
  keySource: z.enum(['env', 'file', 'keychain']).nullable(),
});
export type ProviderInfo = z.infer<typeof providerSchema>;

export const priceSchema = z.object({
  model: z.string(),
  inputPerMTok: z.number().min(0),
  outputPerMTok: z.number().min(0),
});
export type PriceEntry = z.infer<typeof priceSchema>;

export const usageSummarySchema = z.object({
  total: usageSchema,
  byProvider: z.array(z.object({ provider: z.string(), usage: usageSchema })),
  byAgent: z.array(z.object({ agentId: z.string(), usage: usageSchema })),
});
export type UsageSummary = z.infer<typeof usageSummarySchema>;

export const sandboxInfoSchema = z.object({
  available: z.boolean(),
  /** 'bubblewrap' on Linux, 'sandbox-exec' on macOS. */
  mechanism: z.enum(['bubblewrap', 'sandbox-exec']).nullable(),
  /** Plain words for the dialog when no sandbox is available. */
  note: z.string(),
});
export type SandboxInfo = z.infer<typeof sandboxInfoSchema>;
