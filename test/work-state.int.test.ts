import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureWorkState } from '../src/main/core/git/work-state';
import { makeRepo, sh } from './helpers/repo';
import { dirTracker } from './helpers/tracking';

const track = dirTracker();

describe('captureWorkState', () => {
  it('sees a same-size edit made in the same instant the index was written (racy git)', async () => {
    const repo = track(makeRepo({ 'a.txt': 'value = 1\n' }));
    // Make git's stat check depend on mtime and size only, then stage a file and the index with
    // the very same mtime: the entry is "racily clean", which git re-checks by content only when
    // the index it reads is not newer than the entry.
    sh(repo, 'config', 'core.trustctime', 'false');
    sh(repo, 'config', 'core.checkStat', 'minimal');
    const instant = new Date('2026-01-01T00:00:00Z');
    const file = join(repo, 'a.txt');
    utimesSync(file, instant, instant);
    sh(repo, 'add', 'a.txt');
    utimesSync(join(repo, '.git', 'index'), instant, instant);
    writeFileSync(file, 'value = 2\n');
    utimesSync(file, instant, instant);
    const state = await captureWorkState(repo);
    expect(sh(repo, 'cat-file', 'blob', `${state.treeSha}:a.txt`)).toBe('value = 2');
  });

  it('includes untracked files and leaves the real index alone', async () => {
    const repo = track(makeRepo({ 'a.txt': 'a\n' }));
    writeFileSync(join(repo, 'new.txt'), 'new\n');
    const state = await captureWorkState(repo);
    expect(sh(repo, 'cat-file', 'blob', `${state.treeSha}:new.txt`)).toBe('new');
    expect(sh(repo, 'status', '--porcelain')).toBe('?? new.txt');
    expect(state.headTreeSha).not.toBe(state.treeSha);
  });
});
