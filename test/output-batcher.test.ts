import { describe, expect, it } from 'vitest';
import { decodeTerminalFrame, encodeTerminalFrame } from '../src/shared/contract';
import { INTERACTIVE_FRAME_BYTES, OutputBatcher } from '../src/renderer/transport/output-batcher';

interface Posted {
  frames: { agentId: string; data: Uint8Array }[];
  urgent: boolean;
}

function setup() {
  const posted: Posted[] = [];
  const batcher = new OutputBatcher((frames, urgent) => {
    posted.push({ frames: frames.map((f) => decodeTerminalFrame(new Uint8Array(f))), urgent });
  });
  const send = (agentId: string, data: Uint8Array) => {
    const frame = encodeTerminalFrame(agentId, data);
    // A WebSocket hands over a whole ArrayBuffer per message.
    batcher.receive(frame.slice().buffer as ArrayBuffer);
  };
  /** Everything posted for `agentId`, concatenated in posting order. */
  const received = (agentId: string) => {
    const parts = posted.flatMap((p) => p.frames.filter((f) => f.agentId === agentId).map((f) => f.data));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  };
  return { posted, batcher, send, received };
}

function bytes(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

describe('OutputBatcher', () => {
  it('hands the page each agent’s exact bytes in order, across chunk boundaries and split UTF-8', () => {
    const { batcher, send, received, posted } = setup();
    const text = 'héllo wörld ✓ 日本語 🚀 '.repeat(400);
    const encoded = new TextEncoder().encode(text);
    // Odd chunk sizes cut multibyte characters in half at many boundaries.
    const expected: Record<string, Uint8Array> = { a: encoded, b: bytes(50_000, 7) };
    const offsets = { a: 0, b: 0 };
    let step = 0;
    while (offsets.a < expected.a.length || offsets.b < expected.b.length) {
      for (const id of ['a', 'b'] as const) {
        const size = [1, 3, 700, 4095, 2, 9000][step++ % 6];
        const chunk = expected[id].subarray(offsets[id], offsets[id] + size);
        offsets[id] += chunk.length;
        if (chunk.length > 0) send(id, chunk);
      }
      if (step % 5 === 0) batcher.pageReady();
    }
    batcher.flush();
    expect(received('a')).toEqual(expected.a);
    expect(new TextDecoder().decode(received('a'))).toBe(text);
    expect(received('b')).toEqual(expected.b);
    // Merged: far fewer posts than messages.
    expect(posted.length).toBeLessThan(step / 2);
  });

  it('merges output that arrives while the page is busy into one frame per agent, smallest first', () => {
    const { batcher, send, posted } = setup();
    send('flood', bytes(10_000)); // the page is ready: posted at once
    expect(posted).toHaveLength(1);
    send('flood', bytes(10_000, 1));
    send('flood', bytes(10_000, 2));
    send('other', bytes(2_000)); // nothing of `other` waits, but it is over the interactive size
    expect(posted).toHaveLength(1);
    batcher.pageReady();
    expect(posted).toHaveLength(2);
    expect(posted[1].frames.map((f) => [f.agentId, f.data.length])).toEqual([
      ['other', 2_000],
      ['flood', 20_000],
    ]);
  });

  it('passes a keystroke’s echo on at once, even while a flood’s batch waits for the page', () => {
    const { send, posted } = setup();
    send('flood', bytes(10_000));
    send('flood', bytes(10_000));
    send('shell', new TextEncoder().encode('a'));
    expect(posted.at(-1)).toEqual({ frames: [{ agentId: 'shell', data: new TextEncoder().encode('a') }], urgent: true });
    // A small frame for a pane that already has output waiting joins it, to keep the order.
    send('flood', bytes(INTERACTIVE_FRAME_BYTES));
    expect(posted.filter((p) => p.frames.some((f) => f.agentId === 'flood'))).toHaveLength(1);
  });

  it('hands over waiting output when the socket closes, ready or not', () => {
    const { batcher, send, posted } = setup();
    send('a', bytes(10_000));
    send('a', bytes(1_000));
    expect(posted).toHaveLength(1);
    batcher.flush();
    expect(posted).toHaveLength(2);
    expect(posted[1].frames[0].data.length).toBe(1_000);
  });
});

