/**
 * The journal: append-only, typed events about any subject (a task, a workflow run, an attempt
 * or an agent). The types are a closed set so that readers can switch over them exhaustively;
 * add a type here before writing it. Entries outlive their subjects (docs/technical/data-model.md).
 */
import { z } from 'zod';

/** What a journal entry is about. */
export const JOURNAL_SUBJECT_KINDS = ['task', 'run', 'attempt', 'agent'] as const;
export type JournalSubjectKind = (typeof JOURNAL_SUBJECT_KINDS)[number];

/**
 * Every event type the journal holds. The agent types were the old `events` table's, carried
 * over by migration 005; 'removed' and the payload key `processId` (was `runId`) came with it.
 */
export const JOURNAL_EVENT_TYPES = [
  // agent: its record and worktree
  'created',
  'adopted',
  'submodules',
  'worktree-missing',
  'worktree-found',
  'removed',
  // agent: its processes
  'started',
  'spawn-failed',
  'exited',
  'stopped',
  'survivors-found',
  'survivors-stopped',
  // attempt: its branch squash-merged into a base branch
  'merged',
] as const;
export type JournalEventType = (typeof JOURNAL_EVENT_TYPES)[number];

export const journalSubjectSchema = z.object({
  kind: z.enum(JOURNAL_SUBJECT_KINDS),
  id: z.string().min(1),
});
export type JournalSubject = z.infer<typeof journalSubjectSchema>;

export const journalEventTypeSchema = z.enum(JOURNAL_EVENT_TYPES);

export const journalEntrySchema = z.object({
  id: z.number().int(),
  /** Milliseconds since the epoch. */
  time: z.number(),
  subject: journalSubjectSchema,
  type: journalEventTypeSchema,
  /** JSON the writer gave; undefined when none. */
  payload: z.unknown(),
});
export type JournalEntry = z.infer<typeof journalEntrySchema>;

/** True when `type` is one of the journal's event types. */
export function isJournalEventType(type: string): type is JournalEventType {
  return (JOURNAL_EVENT_TYPES as readonly string[]).includes(type);
}
