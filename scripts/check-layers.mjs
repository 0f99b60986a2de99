#!/usr/bin/env node
/**
 * Layering check (`npm run lint`): the core and the contract never import Electron, the
 * contract imports no Node module, and the renderer imports nothing that needs Node. In the
 * core, a service's files are reached only through its `index.ts` from other folders, and no
 * modules import each other in a circle (type-only imports aside: they vanish at build time).
 * Prints each offending file:line and exits 1.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
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

// ---- Core: services through their index.ts, and no import cycles ----

const CORE = join(root, 'src/main/core');
/**
 * Imports that still reach past a service's index.ts, each with the reason it stays for now. Do
 * not add to this list: export what you need from the service's index.ts instead.
 */
const KNOWN_BYPASSES = new Map([
  // Flotilla's agent is bundled on its own; pty/index.ts would pull node-pty into it.
  ['own-agent/run-command.ts -> pty/default-shell.ts', 'the agent bundle must not load node-pty'],
  // git/work-state.ts stages with submodules.ts's gitlink rules: through git/index.ts the two
  // would import each other.
  ['worktrees/submodules.ts -> git/core.ts', 'git/index.ts re-exports work-state.ts, which imports submodules.ts'],
  ['worktrees/submodules.ts -> git/hooks.ts', 'git/index.ts re-exports work-state.ts, which imports submodules.ts'],
  ['worktrees/submodules.ts -> git/worktree-view.ts', 'git/index.ts re-exports work-state.ts, which imports submodules.ts'],
  // Inside the changes and git work of h/changes-speed and h/git-layer: to move with them.
  ['changes/file-diff.ts -> worktrees/submodules.ts', 'to be exported by worktrees/index.ts'],
  ['changes/change-list.ts -> worktrees/submodules.ts', 'to be exported by worktrees/index.ts'],
  ['git/work-state.ts -> worktrees/submodules.ts', 'to be exported by worktrees/index.ts'],
  ['merge/squash-merge.ts -> changes/parse-diff.ts', 'to be imported from changes/index.ts'],
  ['providers/provider-service.ts -> db/usage-table.ts', 'types to be exported by db/index.ts'],
  ['providers/provider-service.ts -> db/providers-table.ts', 'types to be exported by db/index.ts'],
]);

// Whole statements: `import type { A } from 'x'`, `export { B } from 'y'`, over several lines too.
const STATEMENT_RE = /\b(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*(['"])([^'"\n]+)\4/gs;

function resolveImport(fromFile, spec) {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(fromFile), spec);
  for (const candidate of [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** Value imports of a file (type-only ones dropped), with their line numbers. */
function coreImports(file) {
  const text = readFileSync(file, 'utf8');
  const found = [];
  for (const m of text.matchAll(STATEMENT_RE)) {
    const typeOnly = Boolean(m[2]) || /^\{[^}]*\}$/.test(m[3].trim()) && m[3].trim().slice(1, -1).split(',').map((x) => x.trim()).filter(Boolean).every((x) => x.startsWith('type '));
    const target = resolveImport(file, m[5]);
    if (!target || !target.startsWith(CORE)) continue;
    found.push({ target, typeOnly, line: text.slice(0, m.index).split('\n').length });
  }
  return found;
}

const folderOf = (file) => relative(CORE, file).split('/')[0];
const graph = new Map();
for (const file of sourceFiles(CORE)) {
  const imports = coreImports(file);
  graph.set(file, imports.filter((i) => !i.typeOnly).map((i) => i.target));
  for (const { target, line } of imports) {
    const from = folderOf(file);
    const to = folderOf(target);
    const isFolder = relative(CORE, target).includes('/');
    if (!isFolder || from === to || target === join(CORE, to, 'index.ts')) continue;
    if (!existsSync(join(CORE, to, 'index.ts'))) continue; // a folder of verbs (git) has no front door yet
    const key = `${relative(CORE, file)} -> ${relative(CORE, target)}`;
    if (KNOWN_BYPASSES.has(key)) continue;
    problems.push(`${relative(root, file)}:${line}: imports ${relative(CORE, target)}: use ${to}/index.ts, the service's front door`);
  }
}

// Cycles among value imports (depth-first search, each cycle reported once).
const state = new Map();
const stack = [];
const seenCycles = new Set();
function visit(file) {
  state.set(file, 'open');
  stack.push(file);
  for (const next of graph.get(file) ?? []) {
    if (state.get(next) === 'open') {
      const cycle = stack.slice(stack.indexOf(next)).map((f) => relative(CORE, f));
      const key = [...cycle].sort().join(' ');
      if (!seenCycles.has(key)) {
        seenCycles.add(key);
        problems.push(`src/main/core: import cycle: ${[...cycle, cycle[0]].join(' -> ')}`);
      }
    } else if (!state.has(next)) {
      visit(next);
    }
  }
  stack.pop();
  state.set(file, 'done');
}
for (const file of graph.keys()) if (!state.has(file)) visit(file);

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`check-layers: ${problems.length} layering violation(s).`);
  process.exit(1);
}
console.log('check-layers: ok');
