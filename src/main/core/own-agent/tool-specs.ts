/**
 * The agent's tools as the model sees them: zod schemas from which each vendor's JSON schema is
 * derived (see ../models), and by which the arguments a model sends are checked before any tool runs.
 */
import { z } from 'zod';
import { describeIssues, type ToolSpec } from '../models';

/** Lines read_file returns at most per call; bigger files need ranges. */
export const MAX_READ_LINES = 2000;

const text = (description: string) => z.string().describe(description);
const int = (description: string) => z.int().describe(description);

/** The tools as the model sees them. */
export const TOOL_SPECS: ToolSpec[] = [
  {
    name: 'list_files',
    description: 'List files and folders under a folder of the worktree (folders end with /). .git and node_modules are not listed.',
    schema: z.object({ path: text('Folder relative to the worktree; default "."').optional(), depth: int('How many levels deep, 1-6; default 2').optional() }),
  },
  {
    name: 'read_file',
    description: `Read a text file. Files over ${MAX_READ_LINES} lines must be read in ranges with start_line/end_line (1-based, inclusive).`,
    schema: z.object({ path: text('File path relative to the worktree'), start_line: int('First line, 1-based').optional(), end_line: int('Last line, inclusive').optional() }),
  },
  {
    name: 'write_file',
    description: 'Create or overwrite a file with the given content (parent folders are created).',
    schema: z.object({ path: text('File path relative to the worktree'), content: text('The complete new content') }),
  },
  {
    name: 'edit_file',
    description: 'Replace one exact occurrence of old_text with new_text in a file. old_text must match exactly once, whitespace included; add surrounding lines to make it unique.',
    schema: z.object({ path: text('File path relative to the worktree'), old_text: text('Exact text to replace'), new_text: text('Replacement text') }),
  },
  {
    name: 'search',
    description: 'Search file contents with a regular expression (files ignored by .gitignore are skipped). Returns path:line:text.',
    schema: z.object({ pattern: text('Regular expression'), path: text('Folder or file to search; default "."').optional(), glob: text('Only files matching this glob, e.g. *.ts').optional() }),
  },
  {
    name: 'run_command',
    description: 'Run a shell command in the worktree (the user sees its output live). Returns the exit code and the tail of the output. Do not start servers or interactive programs.',
    schema: z.object({ command: text('The command line'), timeout_seconds: int('Kill it after this many seconds; default 120').optional() }),
  },
  {
    name: 'finish',
    description: 'Call when the task is done (or cannot be done), with a short summary of what you changed and how you checked it.',
    schema: z.object({ summary: text('What was done') }),
  },
];

/** A tool's checked arguments: only the keys its schema names. */
export type ToolArgs = Record<string, string | number | boolean | undefined>;

/**
 * Checks parsed arguments against a tool's schema. Returns an error sentence for the model, or
 * the arguments. A null counts as absent, since models send null for arguments they leave out. Pure.
 */
export function validateArgs(schema: z.ZodObject, value: unknown): { ok: true; args: ToolArgs } | { ok: false; error: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: 'the arguments must be a JSON object' };
  const present = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
  const result = schema.safeParse(present);
  if (!result.success) return { ok: false, error: describeIssues(result.error, present, schema) };
  return { ok: true, args: result.data as ToolArgs };
}
