/**
 * Status of agents that report it themselves (Flotilla's agent, CLIs with hooks): a model
 * request that streams nothing for minutes is work, not a question for the user.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Activity } from '../src/shared/types';
import { ActivityTracker, DEFAULT_QUIET_MS } from '../src/main/core/status';

let tracker: ActivityTracker;
let seen: Activity[];

beforeEach(() => {
  vi.useFakeTimers();
  seen = [];
  tracker = new ActivityTracker((_id, a) => seen.push(a));
});

afterEach(() => {
  tracker.dispose();
  vi.useRealTimers();
});

describe('an agent that reports its own status', () => {
  it('stays "working" through minutes of silence while its model thinks, and only waits when it says so', () => {
    tracker.start('a', true);
    tracker.noteReport('a', 'working');
    tracker.noteOutput('a');
    vi.advanceTimersByTime(10 * 60_000);
    expect(tracker.get('a')).toBe('working');
    tracker.noteReport('a', 'waiting');
    expect(tracker.get('a')).toBe('waiting');
    expect(seen).toEqual(['working', 'waiting']);
  });

  it('stays "working" when the user types ahead while it works', () => {
    tracker.start('a', true);
    tracker.noteReport('a', 'working');
    tracker.noteInput('a');
    tracker.noteOutput('a');
    vi.advanceTimersByTime(DEFAULT_QUIET_MS * 10);
    expect(tracker.get('a')).toBe('working');
  });

  it('goes back to "working" when it reports so after the user answered', () => {
    tracker.start('a', true);
    tracker.noteReport('a', 'waiting');
    tracker.noteInput('a');
    tracker.noteOutput('a');
    tracker.noteReport('a', 'working');
    vi.advanceTimersByTime(DEFAULT_QUIET_MS * 10);
    expect(tracker.get('a')).toBe('working');
  });
});
