import { describe, expect, it } from 'vitest';
import { AckBatcher, type AckTimers } from '../src/renderer/features/terminal/ack-batcher';
import { gridShape, estimateTerminalSize } from '../src/renderer/features/fleet/grid-layout';
import { neighborIndex } from '../src/renderer/features/fleet/pane-navigation';
import { formatDiffStat, removalSummary, statusLabel, paneStatus } from '../src/renderer/features/common/format';
import { languageForPath } from '../src/renderer/features/changes/language';
import type { AgentInfo } from '../src/shared/types';

/** Manual timers: the test decides when the 20 ms timer fires. */
function manualTimers(): AckTimers & { fire(): void; pending(): number } {
  let queued: Array<{ fn: () => void; handle: number }> = [];
  let next = 1;
  return {
    set(fn) {
      const handle = next++;
      queued.push({ fn, handle });
      return handle;
    },
    clear(handle) {
      queued = queued.filter((t) => t.handle !== handle);
    },
    fire() {
      const due = queued;
      queued = [];
      for (const t of due) t.fn();
    },
    pending: () => queued.length,
  };
}

describe('AckBatcher', () => {
  it('sends one ack as soon as 16 KiB of rendered bytes are pending', () => {
    const sent: number[] = [];
    const timers = manualTimers();
    const acks = new AckBatcher((b) => sent.push(b), 16 * 1024, 20, timers);
    for (let i = 0; i < 16; i++) acks.add(1024);
    expect(sent).toEqual([16 * 1024]);
    expect(timers.pending()).toBe(0);
  });

  it('acks small writes together when the timer fires', () => {
    const sent: number[] = [];
    const timers = manualTimers();
    const acks = new AckBatcher((b) => sent.push(b), 16 * 1024, 20, timers);
    acks.add(10);
    acks.add(20);
    expect(sent).toEqual([]);
    expect(timers.pending()).toBe(1);
    timers.fire();
    expect(sent).toEqual([30]);
  });

  it('acks every byte on dispose so the core never stays paused', () => {
    const sent: number[] = [];
    const acks = new AckBatcher((b) => sent.push(b), 16 * 1024, 20, manualTimers());
    acks.add(5000);
    acks.add(7);
    acks.dispose();
    expect(sent.reduce((a, b) => a + b, 0)).toBe(5007);
  });
});

describe('fleet grid', () => {
  it('adapts columns and rows to the number of panes, scrolling beyond 16', () => {
    const shapes = [1, 2, 3, 4, 5, 6, 7, 9, 10, 13, 16, 40].map((n) => [n, gridShape(n)]);
    expect(shapes).toEqual([
      [1, { cols: 1, rows: 1 }],
      [2, { cols: 2, rows: 1 }],
      [3, { cols: 2, rows: 2 }],
      [4, { cols: 2, rows: 2 }],
      [5, { cols: 3, rows: 2 }],
      [6, { cols: 3, rows: 2 }],
      [7, { cols: 3, rows: 3 }],
      [9, { cols: 3, rows: 3 }],
      [10, { cols: 4, rows: 3 }],
      [13, { cols: 4, rows: 4 }],
      [16, { cols: 4, rows: 4 }],
      [40, { cols: 4, rows: 4 }],
    ]);
  });

  it('guesses a smaller terminal when the grid gets more columns', () => {
    const one = estimateTerminalSize(1600, 900, 1);
    const four = estimateTerminalSize(1600, 900, 4);
    expect(four.cols).toBeLessThan(one.cols);
    expect(four.rows).toBeLessThan(one.rows);
    expect(estimateTerminalSize(0, 0, 1)).toEqual({ cols: 20, rows: 5 });
  });

  it('moves focus between neighbours and stays put at the edges', () => {
    // 5 panes in 3 columns: row 0 = 0 1 2, row 1 = 3 4
    expect(neighborIndex(0, 5, 3, 'right')).toBe(1);
    expect(neighborIndex(2, 5, 3, 'right')).toBe(2);
    expect(neighborIndex(1, 5, 3, 'down')).toBe(4);
    expect(neighborIndex(2, 5, 3, 'down')).toBe(2);
    expect(neighborIndex(4, 5, 3, 'up')).toBe(1);
    expect(neighborIndex(3, 5, 3, 'left')).toBe(3);
    expect(neighborIndex(-1, 5, 3, 'left')).toBe(0);
  });
});

describe('pane text', () => {
  const agent: AgentInfo = {
    id: 'a1',
    repoId: 'r1',
    name: 'fix-login',
    slug: 'fix-login',
    branch: 'flotilla/fix-login',
    baseRef: 'main',
    baseIsBranch: true,
    baseSha: 'abc',
    kind: 'shell',
    command: null,
    task: null,
    worktreePath: '/tmp/wt',
    status: 'exited',
    exitCode: 2,
    missing: false,
    diffStat: null,
    merged: false,
    createdAt: 1,
    launch: null,
    activity: null,
    usage: null,
  };

  it('formats the diff stat as "N files +A −D"', () => {
    expect(formatDiffStat({ files: 2, additions: 10, deletions: 3 })).toBe('2 files +10 \u22123');
    expect(formatDiffStat(null)).toBe('0 files +0 \u22120');
    expect(formatDiffStat({ files: 1, additions: 1, deletions: 0 })).toBe('1 file +1 \u22120');
  });

  it('labels an exited agent with its exit code and a missing one as missing', () => {
    expect(statusLabel(agent)).toBe('exited (code 2)');
    expect(paneStatus({ ...agent, missing: true })).toBe('missing');
    expect(statusLabel({ ...agent, status: 'running', exitCode: null })).toBe('running');
  });

  it('says what a removal snapshot will save', () => {
    expect(removalSummary({ uncommitted: 2, untracked: 1, commitsAhead: 3, hasWork: true }, 'main')).toMatch(
      /^2 uncommitted, 1 untracked files, 3 commits not in main will be saved to a snapshot ref/,
    );
    expect(removalSummary({ uncommitted: 0, untracked: 0, commitsAhead: 1, hasWork: true }, 'dev')).toMatch(
      /^1 commit not in dev will be saved/,
    );
    expect(removalSummary({ uncommitted: 0, untracked: 0, commitsAhead: 0, hasWork: false }, 'main')).not.toMatch(
      /snapshot/,
    );
     // Commits the core found already squash-merged are no work to lose.
    expect(removalSummary({ uncommitted: 0, untracked: 0, commitsAhead: 2, hasWork: false }, 'main')).toBe(
      'Everything this agent did is already merged into main. The worktree and branch will be deleted.',
    );
  });
});

describe('languageForPath', () => {
  const languages = [
    { id: 'typescript', extensions: ['.ts', '.tsx'] },
    { id: 'dockerfile', extensions: ['.dockerfile'], filenames: ['Dockerfile'] },
    { id: 'javascript', extensions: ['.js'] },
  ];

  it('picks the language from the extension, file name, or falls back to plain text', () => {
    expect(languageForPath('src/app.TSX', languages)).toBe('typescript');
    expect(languageForPath('docker/Dockerfile', languages)).toBe('dockerfile');
    expect(languageForPath('package.json', languages)).toBe('javascript');
    expect(languageForPath('README', languages)).toBe('plaintext');
    expect(languageForPath('.gitignore', languages)).toBe('plaintext');
    expect(languageForPath('a/b.unknown', languages)).toBe('plaintext');
  });
});
