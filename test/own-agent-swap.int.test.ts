/**
 * The agent's file tools under a concurrent folder/symlink swap: another process flips a folder
 * inside the worktree between a real folder and a symlink to an outside folder, thousands of
 * times, while the tools read and write through it. Nothing may be read from or written to the
 * outside folder. Bounded by counts, never by time.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findRipgrep } from '../src/main/core/own-agent/search-files';
import { executeTool, type ToolContext } from '../src/main/core/own-agent/tools';
import { makeRepo, removeDir, tempDir } from './helpers/repo';

/** Tool calls of each kind made while the swap runs. */
const CALLS = 1000;
/** The swapper stops by itself after this many flips, should the test never tell it to. */
const MAX_FLIPS = 50_000_000;
const SECRET = 'OUTSIDE-SECRET';

let repo: string;
let outside: string;
let swapper: ChildProcess | null = null;

beforeEach(() => {
  repo = makeRepo({ 'sub/file.txt': 'inside\n', 'sub/keep.txt': 'keep\n' });
  outside = tempDir('flotilla-outside-');
  writeFileSync(join(outside, 'file.txt'), `${SECRET}\n`);
  writeFileSync(join(outside, 'keep.txt'), `${SECRET} keep\n`);
  mkdirSync(join(outside, 'nested'));
  writeFileSync(join(outside, 'nested', 'file.txt'), `${SECRET} nested\n`);
});

afterEach(async () => {
  if (swapper && swapper.exitCode === null) {
    swapper.kill('SIGKILL');
    await new Promise((r) => swapper?.once('exit', r));
  }
  swapper = null;
  removeDir(repo);
  removeDir(outside);
});

/**
 * The swap as an attacker would do it: renameat2(RENAME_EXCHANGE) through Python's ctypes, so the
 * name always exists and is a real folder or the symlink about half the time each, flipping as
 * fast as the kernel allows. Without Python, a Node loop of renames and symlinks (a slower swap).
 */
const PY_SWAPPER = `
import ctypes, os, sys
sub, other, outside, stop, limit = sys.argv[1:6]
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
os.symlink(outside, other)
a, b = sub.encode(), other.encode()
if libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0 or libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0:
    sys.exit("renameat2 failed: errno %d" % ctypes.get_errno())
print("flipping", flush=True)
for i in range(int(limit)):
    if i % 256 == 0 and os.path.exists(stop):
        break
    libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
if os.path.islink(sub):
    libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
os.unlink(other)
`;

const NODE_SWAPPER = `
  const fs = require('fs');
  const [sub, real, outside, stop, max] = process.argv.slice(1);
  let said = false;
  for (let i = 0; i < Number(max); i++) {
    if (i % 64 === 0 && fs.existsSync(stop)) break;
    try { fs.renameSync(sub, real); fs.symlinkSync(outside, sub); } catch {}
    if (!said) { process.stdout.write('flipping\\n'); said = true; }
    try { fs.unlinkSync(sub); fs.renameSync(real, sub); } catch {}
  }
  try { fs.unlinkSync(sub); } catch {}
  try { fs.renameSync(real, sub); } catch {}
`;

function hasPython(): boolean {
  try {
    execFileSync('python3', ['-c', 'import ctypes'], { stdio: 'ignore' });
    return process.platform === 'linux';
  } catch {
    return false;
  }
}

/** Starts the swapping process; resolves once it is flipping. */
function startSwapper(stopFile: string): Promise<void> {
  const args = [join(repo, 'sub'), join(repo, 'sub.other'), outside, stopFile, String(MAX_FLIPS)];
  const child = hasPython()
    ? spawn('python3', ['-c', PY_SWAPPER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(process.execPath, ['-e', NODE_SWAPPER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  swapper = child;
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', () => resolve());
    child.once('exit', () => reject(new Error('the swapper stopped before flipping')));
  });
}

function ctx(): ToolContext {
  return { root: repo, echo: () => undefined, signal: new AbortController().signal, commandTimeoutMs: 10_000, ripgrep: null };
}

describe('file tools under a concurrent folder/symlink swap', () => {
  it('never read from or write to the folder the symlink points at', async () => {
    const stopFile = join(repo, '..', `stop-${Date.now()}`);
    await startSwapper(stopFile);
    const c = ctx();
    const rg = findRipgrep();
    let leakedReads = 0;
    let ok = 0;
    for (let i = 0; i < CALLS; i++) {
      const reads = [
        await executeTool('read_file', JSON.stringify({ path: 'sub/file.txt' }), c),
        await executeTool('read_file', JSON.stringify({ path: 'sub/nested/file.txt' }), c),
        await executeTool('list_files', JSON.stringify({ path: 'sub', depth: 2 }), c),
        await executeTool('edit_file', JSON.stringify({ path: 'sub/keep.txt', old_text: 'keep', new_text: 'keep' }), c),
      ];
      if (i % 20 === 0) {
        // Search walks by name (ripgrep, or git's list): only lines re-read safely may come back.
        reads.push(await executeTool('search', JSON.stringify({ pattern: 'SECRET|inside', path: 'sub' }), c));
        if (rg) reads.push(await executeTool('search', JSON.stringify({ pattern: 'SECRET|inside' }), { ...c, ripgrep: rg }));
      }
      for (const r of reads) {
        // Outside content, or the outside folder's listing.
        if (r.content.includes(SECRET) || (!r.isError && /^sub\/nested\//m.test(r.content))) leakedReads++;
        if (!r.isError) ok++;
      }
      // Fixed names: one that appears outside is an escaped write, whichever call made it.
      await executeTool('write_file', JSON.stringify({ path: 'sub/new.txt', content: 'written' }), c);
      await executeTool('write_file', JSON.stringify({ path: 'sub/dir/x.txt', content: 'written' }), c);
      await executeTool('write_file', JSON.stringify({ path: 'sub/file.txt', content: 'inside\n' }), c);
    }
    writeFileSync(stopFile, '');
    await new Promise((r) => (swapper!.exitCode !== null ? r(null) : swapper!.once('exit', r)));
    removeDir(stopFile);

    expect(readdirSync(outside).sort()).toEqual(['file.txt', 'keep.txt', 'nested']);
    expect(readdirSync(join(outside, 'nested'))).toEqual(['file.txt']);
    expect(readFileSync(join(outside, 'file.txt'), 'utf8')).toBe(`${SECRET}\n`);
    expect(readFileSync(join(outside, 'keep.txt'), 'utf8')).toBe(`${SECRET} keep\n`);
    expect(leakedReads).toBe(0);
    // The tools kept working between flips: the test exercised real reads, not only refusals.
    expect(ok).toBeGreaterThan(0);
  }, 600_000);
});
