/**
 * How the conversation looks in the pane: plain ANSI colours, one short line per tool call and
 * per result. Pure functions so the wording is unit-tested.
 */

/** ANSI styling, or none (NO_COLOR). */
export interface Style {
  dim(s: string): string;
  bold(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

/** Colours for a terminal; identity functions when `enabled` is false. */
export function makeStyle(enabled: boolean): Style {
  const wrap = (open: string, close: string) => (s: string) => (enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return { dim: wrap('2', '22'), bold: wrap('1', '22'), red: wrap('31', '39'), green: wrap('32', '39'), yellow: wrap('33', '39'), cyan: wrap('36', '39') };
}

/** The prompt shown when the agent waits for the user. */
export const PROMPT = '› ';

const MAX_ARG_CHARS = 80;

/** One line for the most telling argument of a call, e.g. `src/a.ts` or `npm test`. Pure. */
export function shortArgs(name: string, argsText: string): string {
  let args: unknown;
  try {
    args = JSON.parse(argsText);
  } catch {
    return truncate(argsText.replace(/\s+/g, ' '));
  }
  if (typeof args !== 'object' || args === null) return truncate(String(args));
  const a = args as Record<string, unknown>;
  const pick = (k: string) => (typeof a[k] === 'string' ? (a[k] as string) : undefined);
  switch (name) {
    case 'read_file': {
      const range = a.start_line !== undefined || a.end_line !== undefined ? ` :${a.start_line ?? 1}-${a.end_line ?? ''}` : '';
      return truncate(`${pick('path') ?? ''}${range}`);
    }
    case 'search':
      return truncate(`/${pick('pattern') ?? ''}/${pick('path') && pick('path') !== '.' ? ` in ${pick('path')}` : ''}`);
    case 'run_command':
      return truncate(`$ ${pick('command') ?? ''}`);
    case 'finish':
      return '';
    default:
      return truncate(pick('path') ?? pick('command') ?? Object.values(a).filter((v) => typeof v === 'string').join(' '));
  }
}

function truncate(s: string): string {
  const line = s.replace(/\s*\n\s*/g, ' ⏎ ');
  return line.length > MAX_ARG_CHARS ? `${line.slice(0, MAX_ARG_CHARS - 1)}…` : line;
}

/** The line announcing a tool call. */
export function formatToolCall(style: Style, name: string, argsText: string): string {
  const args = shortArgs(name, argsText);
  return `${style.cyan(`⚙ ${name}`)}${args ? ` ${style.dim(args)}` : ''}\n`;
}

/** The line under a tool call saying how it went. */
export function formatToolResult(style: Style, isError: boolean, summary: string): string {
  const first = summary.split('\n')[0];
  return isError ? `  ${style.red(`✗ ${first}`)}\n` : `  ${style.dim(`↳ ${first}`)}\n`;
}

/** An error line for the user, in red. */
export function formatError(style: Style, message: string): string {
  return `${style.red(`✗ ${message}`)}\n`;
}

/**
 * The question asked before a write, an edit or a command, ending where the user types the
 * answer. A command is shown whole (the user must see exactly what would run). Pure.
 */
export function formatPermissionQuestion(style: Style, name: string, argsText: string): string {
  let detail = shortArgs(name, argsText);
  if (name === 'run_command') {
    try {
      const args = JSON.parse(argsText) as { command?: unknown };
      if (typeof args.command === 'string') detail = `$ ${args.command}`;
    } catch {
      /* malformed arguments are shown as the short form */
    }
  }
  const what = name === 'run_command' ? 'Run this command' : name === 'edit_file' ? 'Edit this file' : 'Write this file';
  const always = name === 'run_command' ? 'commands' : 'file changes';
  return `${style.yellow(`? ${what}?`)} ${detail}\n${style.bold(`  [y]es / [n]o / [a]lways allow ${always} in this session › `)}`;
}
