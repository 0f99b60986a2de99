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

export const AGENT_KINDS = ['shell', 'command'] as const;
export type AgentKind = (typeof AGENT_KINDS)[number];

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
  createdAt: z.number(),
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
