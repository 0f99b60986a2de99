import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { removeDir, tempDir } from './helpers/repo';

/** Loads the repository-opening code fresh, so the cached git version is read again. */
async function loadInspect() {
  vi.resetModules();
  return (await import('../src/main/core/repos/repo-inspect')).inspectRepository;
}

describe('opening a repository needs a usable git', () => {
  const savedPath = process.env.PATH;
  const dirs: string[] = [];
  afterEach(() => {
    process.env.PATH = savedPath;
    for (const d of dirs.splice(0)) removeDir(d);
  });

  it('says git is missing when there is no git on PATH', async () => {
    const empty = tempDir();
    dirs.push(empty);
    process.env.PATH = empty;
    const inspect = await loadInspect();
    await expect(inspect(empty)).rejects.toMatchObject({ code: 'git-missing', message: expect.stringMatching(/Install git 2\.38/) });
  });

  it('says git is too old when it is older than 2.38', async () => {
    const bin = tempDir();
    dirs.push(bin);
    const fake = join(bin, 'git');
    writeFileSync(fake, '#!/bin/sh\necho "git version 2.30.1"\n');
    chmodSync(fake, 0o755);
    process.env.PATH = `${bin}:${savedPath}`;
    const inspect = await loadInspect();
    await expect(inspect(bin)).rejects.toMatchObject({ code: 'git-too-old', message: expect.stringMatching(/Git 2\.30\.1 is too old/) });
  });
});
