/**
 * The agent's tools: list, read, write, edit, search, run a command, finish. Every path goes
 * through safe-fs (opened without following symlinks out, then used by descriptor); every failure is returned to the model as a tool error, never thrown.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { PathRefused } from './paths';
import { runCommand, type CommandContext } from './run-command';
import { isBinary, openChildDir, openForRead, openForUpdate, openForWrite, replaceContent, using, type OpenedPath } from './safe-fs';
import { findMatches, MAX_SEARCH_MATCHES, type SearchContext } from './search-files';
import { MAX_READ_LINES, TOOL_SPECS, validateArgs, type ToolArgs as Args } from './tool-specs';

/** Bytes read_file returns at most without a range. */
export const MAX_READ_BYTES = 256 * 1024;
/** Entries list_files returns at most. */
export const MAX_LIST_ENTRIES = 500;

/** What the tools need from the running agent. */
export interface ToolContext extends CommandContext, SearchContext {
  /** Default limit for run_command. */
  commandTimeoutMs: number;
}

/** What a tool call produced: the text for the model and a short line for the pane. */
export interface ToolOutcome {
  content: string;
  isError: boolean;
  /** One short line shown under the call in the pane. */
  summary: string;
  /** Set by `finish`: the run is over. */
  finished?: { summary: string };
}

/**
 * Parses and validates a tool call's raw arguments, then runs the tool. Never throws. Files are
 * opened through safe-fs and used through their descriptors, so a path checked is the file used.
 */
export async function executeTool(name: string, argsText: string, ctx: ToolContext): Promise<ToolOutcome> {
  const spec = TOOL_SPECS.find((t) => t.name === name);
  if (!spec) return fail(`There is no tool named "${name}". Available: ${TOOL_SPECS.map((t) => t.name).join(', ')}.`);
  let parsed: unknown;
  try {
    parsed = argsText.trim() === '' ? {} : JSON.parse(argsText);
  } catch (err) {
    return fail(`The arguments for ${name} are not valid JSON (${(err as Error).message}). Send a JSON object matching the tool's schema.`);
  }
  const checked = validateArgs(spec.schema, parsed);
  if (!checked.ok) return fail(`Invalid arguments for ${name}: ${checked.error}.`);
  try {
    return await runTool(name, checked.args, ctx);
  } catch (err) {
    if (err instanceof PathRefused) return fail(err.message);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return fail(`${pathArg(checked.args)} does not exist.`);
    if (e.code === 'EISDIR') return fail(`${pathArg(checked.args)} is a folder.`);
    if (e.code === 'ENOTDIR') return fail(`${pathArg(checked.args)}: a part of the path is a file, not a folder.`);
    return fail(e.code ? `${e.code}: ${e.message}` : String(e.message ?? err));
  }
}

const pathArg = (a: Args) => (typeof a.path === 'string' ? a.path : 'The path');

function fail(message: string): ToolOutcome {
  return { content: `Error: ${message}`, isError: true, summary: message };
}

const str = (a: Args, k: string): string | undefined => (typeof a[k] === 'string' ? (a[k] as string) : undefined);
const num = (a: Args, k: string): number | undefined => (typeof a[k] === 'number' ? (a[k] as number) : undefined);

async function runTool(name: string, a: Args, ctx: ToolContext): Promise<ToolOutcome> {
  switch (name) {
    case 'list_files':
      return listFiles(ctx.root, str(a, 'path') ?? '.', num(a, 'depth') ?? 2);
    case 'read_file':
      return readFileTool(ctx.root, str(a, 'path') ?? '', num(a, 'start_line'), num(a, 'end_line'));
    case 'write_file':
      return writeFileTool(ctx.root, str(a, 'path') ?? '', str(a, 'content') ?? '');
    case 'edit_file':
      return editFile(ctx.root, str(a, 'path') ?? '', str(a, 'old_text') ?? '', str(a, 'new_text') ?? '');
    case 'search':
      return search(ctx, str(a, 'pattern') ?? '', str(a, 'path') ?? '.', str(a, 'glob'));
    case 'run_command': {
      const seconds = num(a, 'timeout_seconds');
      return runCommandTool(ctx, str(a, 'command') ?? '', seconds && seconds > 0 ? seconds * 1000 : ctx.commandTimeoutMs);
    }
    case 'finish': {
      const summary = str(a, 'summary') ?? '';
      return { content: 'Finished.', isError: false, summary: 'finished', finished: { summary } };
    }
    default:
      return fail(`There is no tool named "${name}".`);
  }
}

function listFiles(root: string, input: string, depthArg: number): ToolOutcome {
  return using(openForRead(root, input), (dir) => {
    if (!dir.stat.isDirectory()) return fail(`${input} is not a folder.`);
    const depth = Math.min(6, Math.max(1, depthArg));
    const lines: string[] = [];
    let truncated = false;
    const walk = (folder: OpenedPath, prefix: string, level: number) => {
      const entries = readdirSync(folder.path, { withFileTypes: true }).sort((x, y) => x.name.localeCompare(y.name));
      for (const entry of entries) {
        if (entry.name === '.git' || entry.name === 'node_modules') continue;
        if (lines.length >= MAX_LIST_ENTRIES) {
          truncated = true;
          return;
        }
        const rel = prefix + entry.name;
        if (entry.isDirectory()) {
          lines.push(`${rel}/`);
          if (level >= depth) continue;
          // Opened without following: a folder swapped for a symlink meanwhile is not entered.
          const sub = openChildDir(folder, entry.name);
          if (sub) using(sub, (o) => walk(o, `${rel}/`, level + 1));
        } else lines.push(entry.isSymbolicLink() ? `${rel}@` : rel);
      }
    };
    walk(dir, dir.rel === '.' ? '' : `${dir.rel}/`, 1);
    if (truncated) lines.push(`… (stopped at ${MAX_LIST_ENTRIES} entries; list a subfolder)`);
    return { content: lines.length ? lines.join('\n') : '(empty folder)', isError: false, summary: `${lines.length} ${lines.length === 1 ? 'entry' : 'entries'}` };
  });
}

function readFileTool(root: string, input: string, start?: number, end?: number): ToolOutcome {
  return using(openForRead(root, input), (file) => {
    const st = file.stat;
    if (st.isDirectory()) return fail(`${input} is a folder; use list_files.`);
    if (!st.isFile()) return fail(`${input} is not a regular file.`);
    if (isBinary(file.fd)) return fail(`${input} is a binary file (${st.size} bytes); it cannot be read as text.`);
    const text = readFileSync(file.fd, 'utf8');
    const lines = text.split('\n');
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    const total = lines.length;
    if (start === undefined && end === undefined) {
      if (total > MAX_READ_LINES || st.size > MAX_READ_BYTES) {
        return fail(`${input} has ${total} lines (${st.size} bytes); read it in ranges with start_line and end_line, at most ${MAX_READ_LINES} lines at a time.`);
      }
      return { content: `[${file.rel}: ${total} lines]\n${text}`, isError: false, summary: `${total} lines` };
    }
    const from = Math.max(1, start ?? 1);
    if (from > total) return fail(`${input} has only ${total} lines; start_line ${from} is past the end.`);
    const to = Math.min(total, end ?? total, from + MAX_READ_LINES - 1);
    if (to < from) return fail(`end_line ${end} is before start_line ${from}.`);
    const slice = lines.slice(from - 1, to).join('\n');
    return { content: `[${file.rel}: lines ${from}-${to} of ${total}]\n${slice}\n`, isError: false, summary: `lines ${from}-${to} of ${total}` };
  });
}

/** A file the agent may change in place: a regular file with no other hard link (which could live outside). */
function writable(input: string, st: OpenedPath['stat']): string | null {
  if (!st.isFile()) return `${input} is not a regular file.`;
  if (st.nlink > 1) return `${input} has other hard links (possibly outside the worktree); the agent does not write through them.`;
  return null;
}

function writeFileTool(root: string, input: string, content: string): ToolOutcome {
  const opened = openForWrite(root, input);
  return using(opened, (file) => {
    const refused = writable(input, file.stat);
    if (refused) return fail(refused);
    replaceContent(file.fd, content);
    const bytes = Buffer.byteLength(content);
    return { content: `${opened.existed ? 'Replaced' : 'Created'} ${file.rel} (${bytes} bytes).`, isError: false, summary: `${opened.existed ? 'replaced' : 'created'}, ${bytes} bytes` };
  });
}

/** Counts non-overlapping occurrences of `needle` in `haystack`. Pure. */
export function countOccurrences(haystack: string, needle: string): number {
  if (needle === '') return 0;
  let count = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + needle.length)) count++;
  return count;
}

function editFile(root: string, input: string, oldText: string, newText: string): ToolOutcome {
  if (oldText === '') return fail('old_text is empty; give the exact text to replace (use write_file to create a file).');
  let opened: OpenedPath;
  try {
    opened = openForUpdate(root, input);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fail(`${input} does not exist; use write_file to create it.`);
    throw err;
  }
  return using(opened, (file) => {
    const refused = writable(input, file.stat);
    if (refused) return fail(refused);
    const text = readFileSync(file.fd, 'utf8');
    const count = countOccurrences(text, oldText);
    if (count === 0) return fail(`old_text was not found in ${file.rel}. Read the file again and copy the exact text, whitespace included.`);
    if (count > 1) return fail(`old_text occurs ${count} times in ${file.rel}; include more surrounding lines so it matches exactly once.`);
    const at = text.indexOf(oldText);
    replaceContent(file.fd, text.slice(0, at) + newText + text.slice(at + oldText.length));
    const line = text.slice(0, at).split('\n').length;
    return { content: `Edited ${file.rel} at line ${line}.`, isError: false, summary: `edited at line ${line}` };
  });
}

async function search(ctx: ToolContext, pattern: string, input: string, glob: string | undefined): Promise<ToolOutcome> {
  const target = using(openForRead(ctx.root, input), (o) => o);
  if (pattern === '') return fail('pattern is empty.');
  const result = await findMatches(ctx, pattern, target.rel, glob);
  if (typeof result === 'string') return fail(result);
  const { lines, truncated } = result;
  if (lines.length === 0) return { content: 'No matches.', isError: false, summary: 'no matches' };
  const text = lines.join('\n') + (truncated ? `\n… (stopped at ${MAX_SEARCH_MATCHES} matches; narrow the pattern or path)` : '');
  return { content: text, isError: false, summary: `${lines.length}${truncated ? '+' : ''} matches` };
}

async function runCommandTool(ctx: ToolContext, command: string, timeoutMs: number): Promise<ToolOutcome> {
  if (command.trim() === '') return fail('command is empty.');
  const r = await runCommand(ctx, command, timeoutMs);
  if (r.cancelled) return fail('the command was stopped by the user.');
  if (r.timedOut) return fail(`the command did not finish within ${Math.round(timeoutMs / 1000)} s and was killed. Output so far:\n${r.output}`);
  const content = `exit code: ${r.exitCode ?? 'unknown'}\n${r.output || '(no output)'}`;
  return { content, isError: false, summary: `exit code ${r.exitCode ?? '?'}` };
}
