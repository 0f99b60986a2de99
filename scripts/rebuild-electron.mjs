#!/usr/bin/env node
/**
 * `npm run rebuild:electron`: builds better-sqlite3 for Electron's ABI into
 * build/electron/better_sqlite3.node, which the Electron shell passes to the core as its
 * native binding. The build happens in a temporary copy of node_modules/better-sqlite3 so the
 * Node build there (used by tests and web mode) stays intact. node-pty uses N-API, so its one
 * build serves both runtimes. Needs the network: node-gyp downloads Electron's headers.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** A failure to report in one line; thrown so the temp folder is still removed. */
class RebuildError extends Error {}
function fail(message) {
  throw new RebuildError(message);
}

const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
const sqliteDir = join(root, 'node_modules', 'better-sqlite3');
if (!existsSync(join(sqliteDir, 'binding.gyp'))) {
  console.error('rebuild-electron: node_modules/better-sqlite3 is missing; run `npm install` first.');
  process.exit(1);
}

/** node-gyp: this project's, else the copy that ships with npm, else npx's. */
function findNodeGyp() {
  try {
    return [process.execPath, require.resolve('node-gyp/bin/node-gyp.js')];
  } catch {
    // not a dependency of this project
  }
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) {
    return [process.execPath, process.env.npm_config_node_gyp];
  }
  const npmCli = process.env.npm_execpath;
  if (npmCli) {
    const bundled = join(dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(bundled)) return [process.execPath, bundled];
  }
  return ['npx', '--yes', 'node-gyp'];
}

const work = mkdtempSync(join(tmpdir(), 'flotilla-electron-sqlite-'));
try {
  const copy = join(work, 'better-sqlite3');
  // The existing build/ holds the Node-ABI binary: leave it behind so nothing stale is reused.
  cpSync(sqliteDir, copy, { recursive: true, filter: (src) => src !== join(sqliteDir, 'build') });

  const [command, ...prefix] = findNodeGyp();
  const args = [
    ...prefix,
    'rebuild',
    '--release',
    `--target=${electronVersion}`,
    '--dist-url=https://electronjs.org/headers',
    '--runtime=electron',
    `--arch=${process.arch}`,
  ];
  console.log(`rebuild-electron: building better-sqlite3 for Electron ${electronVersion} (${process.arch}) in ${copy}`);
  console.log(`rebuild-electron: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    cwd: copy,
    stdio: 'inherit',
    env: { ...process.env, npm_config_runtime: 'electron', npm_config_target: electronVersion, npm_config_disturl: 'https://electronjs.org/headers' },
  });
  if (result.error) fail(`could not run node-gyp: ${result.error.message}`);
  if (result.status !== 0) {
    fail(
      `node-gyp failed (exit ${result.status}). It downloads Electron's headers from https://electronjs.org/headers, ` +
        'so this needs internet access, plus Python 3 and a C++ compiler.',
    );
  }

  const built = join(copy, 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(built)) fail(`node-gyp succeeded but ${built} is missing.`);
  const target = join(root, 'build', 'electron', 'better_sqlite3.node');
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(built, target);
  console.log(`rebuild-electron: wrote ${target}; node_modules/better-sqlite3 (Node build) is unchanged.`);
} catch (err) {
  if (!(err instanceof RebuildError)) throw err;
  console.error(`rebuild-electron: ${err.message}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
