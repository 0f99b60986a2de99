/**
 * The agent's tools: list, read, write, edit, search, run a command, finish. Every path goes
 * through safe-fs (opened without following symlinks out, then used by descriptor); every failure is returned to the model as a tool error, never thrown.
 */
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { VENDOR_KEY_ENV_NAMES } from '../../../shared/vendor-keys';
import { git } from '../git/core';
import { defaultShell } from '../pty/default-shell';
import { PathRefused } from './paths';
import { openChildDir, openForRead, openForUpdate, openForWrite, replaceContent, type OpenedPath } from './safe-fs';
import type { JsonSchemaObject, ToolSpec } from './types';

/** Lines read_file returns at most per call; bigger files need ranges. */
export const MAX_READ_LINES = 2000;
/** Bytes read_file returns at most without a range. */
export const MAX_READ_BYTES = 256 * 1024;
/** Entries list_files returns at most. */
export const MAX_LIST_ENTRIES = 500;
/** Matching lines search returns at most. */
export const MAX_SEARCH_MATCHES = 200;
/** Bytes of a command's output (its tail) returned to the model. */
export const COMMAND_OUTPUT_TAIL_BYTES = 16 * 1024;
/** Files larger than this are skipped by the built-in search. */
const MAX_SEARCH_FILE_BYTES = 2 * 1024 * 1024;
/** Environment variables a command run by the model never sees: its gateway token, Flotilla's own switches. */
const SECRET_ENV = new RegExp(`^(${[...VENDOR_KEY_ENV_NAMES, 'FLOTILLA_.*', 'ELECTRON_RUN_AS_NODE'].join('|')})$`);

/** What the tools need from the running agent. */
export interface ToolContext {
  /** The worktree's real path. */
  root: string;
  /** Where a command's output is echoed live (the PTY the user watches). */
  echo(chunk: Uint8Array | string): void;
  signal: AbortSignal;
  commandTimeoutMs: number;
  /** Path of ripgrep, or null to use the built-in walk. */
  ripgrep: string | null;
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

const s = (description: string) => ({ type: 'string' as const, description });
const int = (description: string) => ({ type: 'integer' as const, description });

/** The tools as the model sees them. */
export const TOOL_SPECS: ToolSpec[] = [
  {
    name: 'list_files',
    description: 'List files and folders under a folder of the worktree (folders end with /). .git and node_modules are not listed.',
    parameters: { type: 'object', properties: { path: s('Folder relative to the worktree; default "."'), depth: int('How many levels deep, 1-6; default 2') }, required: [] },
  },
  {
    name: 'read_file',
    description: `Read a text file. Files over ${MAX_READ_LINES} lines must be read in ranges with start_line/end_line (1-based, inclusive).`,
    parameters: { type: 'object', properties: { path: s('File path relative to the worktree'), start_line: int('First line, 1-based'), end_line: int('Last line, inclusive') }, required: ['path'] },
  },
  {
    name: 'write_file',
    description: 'Create or overwrite a file with the given content (parent folders are created).',
    parameters: { type: 'object', properties: { path: s('File path relative to the worktree'), content: s('The complete new content') }, required: ['path', 'content'] },
  },
  {
    name: 'edit_file',
    description: 'Replace one exact occurrence of old_text with new_text in a file. old_text must match exactly once, whitespace included; add surrounding lines to make it unique.',
    parameters: { type: 'object', properties: { path: s('File path relative to the worktree'), old_text: s('Exact text to replace'), new_text: s('Replacement text') }, required: ['path', 'old_text', 'new_text'] },
  },
  {
    name: 'search',
    description: 'Search file contents with a regular expression (files ignored by .gitignore are skipped). Returns path:line:text.',
    parameters: { type: 'object', properties: { pattern: s('Regular expression'), path: s('Folder or file to search; default "."'), glob: s('Only files matching this glob, e.g. *.ts') }, required: ['pattern'] },
  },
  {
    name: 'run_command',
    description: 'Run a shell command in the worktree (the user sees its output live). Returns the exit code and the tail of the output. Do not start servers or interactive programs.',
    parameters: { type: 'object', properties: { command: s('The command line'), timeout_seconds: int('Kill it after this many seconds; default 120') }, required: ['command'] },
  },
  {
    name: 'finish',
    description: 'Call when the task is done (or cannot be done), with a short summary of what you changed and how you checked it.',
    parameters: { type: 'object', properties: { summary: s('What was done') }, required: ['summary'] },
  },
];

type Args = Record<string, string | number | boolean | undefined>;

/**
 * Checks parsed arguments against a tool's schema. Returns an error sentence for the model, or
 * the arguments. Pure.
 */
export function validateArgs(schema: JsonSchemaObject, value: unknown): { ok: true; args: Args } | { ok: false; error: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: 'the arguments must be a JSON object' };
  const obj = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of schema.required) if (obj[key] === undefined || obj[key] === null) problems.push(`"${key}" is required`);
  for (const [key, prop] of Object.entries(schema.properties)) {
    const v = obj[key];
    if (v === undefined || v === null) continue;
    const ok =
      prop.type === 'string' ? typeof v === 'string' : prop.type === 'integer' ? Number.isInteger(v) : prop.type === 'number' ? typeof v === 'number' : typeof v === 'boolean';
    if (!ok) problems.push(`"${key}" must be ${prop.type === 'integer' ? 'an integer' : `a ${prop.type}`}`);
  }
  if (problems.length > 0) return { ok: false, error: problems.join('; ') };
  const args: Args = {};
  for (const key of Object.keys(schema.properties)) {
    const v = obj[key];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') args[key] = v;
  }
  return { ok: true, args };
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
  const checked = validateArgs(spec.parameters, parsed);
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

/** Runs `use` with an open path and closes it afterwards, whatever happens. */
function using<T>(opened: OpenedPath, use: (o: OpenedPath) => T): T {
  try {
    return use(opened);
  } finally {
    closeSync(opened.fd);
  }
}

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

function isBinary(fd: number): boolean {
  const buf = Buffer.alloc(8192);
  const n = readSync(fd, buf, 0, buf.length, 0);
  return buf.subarray(0, n).includes(0);
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

/** Finds ripgrep on PATH, or null. */
export function findRipgrep(pathEnv: string | undefined = process.env.PATH): string | null {
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const name of process.platform === 'win32' ? ['rg.exe'] : ['rg']) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        if (statSync(candidate).isFile()) return candidate;
      } catch {
        /* not here */
      }
    }
  }
  return null;
}

/** Turns a glob (`*`, `**`, `?`) into a RegExp over slash-separated paths; without a slash it matches the base name. Pure. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return glob.includes('/') ? new RegExp(`^${re}$`) : new RegExp(`(?:^|/)${re}$`);
}

async function search(ctx: ToolContext, pattern: string, input: string, glob: string | undefined): Promise<ToolOutcome> {
  const target = using(openForRead(ctx.root, input), (o) => o);
  if (pattern === '') return fail('pattern is empty.');
  const result = ctx.ripgrep ? await searchWithRipgrep(ctx, ctx.ripgrep, pattern, target.rel, glob) : await searchBuiltIn(ctx, pattern, target.rel, glob);
  if (typeof result === 'string') return fail(result);
  const { lines, truncated } = result;
  if (lines.length === 0) return { content: 'No matches.', isError: false, summary: 'no matches' };
  const text = lines.join('\n') + (truncated ? `\n… (stopped at ${MAX_SEARCH_MATCHES} matches; narrow the pattern or path)` : '');
  return { content: text, isError: false, summary: `${lines.length}${truncated ? '+' : ''} matches` };
}

const clip = (line: string) => (line.length > 300 ? `${line.slice(0, 300)}…` : line);

/**
 * The text of a file read through safe-fs, as lines; null when it is not a small text file now.
 * Every line search returns comes from here, so a swap while ripgrep walked by name can never
 * put a line from outside the worktree into the result.
 */
function readLinesSafely(root: string, rel: string): string[] | null {
  try {
    return using(openForRead(root, rel), (file) => {
      if (!file.stat.isFile() || file.stat.size > MAX_SEARCH_FILE_BYTES || isBinary(file.fd)) return null;
      return readFileSync(file.fd, 'utf8').split('\n');
    });
  } catch {
    return null;
  }
}

const sameLine = (a: string, b: string) => a.replace(/\r$/, '') === b.replace(/\r$/, '');

function searchWithRipgrep(ctx: ToolContext, rg: string, pattern: string, rel: string, glob: string | undefined): Promise<{ lines: string[]; truncated: boolean } | string> {
  // --null: the file name ends with NUL, so names holding ':' still parse.
  const args = ['--no-config', '--line-number', '--no-heading', '--with-filename', '--null', '--color', 'never', ...(glob ? ['--glob', glob] : []), '-e', pattern, ...(rel === '.' ? [] : ['--', rel])];
  return new Promise((resolve) => {
    const child = spawn(rg, args, { cwd: ctx.root, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const files = new Map<string, string[] | null>();
    let rest = '';
    let stderr = '';
    let truncated = false;
    const take = (raw: string) => {
      const m = /^([^\0]*)\0(\d+):(.*)$/s.exec(raw);
      if (!m) return;
      const [, file, lineNo, text] = m;
      if (!files.has(file)) files.set(file, readLinesSafely(ctx.root, file));
      const safe = files.get(file)?.[Number(lineNo) - 1];
      if (safe !== undefined && sameLine(safe, text)) lines.push(clip(`${file}:${lineNo}:${safe.replace(/\r$/, '')}`));
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        if (lines.length >= MAX_SEARCH_MATCHES) {
          truncated = true;
          child.kill();
          break;
        }
        take(line);
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', (e) => resolve(`ripgrep failed: ${e.message}`));
    child.on('close', (code) => {
      if (rest && lines.length < MAX_SEARCH_MATCHES) take(rest);
      if (code === 2 && !truncated && lines.length === 0) resolve(`search failed: ${stderr.trim().split('\n')[0] ?? 'ripgrep error'}`);
      else resolve({ lines, truncated });
    });
  });
}

async function searchBuiltIn(ctx: ToolContext, pattern: string, rel: string, glob: string | undefined): Promise<{ lines: string[]; truncated: boolean } | string> {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (err) {
    return `invalid regular expression: ${(err as Error).message}`;
  }
  const globRe = glob ? globToRegExp(glob) : null;
  // git knows what .gitignore (and info/exclude, and the global excludes) leave out.
  const listed = await git(['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', rel], { cwd: ctx.root, signal: ctx.signal });
  const files = [...new Set(listed.stdout.toString('utf8').split('\0').filter(Boolean))].sort();
  const lines: string[] = [];
  for (const file of files) {
    if (globRe && !globRe.test(file)) continue;
    // Never through a symlink out, and skipped when deleted since the index listed it.
    const text = readLinesSafely(ctx.root, file);
    if (!text) continue;
    for (let i = 0; i < text.length; i++) {
      if (!re.test(text[i])) continue;
      if (lines.length >= MAX_SEARCH_MATCHES) return { lines, truncated: true };
      lines.push(clip(`${file}:${i + 1}:${text[i]}`));
    }
  }
  return { lines, truncated: false };
}

/** The result of running a command for the model. */
export interface CommandResult {
  exitCode: number | null;
  output: string;
  timedOut: boolean;
  cancelled: boolean;
}

/** Strips ANSI escape sequences so the model reads plain text. Pure. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g, '');
}

/**
 * Runs `command` with the user's shell in the worktree, echoing its output live and keeping
 * the tail for the model. It gets its own process group so a timeout or Ctrl-C kills what it
 * started too.
 */
export function runCommand(ctx: ToolContext, command: string, timeoutMs: number): Promise<CommandResult> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!SECRET_ENV.test(k)) env[k] = v;
  env.PAGER = 'cat';
  env.GIT_PAGER = 'cat';
  return new Promise((resolve) => {
    const child = spawn(defaultShell().file, ['-c', command], { cwd: ctx.root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    let tail = Buffer.alloc(0);
    let timedOut = false;
    let cancelled = false;
    let settled = false;
    const onData = (chunk: Buffer) => {
      ctx.echo(chunk);
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > COMMAND_OUTPUT_TAIL_BYTES * 2) tail = tail.subarray(tail.length - COMMAND_OUTPUT_TAIL_BYTES);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const killGroup = () => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    const onAbort = () => {
      cancelled = true;
      killGroup();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const done = (exitCode: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      child.stdout.destroy();
      child.stderr.destroy();
      let text = tail.toString('utf8');
      if (tail.length > COMMAND_OUTPUT_TAIL_BYTES) text = `… (earlier output cut)\n${text.slice(-COMMAND_OUTPUT_TAIL_BYTES)}`;
      resolve({ exitCode, output: stripAnsi(text), timedOut, cancelled });
    };
    child.on('error', (e) => {
      tail = Buffer.from(`could not start the shell: ${e.message}`);
      done(null);
    });
    // 'close' waits for every holder of the pipes; a background grandchild could hold them
    // forever, so after 'exit' give the output a moment to drain and then stop waiting.
    child.on('exit', (code, signal) => setTimeout(() => done(code ?? (signal ? 128 : null)), 150).unref());
    child.on('close', (code, signal) => done(code ?? (signal ? 128 : null)));
    if (ctx.signal.aborted) onAbort();
  });
}

async function runCommandTool(ctx: ToolContext, command: string, timeoutMs: number): Promise<ToolOutcome> {
  if (command.trim() === '') return fail('command is empty.');
  const r = await runCommand(ctx, command, timeoutMs);
  if (r.cancelled) return fail('the command was stopped by the user.');
  if (r.timedOut) return fail(`the command did not finish within ${Math.round(timeoutMs / 1000)} s and was killed. Output so far:\n${r.output}`);
  const content = `exit code: ${r.exitCode ?? 'unknown'}\n${r.output || '(no output)'}`;
  return { content, isError: false, summary: `exit code ${r.exitCode ?? '?'}` };
}
