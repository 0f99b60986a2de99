import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { terminalFont, terminalTheme, tokenOf } from '../src/renderer/features/terminal/terminal-theme';

const TOKENS = readFileSync(resolve(import.meta.dirname, '../src/renderer/styles/tokens.css'), 'utf8');

/** Reads custom properties straight from tokens.css, as the page's computed style would. */
function fromTokens(property: string): string {
  const match = new RegExp(`${property}:\\s*([^;]+);`).exec(TOKENS);
  return match ? match[1] : '';
}

describe('terminal theme from the design tokens', () => {
  it('names tokens in kebab case', () => {
    expect(tokenOf('brightBlack')).toBe('--term-bright-black');
    expect(tokenOf('selectionBackground')).toBe('--term-selection-background');
  });

  it('tokens.css defines every colour of the terminal palette', () => {
    const theme = terminalTheme(fromTokens);
    expect(Object.keys(theme)).toHaveLength(21);
    expect(theme.background).toBe('#14161b');
    expect(theme.brightWhite).toBe('#f0f2f5');
  });

  it('a missing token leaves xterm’s default instead of an empty colour', () => {
    const theme = terminalTheme((p) => (p === '--term-red' ? '' : '#000000'));
    expect(theme.red).toBeUndefined();
    expect(theme.green).toBe('#000000');
  });

  it('the terminal font is the --mono token', () => {
    expect(terminalFont(fromTokens)).toContain('JetBrains Mono');
    expect(terminalFont(() => '')).toBe('monospace');
  });
});
