import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packagingProblems } from '../scripts/check-packaging.mjs';
import { removeDir, tempDir } from './helpers/repo';

const ROOT = resolve(import.meta.dirname, '..');
const made: string[] = [];
afterAll(() => made.forEach(removeDir));

/** A copy of the project's packaging inputs, with electron-builder.yml edited by `edit`. */
function projectWith(edit: (yaml: string) => string): string {
  const dir = tempDir('flotilla-packaging-');
  made.push(dir);
  for (const entry of ['package.json', 'resources', 'scripts']) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  writeFileSync(join(dir, 'electron-builder.yml'), edit(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')));
  return dir;
}

describe('packaging configuration', () => {
  it('electron-builder.yml passes electron-builder’s own schema and names icons at every size', async () => {
    expect(await packagingProblems(ROOT)).toEqual([]);
  });

  it('a misspelled option is refused by the schema', async () => {
    const top = await packagingProblems(projectWith((yaml) => yaml.replace('productName:', 'prodcutName:')));
    expect(top.join('\n')).toMatch(/prodcutName/);
    const nested = await packagingProblems(projectWith((yaml) => yaml.replace('category: Development', 'categroy: Development')));
    expect(nested.join('\n')).toMatch(/Invalid configuration[\s\S]*configuration\.linux/);
  });

  it('a missing icon is named', async () => {
    const dir = projectWith((yaml) => yaml);
    removeDir(join(dir, 'resources', 'icons'));
    const problems = await packagingProblems(dir);
    expect(problems.join('\n')).toMatch(/linux\.icon folder lacks 16x16\.png/);
  });

  it('the afterPack hook finds the Electron executable on each platform', async () => {
    const { executableOf } = (await import('../scripts/after-pack.cjs')).default;
    const context = (platform: string) => ({
      appOutDir: '/out',
      electronPlatformName: platform,
      packager: { appInfo: { productFilename: 'Flotilla' }, executableName: 'flotilla' },
    });
    expect(executableOf(context('darwin'))).toBe('/out/Flotilla.app');
    expect(executableOf(context('win32'))).toBe('/out/Flotilla.exe');
    expect(executableOf(context('linux'))).toBe('/out/flotilla');
  });
});
