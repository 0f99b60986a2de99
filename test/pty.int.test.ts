import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type FlotillaDb } from '../src/main/core/db';
import { AppError } from '../src/main/core/errors';
import { MAX_TRANSCRIPT_BYTES } from '../src/main/core/db';
import {
  BACKGROUND_HIGH_WATERMARK_BYTES,
  BACKGROUND_MAX_COALESCE_BYTES,
  HIGH_WATERMARK_BYTES,
  MAX_COALESCE_BYTES,
  PtyService,
  TRANSCRIPT_QUEUE_MAX_BYTES,
  TranscriptWriter,
  defaultShell,
  type PtySpawnOptions,
} from '../src/main/core/pty';
import { OutputCollector, makeTestDb, nextExit, screenText, seedAgent, sleep, testEnv } from './helpers/pty';

/** Absolute path of a program, so the test does not depend on how the PTY resolves names. */
function which(name: string): string {
  return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
}

const SH = which('sh');

let db: FlotillaDb;
let dbFile: string;
let dir: string;
let cleanup: () => void;
let service: PtyService;
let agentId: string;

function run(file: string, args: string[] = [], extra: Partial<PtySpawnOptions> = {}): void {
  service.spawn(agentId, { file, args, cwd: dir, env: testEnv(), cols: 80, rows: 24, ...extra });
}

/** Waits until `collector` has received nothing new for `quietMs`. */
async function settle(collector: OutputCollector, quietMs = 300): Promise<number> {
  let last = -1;
  while (collector.bytes !== last) {
    last = collector.bytes;
    await sleep(quietMs);
  }
  return last;
}

beforeEach(() => {
  ({ db, file: dbFile, dir, cleanup } = makeTestDb());
  agentId = seedAgent(db);
  service = new PtyService({ transcripts: db.transcripts });
});

afterEach(async () => {
  await service.dispose();
  cleanup();
});

describe('PtyService', () => {
  it('echoes typed input through a real shell', async () => {
    const out = new OutputCollector();
    service.subscribe(agentId, 'client', out.sink);
    run(SH);
    expect(service.isRunning(agentId)).toBe(true);
    service.write(agentId, 'echo hello-$((40+2))\r');
    await out.waitForText('hello-42');
  });

  it('passes exactly the given environment, adding TERM and COLORTERM', async () => {
    const out = new OutputCollector();
    service.subscribe(agentId, 'client', out.sink);
    const exit = nextExit(service, agentId);
    run(which('env'), [], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', FLOTILLA_TEST_VAR: 'yes' } });
    await exit;
    const names = out
      .text()
      .split(/\r?\n/)
      .filter(Boolean)
      .map((line) => line.split('=')[0])
      .sort();
    // node-pty itself sets PWD to the cwd.
    expect(names).toEqual(['COLORTERM', 'FLOTILLA_TEST_VAR', 'PATH', 'PWD', 'TERM']);
    expect(out.text()).toContain('TERM=xterm-256color');
    expect(out.text()).toContain('COLORTERM=truecolor');
  });

  it('refuses a second process for a running id, and ignores input for a stopped one', async () => {
    run(SH);
    let error: unknown;
    try {
      run(SH);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('agent-running');
    expect(() => service.write('not-running', 'x')).not.toThrow();
    expect(() => service.resize('not-running', 100, 30)).not.toThrow();
  });

  it('a new subscriber gets the recent output first, then live output', async () => {
    const first = new OutputCollector();
    service.subscribe(agentId, 'first', first.sink);
    run(SH);
    service.write(agentId, 'echo before-$((1+1))\r');
    await first.waitForText('before-2');
    await settle(first, 50);

    const late = new OutputCollector();
    const { replayedBytes } = await service.subscribe(agentId, 'late', late.sink);
    expect(replayedBytes).toBeGreaterThan(0);
    expect(late.chunks).toHaveLength(1); // the replay arrived before the attach answered, in one piece
    expect(late.text()).toContain('before-2');
    expect(late.bytes).toBe(replayedBytes);

    service.write(agentId, 'echo after-$((2+2))\r');
    await late.waitForText('after-4');
    expect(late.text().indexOf('before-2')).toBeLessThan(late.text().indexOf('after-4'));
    // Nothing duplicated or lost: the late view ends exactly like the first one.
    await settle(late, 100);
    expect(first.text().endsWith(late.text().slice(replayedBytes))).toBe(true);
  });

  it('delivers every byte of a 5 MB burst, in order, before reporting the exit', async () => {
    const expected = Buffer.from(execFileSync(which('seq'), ['1', '750000'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).replace(/\n/g, '\r\n'));
    expect(expected.length).toBeGreaterThan(5_000_000);
    const out = new OutputCollector();
    // Ack ~20 ms later, as the renderer's batched xterm write callbacks do: the PTY pauses and resumes many times.
    service.subscribe(agentId, 'client', (data) => {
      out.sink(data);
      setTimeout(() => service.ack(agentId, 'client', data.byteLength), 20);
    });
    let bytesAtExit = -1;
    const exit = nextExit(service, agentId, 60_000).then((e) => {
      bytesAtExit = out.bytes;
      return e;
    });
    run(which('seq'), ['1', '750000']);
    const e = await exit;
    expect(e.exitCode).toBe(0);
    expect(bytesAtExit).toBe(expected.length);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(sha(out.buffer())).toBe(sha(expected));
  });

  it('pauses the process for a subscriber that never acks, and resumes after its ack', async () => {
    const out = new OutputCollector();
    service.subscribe(agentId, 'stalled', out.sink);
    run(which('yes'));
    await out.waitFor((c) => c.bytes > HIGH_WATERMARK_BYTES);
    const stalledAt = await settle(out);
    // Bounded: at most one coalesced chunk (plus one read) past the watermark, however fast `yes` is.
    expect(stalledAt).toBeLessThanOrEqual(HIGH_WATERMARK_BYTES + MAX_COALESCE_BYTES + 64 * 1024);
    await sleep(300);
    expect(out.bytes).toBe(stalledAt);

    service.ack(agentId, 'stalled', stalledAt);
    await out.waitFor((c) => c.bytes > stalledAt);
  });

  it('a process that exits while paused still delivers its last bytes and reports its exit', async () => {
    const total = HIGH_WATERMARK_BYTES + 4 * 1024; // little enough for the kernel to hold once paused
    const out = new OutputCollector();
    service.subscribe(agentId, 'stalled', out.sink);
    const exit = nextExit(service, agentId);
    run(SH, ['-c', `head -c ${total} /dev/zero | tr '\\0' x`]);
    expect((await exit).exitCode).toBe(0);
    expect(out.bytes).toBe(total);
    expect(out.text()).toBe('x'.repeat(total));
  });

  it('a client that disconnects no longer holds the process paused', async () => {
    const stalled = new OutputCollector();
    const live = new OutputCollector();
    service.subscribe(agentId, 'stalled', stalled.sink);
    service.subscribe(agentId, 'live', (data) => {
      live.sink(data);
      queueMicrotask(() => service.ack(agentId, 'live', data.byteLength));
    });
    run(which('yes'));
    await stalled.waitFor((c) => c.bytes > HIGH_WATERMARK_BYTES);
    await settle(stalled);
    const liveAtPause = await settle(live, 100);

    service.unsubscribeClient('stalled');
    await live.waitFor((c) => c.bytes > liveAtPause + HIGH_WATERMARK_BYTES);
    expect(stalled.bytes).toBeLessThanOrEqual(HIGH_WATERMARK_BYTES + MAX_COALESCE_BYTES + 64 * 1024);
  });

  it('Ctrl-C stops `yes` even while its output is paused', async () => {
    const out = new OutputCollector();
    service.subscribe(agentId, 'stalled', out.sink);
    run(which('yes'));
    await out.waitFor((c) => c.bytes > HIGH_WATERMARK_BYTES);
    const exit = nextExit(service, agentId, 5_000);
    service.write(agentId, '\x03');
    const e = await exit;
    expect(e.signal).toBe(2); // SIGINT from the line discipline
    expect(e.exitCode).toBe(130);
    expect(service.isRunning(agentId)).toBe(false);
  });

  it('Ctrl-C stops `yes` in a shell and the prompt comes back', async () => {
    const out = new OutputCollector();
    service.subscribe(agentId, 'client', (data) => {
      out.sink(data);
      setTimeout(() => service.ack(agentId, 'client', data.byteLength), 5);
    });
    run(SH);
    service.write(agentId, 'yes\r');
    await out.waitFor((c) => c.bytes > 1024 * 1024);
    service.write(agentId, '\x03');
    service.write(agentId, 'echo stopped-$((3+4))\r');
    await out.waitForText('stopped-7', 10_000);
    // Once the shell is back, the flood is over: nothing keeps streaming.
    const after = await settle(out);
    await sleep(300);
    expect(out.bytes).toBe(after);
  });

  it('kill resolves once the process has exited, and onDidExit reports a code', async () => {
    const exits: unknown[] = [];
    service.onDidExit((e) => exits.push(e));
    run(which('sleep'), ['100']);
    await service.kill(agentId);
    expect(service.isRunning(agentId)).toBe(false);
    expect(exits).toHaveLength(1);
    expect(exits[0]).toMatchObject({ id: agentId, signal: 1, exitCode: 129 });
    await expect(service.kill(agentId)).resolves.toBeUndefined();
  });

  it('kill escalates to SIGKILL for a process that ignores hangups', async () => {
    const out = new OutputCollector();
    service.subscribe(agentId, 'client', out.sink);
    run(SH, ['-c', 'trap "" HUP TERM; echo ready; while :; do sleep 1; done']);
    await out.waitForText('ready');
    const exit = nextExit(service, agentId);
    await service.kill(agentId);
    expect((await exit).signal).toBe(9);
  });

  it('can start the same id again after it exited, keeping its subscribers', async () => {
    const out = new OutputCollector();
    service.subscribe(agentId, 'client', out.sink);
    let exit = nextExit(service, agentId);
    run(SH, ['-c', 'echo run-one']);
    await exit;
    exit = nextExit(service, agentId);
    run(SH, ['-c', 'echo run-two']);
    await exit;
    expect(out.text()).toMatch(/run-one[\s\S]*run-two/);
  });

  it('persists transcripts and replays them from a fresh service on the same database', async () => {
    const exit = nextExit(service, agentId);
    run(SH, ['-c', 'printf "persist-me-%s\\n" $((6*7))']);
    await exit;
    await service.dispose();
    db.close();

    const reopened = openDatabase(dbFile);
    const fresh = new PtyService({ transcripts: reopened.transcripts });
    try {
      const out = new OutputCollector();
      const { replayedBytes } = await fresh.subscribe(agentId, 'client', out.sink);
      expect(replayedBytes).toBeGreaterThan(0);
      expect(out.text()).toContain('persist-me-42');
      expect(fresh.isRunning(agentId)).toBe(false);
    } finally {
      await fresh.dispose();
      reopened.close();
    }
  });

  it('restores every line of a shell that was resized several times, from a fresh service on the same database', async () => {
    const out = new OutputCollector();
    service.subscribe(agentId, 'client', (data) => {
      out.sink(data);
      service.ack(agentId, 'client', data.byteLength);
    });
    run(which('bash'), ['--noprofile', '--norc', '-i'], { env: { ...testEnv(), PS1: 'a-rather-long-prompt-that-wraps-at-narrow-widths $ ' } });
    service.write(agentId, 'for i in $(seq 1 40); do echo "numbered-line-$i"; done\r');
    await out.waitForText('numbered-line-40');
    // An unfinished command line several rows long: bash redraws it, with cursor moves for the new width, on every resize.
    service.write(agentId, `echo ${'x'.repeat(160)}`);
    await out.waitFor((c) => c.text().includes('x'.repeat(160)));
    for (const [cols, rows] of [[40, 10], [120, 30], [30, 8], [90, 20], [35, 12]]) {
      const before = out.bytes;
      service.resize(agentId, cols, rows);
      await out.waitFor((c) => c.bytes > before); // the redraw
      await settle(out, 100);
    }
    await service.dispose();
    db.close();

    const reopened = openDatabase(dbFile);
    const fresh = new PtyService({ transcripts: reopened.transcripts });
    try {
      // The raw bytes replayed on a terminal of another size lose lines: that is the bug this guards against.
      const raw = await screenText(reopened.transcripts.tail(agentId, 1024 * 1024), 100, 30);
      const lost = Array.from({ length: 40 }, (_, i) => `numbered-line-${i + 1}`).filter((line) => !raw.split('\n').includes(line));
      expect(lost.length).toBeGreaterThan(0);

      const restored = new OutputCollector();
      await fresh.subscribe(agentId, 'client', restored.sink);
      const screen = (await screenText(restored.buffer(), 100, 30)).split('\n');
      for (let i = 1; i <= 40; i++) expect(screen).toContain(`numbered-line-${i}`);
      expect(screen.join('\n')).toContain('x'.repeat(20));
    } finally {
      await fresh.dispose();
      reopened.close();
    }
  });

  it('writes a flood to the transcript in a few batches, keeping only its bounded tail', async () => {
    let batches = 0;
    const appendBatch = db.transcripts.appendBatch.bind(db.transcripts);
    db.transcripts.appendBatch = (chunks) => {
      batches++;
      appendBatch(chunks);
    };
    const out = new OutputCollector();
    service.subscribe(agentId, 'client', (data) => {
      out.sink(data);
      service.ack(agentId, 'client', data.byteLength);
    });
    const exit = nextExit(service, agentId, 60_000);
    run(SH, ['-c', `head -c ${16 * 1024 * 1024} /dev/zero | tr '\\0' y; printf END`]);
    await exit;
    expect(out.bytes).toBe(16 * 1024 * 1024 + 3);
    // 16 MiB went by; it was not written 256 KiB at a time (64 batches), and only the bound is kept.
    expect(batches).toBeLessThan(16);
    const stored = db.transcripts.tail(agentId, 64 * 1024 * 1024);
    expect(stored.length).toBeLessThanOrEqual(MAX_TRANSCRIPT_BYTES);
    expect(stored.subarray(-3).toString()).toBe('END');
  });

  it('gives the terminal being typed in the full window and the others a small one', async () => {
    const other = seedAgent(db, '/tmp/flotilla-other-repo');
    const flood = new OutputCollector();
    service.subscribe(other, 'client', flood.sink); // never acks
    service.spawn(other, { file: which('yes'), args: [], cwd: dir, env: testEnv(), cols: 80, rows: 24 });
    const typed = new OutputCollector();
    service.subscribe(agentId, 'client', (data) => {
      typed.sink(data);
      service.ack(agentId, 'client', data.byteLength);
    });
    run(SH);
    service.write(agentId, 'echo typed-$((3*3))\r');
    await flood.waitFor((c) => c.bytes > 0);
    // The background terminal's window is full and its PTY paused; the typed-in one still answers.
    await typed.waitForText('typed-9');
    const stalledAt = await settle(flood);
    // Bounded by the background window (plus one small coalesced chunk and one read), not the full one.
    expect(stalledAt).toBeLessThanOrEqual(BACKGROUND_HIGH_WATERMARK_BYTES + BACKGROUND_MAX_COALESCE_BYTES + 64 * 1024);
    expect(stalledAt).toBeLessThan(HIGH_WATERMARK_BYTES);
    // Typing in the flooding terminal makes it the foreground one: once acked, it runs ahead by the full window.
    service.write(other, 'z');
    service.ack(other, 'client', stalledAt);
    await flood.waitFor((c) => c.bytes - stalledAt > BACKGROUND_HIGH_WATERMARK_BYTES + BACKGROUND_MAX_COALESCE_BYTES + 64 * 1024);
  });

  it('sends no background output between a keystroke and its echo, and lets it flow again after', async () => {
    await service.dispose();
    // A hold that never times out here, so the order below depends on the echo alone.
    service = new PtyService({ transcripts: db.transcripts, inputPriorityMs: 60_000 });
    const other = seedAgent(db, '/tmp/flotilla-other-repo');
    const order: string[] = [];
    const flood = new OutputCollector();
    service.subscribe(other, 'client', (data) => {
      order.push('flood');
      flood.sink(data);
      queueMicrotask(() => service.ack(other, 'client', data.byteLength)); // acked at once: flow control never holds it back
    });
    const typed = new OutputCollector();
    service.subscribe(agentId, 'client', (data) => {
      order.push('typed');
      typed.sink(data);
      service.ack(agentId, 'client', data.byteLength);
    });
    run(SH);
    await typed.waitForText('$ ');
    service.spawn(other, { file: which('yes'), args: [], cwd: dir, env: testEnv(), cols: 80, rows: 24 });
    await flood.waitFor((c) => c.bytes > 256 * 1024);

    const typedAt = order.length;
    service.write(agentId, 'q');
    await typed.waitFor((c) => c.text().endsWith('q'));
    expect(order.slice(typedAt)[0]).toBe('typed');
    // Once the echo is out the flood goes on.
    const floodAt = flood.bytes;
    await flood.waitFor((c) => c.bytes > floodAt + 64 * 1024);
  });

  it('a terminal held behind another keystroke flows at once when it is typed in itself', async () => {
    await service.dispose();
    service = new PtyService({ transcripts: db.transcripts, inputPriorityMs: 60_000 });
    const other = seedAgent(db, '/tmp/flotilla-other-repo');
    const silent = new OutputCollector();
    service.subscribe(agentId, 'client', (data) => {
      silent.sink(data);
      queueMicrotask(() => service.ack(agentId, 'client', data.byteLength));
    });
    const flood = new OutputCollector();
    service.subscribe(other, 'client', (data) => {
      flood.sink(data);
      queueMicrotask(() => service.ack(other, 'client', data.byteLength));
    });
    // A program that never answers a keystroke (no tty echo): the hold lasts.
    run(SH, ['-c', 'stty -echo; echo ready; exec sleep 1000']);
    await silent.waitForText('ready');
    service.spawn(other, { file: SH, args: [], cwd: dir, env: testEnv(), cols: 80, rows: 24 });
    service.write(other, 'yes\r');
    await flood.waitFor((c) => c.bytes > 256 * 1024);
    service.write(agentId, 'x');
    // The flood is held behind the unanswered keystroke.
    const held = await settle(flood);
    // Ctrl-C into the held terminal: it is read again, stops, and its prompt comes back.
    service.write(other, '\x03');
    service.write(other, 'echo back-$((6*7))\r');
    await flood.waitForText('back-42');
    expect(flood.bytes).toBeGreaterThan(held);
  });

  it('dispose kills every process and is idempotent', async () => {
    const other = seedAgent(db, '/tmp/flotilla-other-repo');
    run(SH);
    service.spawn(other, { file: SH, args: [], cwd: dir, env: testEnv(), cols: 80, rows: 24 });
    const exits: string[] = [];
    service.onDidExit((e) => exits.push(e.id));
    await Promise.all([service.dispose(), service.dispose()]);
    expect(exits.sort()).toEqual([agentId, other].sort());
    expect(service.isRunning(agentId) || service.isRunning(other)).toBe(false);
    expect(() => run(SH)).toThrow(AppError);
  });
});

describe('TranscriptWriter', () => {
  it('stores a flood as one contiguous tail: what was stored before the dropped part is dropped too', () => {
    const writer = new TranscriptWriter(db.transcripts, 60_000);
    writer.queue(agentId, 80, 24, Buffer.from('stored-before;'));
    writer.flush();
    expect(db.transcripts.tail(agentId, 1024).toString()).toBe('stored-before;');

    // Small output is appended to what is stored...
    writer.queue(agentId, 80, 24, Buffer.from('then-more;'));
    writer.flush();
    expect(db.transcripts.tail(agentId, 1024).toString()).toBe('stored-before;then-more;');

    // ...but a flood larger than the queue loses its start, so the stored text before it goes.
    const line = Buffer.from('y'.repeat(1023) + '\n');
    const lines = (2 * TRANSCRIPT_QUEUE_MAX_BYTES) / line.length;
    for (let i = 0; i < lines; i++) writer.queue(agentId, 80, 24, line);
    writer.queue(agentId, 80, 24, Buffer.from('END'));
    expect(Buffer.concat(writer.recent(agentId, 4 * TRANSCRIPT_QUEUE_MAX_BYTES).map((s) => s.data)).includes('then-more')).toBe(false);
    writer.flush();
    const stored = db.transcripts.tail(agentId, 4 * TRANSCRIPT_QUEUE_MAX_BYTES);
    expect(stored.length).toBeLessThanOrEqual(TRANSCRIPT_QUEUE_MAX_BYTES + line.length);
    expect(stored.includes('stored-before')).toBe(false);
    expect(stored.subarray(-3).toString()).toBe('END');
    writer.dispose();
  });
});

describe('defaultShell', () => {
  it('returns an existing login shell', () => {
    const shell = defaultShell();
    expect(shell.file).toMatch(/^\//);
    expect(shell.args).toEqual(['-l']);
  });
});
