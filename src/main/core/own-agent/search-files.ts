/**
 * The search tool's matching: ripgrep when it is installed, else a walk of the files git lists.
 * Either way every returned line is read again through safe-fs, so nothing outside the worktree
 * can reach the model.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { git } from '../git';
import { isBinary, openForRead, using } from './safe-fs';

/** Matching lines search returns at most. */
export const MAX_SEARCH_MATCHES = 200;
/** Files larger than this are skipped by the built-in search. */
const MAX_SEARCH_FILE_BYTES = 2 * 1024 * 1024;

/** What a search needs from the running agent. */
export interface SearchContext {
  /** The worktree's real path. */
  root: string;
  signal: AbortSignal;
  /** Path of ripgrep, or null to use the built-in walk. */
  ripgrep: string | null;
}

/** Lines matching `pattern` under `rel` (already confined), as `path:line:text`; a string is an error for the model. */
export function findMatches(ctx: SearchContext, pattern: string, rel: string, glob: string | undefined): Promise<{ lines: string[]; truncated: boolean } | string> {
  return ctx.ripgrep ? searchWithRipgrep(ctx, ctx.ripgrep, pattern, rel, glob) : searchBuiltIn(ctx, pattern, rel, glob);
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

function searchWithRipgrep(ctx: SearchContext, rg: string, pattern: string, rel: string, glob: string | undefined): Promise<{ lines: string[]; truncated: boolean } | string> {
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

async function searchBuiltIn(ctx: SearchContext, pattern: string, rel: string, glob: string | undefined): Promise<{ lines: string[]; truncated: boolean } | string> {
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
