import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { confinePath, PathRefused } from '../src/main/core/own-agent/paths';
import { MAX_READ_LINES } from '../src/main/core/own-agent/tool-specs';
import { findRipgrep } from '../src/main/core/own-agent/search-files';
import { executeTool, type ToolContext } from '../src/main/core/own-agent/tools';
import { makeRepo, removeDir, tempDir } from './helpers/repo';

let repo: string;
let outside: string;
let echoed: string;

function ctx(overrides: Partial<ToolContext> = {}): ToolContext {
  return { root: repo, echo: (c) => (echoed += c.toString()), signal: new AbortController().signal, commandTimeoutMs: 10_000, ripgrep: null, ...overrides };
}

const call = (name: string, args: unknown, c: ToolContext = ctx()) => executeTool(name, typeof args === 'string' ? args : JSON.stringify(args), c);

beforeEach(() => {
  repo = makeRepo({ 'README.md': '# test\n', 'src/a.ts': 'export const a = 1;\nexport const b = 1;\n' });
  outside = tempDir('flotilla-outside-');
  writeFileSync(join(outside, 'secret.txt'), 'secret\n');
  echoed = '';
});

afterEach(() => {
  removeDir(repo);
  removeDir(outside);
});

describe('path confinement', () => {
  it('resolves paths inside the worktree, existing or not', () => {
    expect(confinePath(repo, 'src/a.ts')).toEqual({ real: join(repo, 'src/a.ts'), rel: 'src/a.ts' });
    expect(confinePath(repo, 'new/dir/x.ts').rel).toBe('new/dir/x.ts');
    expect(confinePath(repo, `${repo}/src/../README.md`).rel).toBe('README.md');
  });

  it('refuses ../, absolute paths elsewhere, symlinks out (file and folder), dangling symlinks and .git', () => {
    symlinkSync(join(outside, 'secret.txt'), join(repo, 'link.txt'));
    symlinkSync(outside, join(repo, 'linkdir'));
    symlinkSync(join(outside, 'nothing-yet.txt'), join(repo, 'dangling.txt'));
    for (const p of ['../x', '../../etc/passwd', join(outside, 'secret.txt'), '/etc/passwd', 'link.txt', 'linkdir/secret.txt', 'linkdir/new.txt', 'dangling.txt', '.git/config', 'src/../.git/HEAD', '']) {
      expect(() => confinePath(repo, p), p).toThrow(PathRefused);
    }
  });

  it('never writes outside: write_file and edit_file through every escape return a tool error and change nothing', async () => {
    symlinkSync(join(outside, 'secret.txt'), join(repo, 'link.txt'));
    symlinkSync(outside, join(repo, 'linkdir'));
    symlinkSync(join(outside, 'created.txt'), join(repo, 'dangling.txt'));
    const before = readdirSync(outside).sort();
    for (const path of [`../${outside.split('/').pop()}/secret.txt`, join(outside, 'secret.txt'), join(outside, 'new.txt'), 'link.txt', 'linkdir/secret.txt', 'linkdir/new.txt', 'dangling.txt', '.git/hooks/pre-commit']) {
      const w = await call('write_file', { path, content: 'pwned' });
      expect(w.isError, path).toBe(true);
      expect(w.content).toMatch(/^Error: /);
      const e = await call('edit_file', { path, old_text: 'secret', new_text: 'pwned' });
      expect(e.isError, path).toBe(true);
    }
    expect(readdirSync(outside).sort()).toEqual(before);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('secret\n');
    expect(existsSync(join(repo, '.git/hooks/pre-commit'))).toBe(false);
  });

  it('refuses to read through a symlink that points out', async () => {
    symlinkSync(join(outside, 'secret.txt'), join(repo, 'link.txt'));
    const r = await call('read_file', { path: 'link.txt' });
    expect(r.isError).toBe(true);
    expect(r.content).not.toContain('secret\n');
  });
});

describe('file tools', () => {
  it('edits exactly one occurrence and explains a missing or ambiguous old_text', async () => {
    const missing = await call('edit_file', { path: 'src/a.ts', old_text: 'const c', new_text: 'x' });
    expect(missing.isError).toBe(true);
    expect(missing.content).toContain('old_text was not found in src/a.ts');
    const ambiguous = await call('edit_file', { path: 'src/a.ts', old_text: '= 1;', new_text: '= 2;' });
    expect(ambiguous.isError).toBe(true);
    expect(ambiguous.content).toContain('occurs 2 times');
    expect(readFileSync(join(repo, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\nexport const b = 1;\n');
    const ok = await call('edit_file', { path: 'src/a.ts', old_text: 'b = 1', new_text: 'b = $& 2' });
    expect(ok.isError).toBe(false);
    expect(readFileSync(join(repo, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\nexport const b = $& 2;\n');
  });

  it('reads ranges, and demands ranges for a big file', async () => {
    writeFileSync(join(repo, 'big.txt'), Array.from({ length: MAX_READ_LINES + 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n');
    const whole = await call('read_file', { path: 'big.txt' });
    expect(whole.isError).toBe(true);
    expect(whole.content).toContain(`has ${MAX_READ_LINES + 10} lines`);
    const range = await call('read_file', { path: 'big.txt', start_line: 5, end_line: 7 });
    expect(range.content).toBe(`[big.txt: lines 5-7 of ${MAX_READ_LINES + 10}]\nline 5\nline 6\nline 7\n`);
    const past = await call('read_file', { path: 'big.txt', start_line: 999_999 });
    expect(past.isError).toBe(true);
    const small = await call('read_file', { path: 'src/a.ts' });
    expect(small.content).toBe('[src/a.ts: 2 lines]\nexport const a = 1;\nexport const b = 1;\n');
  });

  it('writes new files with their folders and lists the tree without .git', async () => {
    const w = await call('write_file', { path: 'docs/deep/new.md', content: 'hi\n' });
    expect(w.content).toBe('Created docs/deep/new.md (3 bytes).');
    expect(readFileSync(join(repo, 'docs/deep/new.md'), 'utf8')).toBe('hi\n');
    const list = await call('list_files', { depth: 3 });
    expect(list.content.split('\n')).toEqual(['docs/', 'docs/deep/', 'docs/deep/new.md', 'README.md', 'src/', 'src/a.ts']);
  });

  it('returns malformed or mistyped arguments and unknown tools to the model as errors', async () => {
    const bad = await call('read_file', '{"path": "src/a.ts"');
    expect(bad.isError).toBe(true);
    expect(bad.content).toMatch(/^Error: The arguments for read_file are not valid JSON/);
    const typed = await call('read_file', { path: 42 });
    expect(typed.content).toBe('Error: Invalid arguments for read_file: "path" must be a string.');
    const unknown = await call('delete_everything', {});
    expect(unknown.content).toMatch(/^Error: There is no tool named "delete_everything"/);
  });
});

describe('search', () => {
  beforeEach(() => {
    writeFileSync(join(repo, '.gitignore'), 'build/\n*.log\n');
    mkdirSync(join(repo, 'build'));
    writeFileSync(join(repo, 'build/out.js'), 'const needle = 1;\n');
    writeFileSync(join(repo, 'debug.log'), 'needle\n');
    writeFileSync(join(repo, 'src/untracked.ts'), 'let needle = 2;\n');
    writeFileSync(join(repo, 'src/a.ts'), 'export const needle = 1;\n');
    symlinkSync(join(outside, 'secret.txt'), join(repo, 'src/link.txt'));
    writeFileSync(join(outside, 'secret.txt'), 'needle outside\n');
  });

  it('built-in walk honours .gitignore, sees untracked files and never follows symlinks', async () => {
    const r = await call('search', { pattern: 'needle' });
    expect(r.content.split('\n').sort()).toEqual(['src/a.ts:1:export const needle = 1;', 'src/untracked.ts:1:let needle = 2;']);
    const glob = await call('search', { pattern: 'needle', glob: 'untracked.*' });
    expect(glob.content).toBe('src/untracked.ts:1:let needle = 2;');
    const none = await call('search', { pattern: 'absent' });
    expect(none.content).toBe('No matches.');
    const invalid = await call('search', { pattern: '(' });
    expect(invalid.isError).toBe(true);
  });

  it.skipIf(findRipgrep() === null)('ripgrep finds the same matches', async () => {
    const r = await call('search', { pattern: 'needle' }, ctx({ ripgrep: findRipgrep() }));
    expect(r.content.split('\n').sort()).toEqual(['src/a.ts:1:export const needle = 1;', 'src/untracked.ts:1:let needle = 2;']);
  });
});

describe('run_command', () => {
  it('runs in the worktree, echoes output live and returns the exit code', async () => {
    const r = await call('run_command', { command: 'pwd; echo to-stderr >&2; exit 3' });
    expect(r.isError).toBe(false);
    expect(r.content).toContain('exit code: 3');
    expect(r.content).toContain(repo);
    expect(echoed).toContain('to-stderr');
  });

  it('does not hand the agent\'s API keys to commands', async () => {
    process.env.OPENAI_API_KEY = 'sk-should-not-leak';
    try {
      const r = await call('run_command', { command: 'echo "key=[$OPENAI_API_KEY]"' });
      expect(r.content).toContain('key=[]');
    } finally {
      delete process.env.OPENAI_API_KEY;
    }
  });

  it('kills a command that outlives its timeout, children included', async () => {
    const r = await call('run_command', { command: 'sleep 30 & sleep 30; echo never', timeout_seconds: 1 });
    expect(r.isError).toBe(true);
    expect(r.content).toContain('did not finish within 1 s');
    expect(r.content).not.toContain('never');
  });

  it('stops at once when the user cancels', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    // Longer than the test may take: only the abort can end it.
    const r = await call('run_command', { command: 'sleep 600' }, ctx({ signal: controller.signal }));
    expect(r.content).toBe('Error: the command was stopped by the user.');
  });
});
