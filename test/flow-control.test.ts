import { describe, expect, it } from 'vitest';
import { FlowControl, HIGH_WATERMARK_BYTES, LOW_WATERMARK_BYTES } from '../src/main/core/pty/flow-control';

describe('FlowControl', () => {
  it('pauses once a subscriber has more than the high watermark unacknowledged', () => {
    const flow = new FlowControl(100, 10);
    flow.add('a');
    expect(flow.sent('a', 100)).toBe('none');
    expect(flow.paused).toBe(false);
    expect(flow.sent('a', 1)).toBe('pause');
    expect(flow.paused).toBe(true);
    expect(flow.sent('a', 50)).toBe('none');
    expect(flow.unacked('a')).toBe(151);
  });

  it('resumes only when acks bring the subscriber below the low watermark', () => {
    const flow = new FlowControl(100, 10);
    flow.add('a');
    flow.sent('a', 150);
    expect(flow.ack('a', 100)).toBe('none'); // 50: between the watermarks, still paused
    expect(flow.paused).toBe(true);
    expect(flow.ack('a', 41)).toBe('resume'); // 9
    expect(flow.paused).toBe(false);
  });

  it('stays paused while any subscriber is behind', () => {
    const flow = new FlowControl(100, 10);
    flow.add('fast');
    flow.add('slow');
    flow.sent('fast', 200);
    flow.sent('slow', 200);
    expect(flow.paused).toBe(true);
    expect(flow.ack('fast', 200)).toBe('none');
    expect(flow.ack('slow', 195)).toBe('resume');
  });

  it('removing the subscriber that holds the pause resumes', () => {
    const flow = new FlowControl(100, 10);
    flow.add('gone');
    flow.add('ok');
    flow.sent('gone', 500);
    expect(flow.paused).toBe(true);
    expect(flow.remove('gone')).toBe('resume');
    expect(flow.clientCount).toBe(1);
  });

  it('ignores unknown clients, and late or excess acks never go negative', () => {
    const flow = new FlowControl(100, 10);
    expect(flow.sent('nobody', 1000)).toBe('none');
    expect(flow.ack('nobody', 10)).toBe('none');
    flow.add('a');
    flow.sent('a', 20);
    flow.ack('a', 500);
    expect(flow.unacked('a')).toBe(0);
    flow.sent('a', 100);
    expect(flow.paused).toBe(false);
  });

  it('re-adding a client resets what it owes', () => {
    const flow = new FlowControl(100, 10);
    flow.add('a');
    flow.sent('a', 500);
    expect(flow.add('a')).toBe('resume');
    expect(flow.unacked('a')).toBe(0);
  });

  it('defaults to watermarks with room for a replay below the high one', () => {
    const flow = new FlowControl();
    expect(flow.highWatermarkBytes).toBe(HIGH_WATERMARK_BYTES);
    expect(flow.lowWatermarkBytes).toBe(LOW_WATERMARK_BYTES);
    expect(LOW_WATERMARK_BYTES).toBeLessThan(HIGH_WATERMARK_BYTES);
  });

  it('gives each subscriber its own window: a small one pauses sooner, and a window can change', () => {
    const flow = new FlowControl(100, 10);
    flow.add('focused');
    flow.add('background', { highWatermarkBytes: 20, lowWatermarkBytes: 5 });
    expect(flow.sent('focused', 50)).toBe('none');
    expect(flow.sent('background', 21)).toBe('pause');
    flow.ack('focused', 50);
    expect(flow.ack('background', 10)).toBe('none'); // 11: not yet under its low watermark of 5
    expect(flow.ack('background', 7)).toBe('resume');
    // The focused one widens the other's window: 30 unacked no longer holds the PTY.
    flow.sent('background', 30);
    expect(flow.paused).toBe(true);
    expect(flow.setWindow('background', { highWatermarkBytes: 100, lowWatermarkBytes: 40 })).toBe('resume');
    expect(flow.setWindow('nobody', { highWatermarkBytes: 1, lowWatermarkBytes: 1 })).toBe('none');
  });
});
