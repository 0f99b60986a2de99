#!/usr/bin/env node
/**
 * Layering check (`npm run lint`): the core and the contract never import Electron, the
 * contract imports no Node module, and the renderer imports nothing that needs Node.
 * Prints each offending file:line and exits 1.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');

const NODE_BUILTINS = new Set([
  'assert', 'async_hooks', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs',
  'fs/promises', 'http', 'http2', 'https', 'module', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline',
  'stream', 'string_decoder', 'timers', 'tls', 'tty', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
]);
const isNode = (spec) => spec.startsWith('node:') || NODE_BUILTINS.has(spec) || NODE_BUILTINS.has(spec.split('/')[0]);
const isElectron = (spec) => spec === 'electron' || spec.startsWith('electron/');
const NATIVE = ['better-sqlite3', 'node-pty', 'ws'];
const isNative = (spec) => NATIVE.some((m) => spec === m || spec.startsWith(`${m}/`));

/** Folder → what it may not import, and why. */
const RULES = [
  { dir: 'src/main/core', forbidden: (s) => isElectron(s), why: 'the core must not import electron' },
  { dir: 'src/shared', forbidden: (s) => isElectron(s) || isNode(s), why: 'src/shared must not import electron or Node modules' },
  {
    dir: 'src/renderer',
    forbidden: (s) => isElectron(s) || isNode(s) || isNative(s),
    why: 'the renderer must not import electron, Node modules, better-sqlite3, node-pty or ws',
  },
];

// import ... from 'x' | import 'x' | export ... from 'x' | import('x') | require('x')
const IMPORT_RE = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g;

function* sourceFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.(m|c)?(t|j)sx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) yield path;
  }
}

const problems = [];
for (const rule of RULES) {
  for (const file of sourceFiles(join(root, rule.dir))) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, index) => {
      const trimmed = line.trim();
      if (trimmed.startsWith('//') || trimmed.startsWith('*')) return;
      for (const match of line.matchAll(IMPORT_RE)) {
        const spec = match[2];
        if (rule.forbidden(spec)) problems.push(`${relative(root, file)}:${index + 1}: imports '${spec}': ${rule.why}`);
      }
    });
  }
}

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`check-layers: ${problems.length} layering violation(s).`);
  process.exit(1);
}
console.log('check-layers: ok');
