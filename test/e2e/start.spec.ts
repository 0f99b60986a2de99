import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../helpers/repo';
import { makeHome, ROOT } from './harness';

/** Runs `npm start`'s script until web mode is ready; returns what it printed. */
function startUntilReady(): Promise<{ stdout: string; stderr: string }> {
  const data = tempDir('flotilla-data-');
  const noElectron = tempDir('no-electron-');
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.mjs'), '--port', '0', '--data', data], {
    cwd: ROOT,
    // An empty override folder stands for a machine where Electron was never downloaded.
    env: { PATH: process.env.PATH, HOME: makeHome(), ELECTRON_OVERRIDE_DIST_PATH: noElectron },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in time: ${stderr}`)), 60_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('\n')) {
        clearTimeout(timer);
        child.once('exit', () => {
          removeDir(data);
          removeDir(noElectron);
          resolve({ stdout, stderr });
        });
        child.kill('SIGTERM');
      }
    });
  });
}

describe('npm start without an Electron binary', () => {
  it('says so in one line and starts web mode, printing exactly the ready line', async () => {
    const { stdout, stderr } = await startUntilReady();
    expect(stderr).toContain('Electron is not available on this machine');
    expect(stdout).toMatch(/^Flotilla ready at http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}\n$/);
  });
});
