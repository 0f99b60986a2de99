import { describe, expect, it } from 'vitest';
import { decodeTerminalFrame, encodeTerminalFrame } from '../src/shared/contract';

describe('terminal data frames', () => {
  it('round-trips an agent id and its bytes', () => {
    const data = new Uint8Array([0, 1, 2, 27, 91, 50, 74, 255]);
    const decoded = decodeTerminalFrame(encodeTerminalFrame('agent-42', data));
    expect(decoded.agentId).toBe('agent-42');
    expect([...decoded.data]).toEqual([...data]);
  });

  it('keeps multibyte agent ids intact by measuring them in bytes, not characters', () => {
    const id = 'ägent-日本-🚀';
    const payload = new TextEncoder().encode('héllo ✓\r\n');
    const frame = encodeTerminalFrame(id, payload);
    expect(frame[0]).toBe(new TextEncoder().encode(id).length);
    const decoded = decodeTerminalFrame(frame);
    expect(decoded.agentId).toBe(id);
    expect(new TextDecoder().decode(decoded.data)).toBe('héllo ✓\r\n');
  });

  it('carries an empty payload', () => {
    const decoded = decodeTerminalFrame(encodeTerminalFrame('a', new Uint8Array(0)));
    expect(decoded.agentId).toBe('a');
    expect(decoded.data.length).toBe(0);
  });

  it('decodes a frame that is a view into a larger buffer, as a WebSocket may deliver it', () => {
    const frame = encodeTerminalFrame('pane-1', new Uint8Array([7, 8, 9]));
    const buffer = new Uint8Array(frame.length + 10);
    buffer.set(frame, 5);
    const decoded = decodeTerminalFrame(buffer.subarray(5, 5 + frame.length));
    expect(decoded.agentId).toBe('pane-1');
    expect([...decoded.data]).toEqual([7, 8, 9]);
  });
});
