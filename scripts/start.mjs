#!/usr/bin/env node
/**
 * `npm start`: the desktop app when Electron's binary is present, web mode otherwise.
 * `npm run serve` (`start.mjs serve ...`): always web mode. Builds out/ first when missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyFuses } from './electron-fuses.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const webOnly = args[0] === 'serve';
const rest = webOnly ? args.slice(1) : args;

ensureBuilt();

const electron = webOnly ? null : findElectron();
if (electron) {
  await fuse(electron);
  run(electron, [root, ...rest]);
} else {
  if (!webOnly) {
    process.stderr.write(
      'Electron is not available on this machine (its binary has not been downloaded); starting Flotilla in web mode instead.\n',
    );
  }
  run(process.execPath, [join(root, 'out', 'main', 'cli.js'), 'serve', ...rest]);
}

function ensureBuilt() {
  const outputs = ['out/main/index.js', 'out/main/cli.js', 'out/preload/index.cjs', 'out/renderer/index.html'];
  if (outputs.every((p) => existsSync(join(root, p)))) return;
  process.stderr.write('flotilla: out/ is missing or incomplete; building with `npx electron-vite build` first...\n');
  // Build output goes to stderr: stdout is reserved for the CLI's ready line.
  const built = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (built.status !== 0) {
    process.stderr.write('flotilla: the build failed; see the output above.\n');
    process.exit(1);
  }
}

/**
 * The Electron executable, or null when it was never downloaded. Reads electron's path.txt
 * rather than require('electron'), whose index.js starts a download when the binary is missing.
 */
function findElectron() {
  const pkg = join(root, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const candidate = join(override, relative || 'electron');
    return existsSync(candidate) ? candidate : null;
  }
  if (!relative) return null;
  const candidate = join(pkg, 'dist', relative);
  return existsSync(candidate) ? candidate : null;
}

/** Switches off the Electron features Flotilla does not use (see electron-fuses.mjs). */
async function fuse(electron) {
  try {
    const { applied, reason } = await applyFuses(electron);
    if (applied) process.stderr.write('flotilla: set the Electron fuses (see scripts/electron-fuses.mjs).\n');
    else if (reason !== 'already set') process.stderr.write(`flotilla: warning: Electron fuses not set: ${reason}.\n`);
  } catch (err) {
    process.stderr.write(`flotilla: warning: could not set the Electron fuses on ${electron}: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}

/** Runs the child and mirrors its exit; signals are forwarded, not duplicated. */
function run(command, commandArgs) {
  const env = { ...process.env };
  // Set by some tools; it would make Electron behave as plain Node.
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(command, commandArgs, {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    // Its own process group: a terminal's Ctrl-C reaches only us, and we forward it once.
    // (Twice would make the CLI skip its graceful shutdown.)
    detached: true,
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on('error', (err) => {
    process.stderr.write(`flotilla: could not start ${command}: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal ? 1 : 0));
  });
}
