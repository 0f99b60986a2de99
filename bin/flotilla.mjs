#!/usr/bin/env node
/**
 * `flotilla` command: runs the built CLI (out/main/cli.js), building it first when missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'out', 'main', 'cli.js');

if (!existsSync(cli)) {
  process.stderr.write('flotilla: out/ is missing; building with `npx electron-vite build` first...\n');
  // Build output goes to stderr: stdout is reserved for the CLI's ready line.
  const built = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (built.status !== 0 || !existsSync(cli)) {
    process.stderr.write('flotilla: the build failed; see the output above.\n');
    process.exit(1);
  }
}

// The CLI reads process.argv itself; importing it keeps one process, so signals reach it directly.
await import(pathToFileURL(cli).href);
