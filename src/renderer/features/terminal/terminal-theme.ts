import type { ITheme } from '@xterm/xterm';

/** xterm.js theme keys, each read from the `--term-<kebab-case key>` token in styles/tokens.css. */
const THEME_KEYS = [
  'background',
  'foreground',
  'cursor',
  'cursorAccent',
  'selectionBackground',
  'black',
  'red',
  'green',
  'yellow',
  'blue',
  'magenta',
  'cyan',
  'white',
  'brightBlack',
  'brightRed',
  'brightGreen',
  'brightYellow',
  'brightBlue',
  'brightMagenta',
  'brightCyan',
  'brightWhite',
] as const satisfies readonly (keyof ITheme)[];

/** The CSS custom property that holds a theme key: `brightBlack` → `--term-bright-black`. */
export function tokenOf(key: string): string {
  return `--term-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * The terminal palette from the design tokens, so the panes and the rest of the app change
 * together. `read` is a custom property lookup (the document's computed style in the app).
 */
export function terminalTheme(read: (property: string) => string = documentToken): ITheme {
  const theme: ITheme = {};
  for (const key of THEME_KEYS) {
    const value = read(tokenOf(key)).trim();
    if (value) theme[key] = value;
  }
  return theme;
}

/** The terminal's font stack from the `--mono` token. */
export function terminalFont(read: (property: string) => string = documentToken): string {
  return read('--mono').trim() || 'monospace';
}

function documentToken(property: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(property);
}
