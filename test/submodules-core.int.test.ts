/**
 * Submodules through the real core: an agent made on a repository whose checkout has an
 * initialised submodule gets it initialised; its edits inside it show in Changes, the diff stat
 * and the removal check; removal saves them where the user can restore them; and nothing the
 * agent writes into the submodule's config or attributes runs at any point.
 */
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core, type ClientConnection } from '../src/main/core/index';
import type { AgentInfo, ChangeList, FileDiff, RemovalCheck, Result } from '../src/shared/types';
import { makeRepo, removeDir, sh, tempDir, writeFile } from './helpers/repo';

async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** git with the file protocol allowed, for adding local submodules in test setup. */
function shFile(cwd: string, ...args: string[]): string {
  return sh(cwd, '-c', 'protocol.file.allow=always', ...args);
}

describe('submodules in an agent, through the real core and git', { timeout: 240_000 }, () => {
  const dirs: string[] = [];
  let app: string;
  let dataDir: string;
  let core: Core;
  let conn: ClientConnection;
  const latest = new Map<string, AgentInfo>();

  async function call<T>(method: string, params: unknown): Promise<T> {
    const r = (await conn.invoke(method, params)) as Result<T>;
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r.value;
  }

  beforeEach(async () => {
    // app has vendor/lib, which has deep; the user's checkout has both initialised.
    const deep = makeRepo({ 'deep.txt': 'deep\n' });
    const lib = makeRepo({ 'lib.txt': 'lib\n' });
    shFile(lib, 'submodule', 'add', '-q', deep, 'deep');
    sh(lib, 'commit', '-qm', 'add deep');
    app = makeRepo({ 'app.txt': 'app\n' });
    shFile(app, 'submodule', 'add', '-q', lib, 'vendor/lib');
    sh(app, 'commit', '-qm', 'add lib');
    shFile(app, 'submodule', 'update', '--init', '--recursive', '-q');
    dirs.push(deep, lib, app);
    dataDir = tempDir('flotilla-data-');
    dirs.push(dataDir);
    core = await Core.create({ dataDir, mode: 'web', version: 'test' });
    latest.clear();
    conn = core.connect({
      event: (name, payload) => {
        if (name === 'agents.changed') latest.set((payload as AgentInfo).id, payload as AgentInfo);
      },
      terminalData: (agentId, data) => conn.notify('terminal.ack', { agentId, bytes: data.length }),
    });
  });
  afterEach(async () => {
    await core.dispose();
    for (const d of dirs.splice(0)) removeDir(d);
  });

  it('initialises, lists, measures, counts and saves work inside submodules, and runs nothing the agent wrote there', async () => {
    const r = await call<{ id: string }>('repos.open', { path: app });
    const a = await call<AgentInfo>('agents.create', { repoId: r.id, name: 'Sub worker', kind: 'command', command: 'true' });
    await until(() => latest.get(a.id)?.status !== undefined && latest.get(a.id)?.status !== 'starting', 'the agent to start');

    // Initialised like the user's checkout, nested submodule included.
    const lib = join(a.worktreePath, 'vendor', 'lib');
    const deep = join(lib, 'deep');
    expect(readFileSync(join(lib, 'lib.txt'), 'utf8')).toBe('lib\n');
    expect(readFileSync(join(deep, 'deep.txt'), 'utf8')).toBe('deep\n');
    expect((await call<ChangeList>('changes.list', { agentId: a.id })).files).toEqual([]);

    // The agent commits in the nested submodule, then plants programs and edits files.
    writeFile(deep, 'deep.txt', 'committed in deep\n');
    sh(deep, 'commit', '-qam', 'agent commit in deep');
    const deepHead = sh(deep, 'rev-parse', 'HEAD');
    const marker = join(dataDir, 'ran');
    plantHostileConfig(lib, marker);
    writeFile(lib, 'lib.txt', 'lib\nedited by the agent\n');
    writeFile(lib, 'new.txt', 'a new file\n');

    const changes = await call<ChangeList>('changes.list', { agentId: a.id });
    const byPath = new Map(changes.files.map((f) => [f.path, f]));
    expect(byPath.get('vendor/lib/lib.txt')).toMatchObject({ status: 'M', additions: 1, deletions: 0 });
    expect(byPath.get('vendor/lib/new.txt')).toMatchObject({ status: '?', additions: 1 });
    expect(byPath.get('vendor/lib/deep/deep.txt')).toMatchObject({ status: 'M', additions: 1, deletions: 1 });
    // The submodules' own entries are replaced by their files.
    expect(byPath.has('vendor/lib')).toBe(false);
    expect(byPath.has('vendor/lib/deep')).toBe(false);
    expect(changes.stat.files).toBe(changes.files.length);

    const diff = await call<FileDiff>('changes.file', { agentId: a.id, path: 'vendor/lib/lib.txt' });
    expect(diff.original).toMatchObject({ kind: 'text', text: 'lib\n' });
    expect(diff.modified).toMatchObject({ kind: 'text', text: 'lib\nedited by the agent\n' });
    const nested = await call<FileDiff>('changes.file', { agentId: a.id, path: 'vendor/lib/deep/deep.txt' });
    expect(nested.original).toMatchObject({ kind: 'text', text: 'deep\n' });
    writeFile(lib, 'blob.bin', Buffer.from([0, 1, 2, 3]));
    const binary = await call<FileDiff>('changes.file', { agentId: a.id, path: 'vendor/lib/blob.bin' });
    expect(binary.original).toEqual({ kind: 'absent' });
    expect(binary.modified).toMatchObject({ kind: 'binary', size: 4 });
    rmSync(join(lib, 'blob.bin'));

    // The pane's diff stat counts them too.
    await until(() => (latest.get(a.id)?.diffStat?.files ?? 0) === changes.stat.files, 'the diff stat to count the submodule files');
    expect(latest.get(a.id)!.diffStat).toEqual(changes.stat);

    const check = await call<RemovalCheck>('agents.removalCheck', { agentId: a.id });
    expect(check.hasWork).toBe(true);
    expect(check.commitsAhead).toBe(1); // The commit in deep: only the agent's copy has it.
    await expect(call('agents.remove', { agentId: a.id, confirm: false })).rejects.toMatchObject({ code: 'needs-confirmation' });

    const { snapshotRef } = await call<{ snapshotRef: string | null }>('agents.remove', { agentId: a.id, confirm: true });
    expect(snapshotRef).toMatch(/^refs\/flotilla\/archive\/sub-worker\//);
    expect(existsSync(a.worktreePath)).toBe(false);
    expect(existsSync(marker)).toBe(false);

    // Restore: check out the snapshot and update the submodules, as the README says.
    sh(app, 'checkout', '-q', '--detach', snapshotRef!);
    sh(app, '-c', 'protocol.file.allow=never', 'submodule', 'update', '--recursive', '-q');
    expect(readFileSync(join(app, 'vendor', 'lib', 'lib.txt'), 'utf8')).toBe('lib\nedited by the agent\n');
    expect(readFileSync(join(app, 'vendor', 'lib', 'new.txt'), 'utf8')).toBe('a new file\n');
    expect(readFileSync(join(app, 'vendor', 'lib', 'deep', 'deep.txt'), 'utf8')).toBe('committed in deep\n');
    expect(sh(join(app, 'vendor', 'lib', 'deep'), 'rev-parse', 'HEAD')).toBe(deepHead);
    // The same ref name exists in the user's copy of each submodule.
    expect(sh(join(app, 'vendor', 'lib'), 'rev-parse', snapshotRef!)).toBe(sh(join(app, 'vendor', 'lib'), 'rev-parse', 'HEAD'));
    expect(existsSync(marker)).toBe(false);
  });
});

/** Programs the agent names in its copy of a submodule: fsmonitor, hooks, filters, diff drivers. */
function plantHostileConfig(folder: string, marker: string): void {
  const program = `touch '${marker}'; false`;
  const config = join(folder, '.git', 'config');
  const add = (key: string, value: string) => sh(folder, 'config', '--file', config, key, value);
  add('core.fsmonitor', program);
  add('core.hooksPath', join(folder, '.git', 'evil-hooks'));
  add('filter.evil.clean', program);
  add('filter.evil.smudge', program);
  add('filter.evil.process', program);
  add('filter.evil.required', 'true');
  add('diff.evil.textconv', program);
  add('diff.external', program);
  add('uploadpack.packObjectsHook', program);
  add('core.alternateRefsCommand', program);
  writeFile(folder, '.gitattributes', '* filter=evil diff=evil\n');
  for (const hook of ['pre-commit', 'post-index-change', 'post-checkout', 'reference-transaction']) {
    writeFile(folder, `.git/evil-hooks/${hook}`, `#!/bin/sh\n${program}\n`);
    chmodSync(join(folder, '.git', 'evil-hooks', hook), 0o755);
  }
}
