/**
 * PTY sessions keyed by agent id, and the terminal data path: node-pty bytes are coalesced
 * for a few milliseconds, sent to every subscriber of the id, flow-controlled by their acks,
 * and written to the transcript in large, infrequent batches. Bytes end to end: nothing here
 * decodes live output (only a replay, rebuilt on attach, goes through a headless terminal).
 * See docs/technical/terminal-path.md.
 */
import { existsSync, readSync } from 'node:fs';
import { spawn as spawnPty, type IDisposable, type IPty } from 'node-pty';
import type { TranscriptsTable } from '../db';
import { AppError } from '../errors';
import { Emitter } from '../lifecycle';
import { BACKGROUND_WINDOW, FOREGROUND_WINDOW, FlowControl, type FlowWindow } from './flow-control';
import { renderScreen } from './screen-replay';
import { TranscriptWriter } from './transcript-writer';

export { TRANSCRIPT_FLUSH_BYTES } from './transcript-writer';

/** Output arriving within this window goes out as one Buffer. */
export const COALESCE_MS = 5;
/** ...unless this much is pending already: keeps chunks, and the overshoot past the watermark, bounded. */
export const MAX_COALESCE_BYTES = 128 * 1024;
/** A background terminal's chunks are smaller, so its overshoot past its small window is too. */
export const BACKGROUND_MAX_COALESCE_BYTES = 8 * 1024;
/**
 * After a keystroke, background terminals send nothing until the typed-in terminal's answer
 * (its echo) has gone out, or until this long has passed (a program that does not echo).
 */
export const INPUT_PRIORITY_MS = 50;
/** A new subscriber's screen is rebuilt from at most this much recent output. */
export const REPLAY_BYTES = 256 * 1024;
/**
 * Transcript bytes are written at least this often... Rarely, because a write costs the event
 * loop the terminal shares; the transcript is a convenience (replay), never state the user
 * must not lose, and every process's output is written at once when it exits.
 */
export const TRANSCRIPT_FLUSH_MS = 2_000;
/** kill() escalates to SIGKILL after this long. */
export const KILL_DEADLINE_MS = 2_000;
/** After SIGKILL, give up waiting for node-pty's exit event after this long. */
const FORCED_EXIT_GRACE_MS = 1_000;
/** While paused, how often to check whether the child has exited (see watchForExit). */
const EXIT_POLL_MS = 50;
/** At most this much is read straight from the PTY after a premature EOF (see drainAfterEof); the kernel buffer is far smaller. */
const EOF_DRAIN_MAX_BYTES = 4 * 1024 * 1024;

/** What to run in a new terminal. `env` is used as given (the caller scrubs it). */
export interface PtySpawnOptions {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
}

/** A terminal's process ended. exitCode is 128 + signal when a signal killed it (shell convention). */
export interface PtyExitEvent {
  id: string;
  exitCode: number | null;
  signal: number | null;
}

/** A terminal's process started. */
export interface PtyStartEvent {
  id: string;
  pid: number;
}

/** Receives a terminal's output bytes. Must not keep or mutate the buffer beyond the call. */
export type TerminalSink = (data: Uint8Array) => void;

interface Subscriber {
  readonly sink: TerminalSink;
  /** Live output that arrived while the replay was being rebuilt; null once it has been sent. */
  held: Buffer[] | null;
}

/** Subscribers and their flow accounting; outlives processes so a restart keeps its viewers. */
interface Channel {
  readonly subscribers: Map<string, Subscriber>;
  readonly flow: FlowControl;
}

interface Session {
  readonly id: string;
  readonly pty: IPty;
  readonly listeners: IDisposable[];
  /** The PTY's size: transcript bytes are recorded with the size they were printed at. */
  cols: number;
  rows: number;
  pending: Buffer[];
  pendingBytes: number;
  coalesceTimer: ReturnType<typeof setTimeout> | null;
  /** Whether the PTY socket is actually paused. */
  paused: boolean;
  /** The process is gone or being killed: never pause again, so its last bytes and exit get through. */
  draining: boolean;
  exitPoll: ReturnType<typeof setInterval> | null;
  killTimers: ReturnType<typeof setTimeout>[];
  killing: Promise<void> | null;
  done: boolean;
  readonly exited: Promise<void>;
  resolveExited: () => void;
}

/** Owns every PTY it spawns, by id; dispose() kills them all and flushes transcripts. */
export class PtyService {
  /** Output on its way to the transcript, written in large batches. */
  private readonly transcript: TranscriptWriter;
  private readonly sessions = new Map<string, Session>();
  private readonly channels = new Map<string, Channel>();
  /** The terminal the user last typed in; null until they type anywhere. The others get small windows. */
  private foregroundId: string | null = null;
  /** Set from a keystroke until its answer is sent: background output waits (see INPUT_PRIORITY_MS). */
  private inputPriority: { id: string; timer: ReturnType<typeof setTimeout> } | null = null;
  private disposing: Promise<void> | null = null;

  private readonly onDidExitEmitter = new Emitter<PtyExitEvent>();
  /** Fires after a process exits and all its output has been delivered and written. */
  readonly onDidExit = this.onDidExitEmitter.event;
  private readonly onDidStartEmitter = new Emitter<PtyStartEvent>();
  /** Fires when a process has been spawned. */
  readonly onDidStart = this.onDidStartEmitter.event;
  private readonly onDidOutputEmitter = new Emitter<string>();
  /** Fires with a session's id once per coalesced flush of output (not per chunk). */
  readonly onDidOutput = this.onDidOutputEmitter.event;

  private readonly inputPriorityMs: number;

  constructor(opts: { transcripts: TranscriptsTable; flushIntervalMs?: number; inputPriorityMs?: number }) {
    this.transcript = new TranscriptWriter(opts.transcripts, opts.flushIntervalMs ?? TRANSCRIPT_FLUSH_MS);
    this.inputPriorityMs = opts.inputPriorityMs ?? INPUT_PRIORITY_MS;
  }

  /** Starts a process in a new PTY for `id`. Throws `agent-running` if one is alive. */
  spawn(id: string, opts: PtySpawnOptions): void {
    if (this.disposing) throw new AppError('cancelled', 'Flotilla is shutting down; the terminal was not started.');
    if (this.sessions.has(id)) throw new AppError('agent-running', 'This agent is already running. Stop it before starting it again.');
    if (!existsSync(opts.cwd)) throw new AppError('path-not-found', `Cannot start the terminal: its folder ${opts.cwd} does not exist.`);
    const env: Record<string, string> = { ...opts.env };
    env.TERM ??= 'xterm-256color';
    env.COLORTERM ??= 'truecolor';
    // encoding: null makes node-pty hand out Buffers and never decode on the hot path.
    const pty = spawnPty(opts.file, opts.args, { name: env.TERM, cols: opts.cols, rows: opts.rows, cwd: opts.cwd, env, encoding: null });
    let resolveExited!: () => void;
    const exited = new Promise<void>((resolve) => (resolveExited = resolve));
    const session: Session = {
      id,
      pty,
      listeners: [],
      cols: opts.cols,
      rows: opts.rows,
      pending: [],
      pendingBytes: 0,
      coalesceTimer: null,
      paused: false,
      draining: false,
      exitPoll: null,
      killTimers: [],
      killing: null,
      done: false,
      exited,
      resolveExited,
    };
    this.sessions.set(id, session);
    // The typings say string; with encoding: null node-pty emits Buffers.
    session.listeners.push(pty.onData((data: string | Buffer) => this.onData(session, typeof data === 'string' ? Buffer.from(data) : data)));
    session.listeners.push(pty.onExit((e) => this.finish(session, e.exitCode, e.signal ?? null)));
    this.drainAfterEof(session);
    // Viewers that were behind before a restart still hold the new process back.
    this.syncPause(id);
    this.onDidStartEmitter.fire({ id, pid: pty.pid });
  }

  /**
   * Writes input (keystrokes, paste) to the process, and makes its terminal the foreground
   * one: the terminal typed in gets the full flow-control window, the others a small one, so
   * its echo is not queued behind their output. No-op when it is not running.
   */
  write(id: string, data: string): void {
    const session = this.sessions.get(id);
    if (!session || session.done) return;
    this.setForeground(id);
    this.holdBackgroundFor(id);
    // It may have been paused behind another terminal's keystroke a moment ago: read it again.
    this.syncPause(id);
    try {
      // Goes to the master side even while output is paused, so Ctrl-C still reaches the line discipline.
      session.pty.write(data);
    } catch {
      // The process is exiting; its exit event will follow.
    }
  }

  /** Resizes the terminal. No-op when it is not running. */
  resize(id: string, cols: number, rows: number): void {
    const session = this.sessions.get(id);
    if (!session || session.done) return;
    cols = Math.max(1, Math.floor(cols));
    rows = Math.max(1, Math.floor(rows));
    // Output read so far was printed at the old size; record it so before the new size applies.
    this.flushOutput(session, true);
    session.cols = cols;
    session.rows = rows;
    try {
      session.pty.resize(cols, rows);
    } catch {
      // Resizing a PTY whose process just exited fails; nothing to resize any more.
    }
  }

  isRunning(id: string): boolean {
    return this.sessions.has(id);
  }

  /**
   * Stops the process: SIGHUP and SIGTERM to its process group, SIGKILL after KILL_DEADLINE_MS.
   * Resolves once it has exited (and onDidExit has fired).
   */
  kill(id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) return Promise.resolve();
    session.killing ??= this.killSession(session);
    return session.killing;
  }

  /**
   * Subscribes a client to the terminal of `id`: `sink` first receives the screen as recent
   * output (stored and not yet stored) drew it, then live output; output that arrives while
   * the screen is rebuilt is held and follows it. Works whether or not a process runs.
   */
  async subscribe(id: string, clientId: string, sink: TerminalSink): Promise<{ replayedBytes: number }> {
    const channel = this.channelFor(id);
    const subscriber: Subscriber = { sink, held: [] };
    channel.subscribers.set(clientId, subscriber);
    channel.flow.add(clientId, this.windowFor(id));
    // Taken now: everything after this point is live output, held until the replay is sent.
    const recent = this.transcript.recent(id, REPLAY_BYTES);
    this.syncPause(id);
    let replay: Buffer;
    try {
      replay = await renderScreen(recent);
    } catch (err) {
      console.error('[flotilla] could not rebuild a terminal screen; replaying raw output', err);
      replay = Buffer.concat(recent.map((segment) => segment.data));
    }
    if (channel.subscribers.get(clientId) !== subscriber || this.channels.get(id) !== channel) return { replayedBytes: 0 };
    const held = subscriber.held ?? [];
    subscriber.held = null;
    if (replay.length > 0) {
      this.send(clientId, sink, replay);
      // The client acks replayed bytes like any others, so they count.
      channel.flow.sent(clientId, replay.length);
    }
    for (const data of held) this.send(clientId, sink, data);
    this.syncPause(id);
    return { replayedBytes: replay.length };
  }

  unsubscribe(id: string, clientId: string): void {
    const channel = this.channels.get(id);
    if (!channel) return;
    channel.subscribers.delete(clientId);
    if (channel.flow.remove(clientId) !== 'none') this.syncPause(id);
    this.dropChannelIfUnused(id);
  }

  /** A client went away: drop all its subscriptions and its unacked bytes, so no PTY stays paused for it. */
  unsubscribeClient(clientId: string): void {
    for (const [id, channel] of [...this.channels]) {
      if (channel.subscribers.has(clientId)) this.unsubscribe(id, clientId);
    }
  }

  /** A client has rendered `bytes` more of the terminal's output. */
  ack(id: string, clientId: string, bytes: number): void {
    const channel = this.channels.get(id);
    if (channel && channel.flow.ack(clientId, bytes) !== 'none') this.syncPause(id);
  }

  /** Kills every process, flushes transcripts. Idempotent. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      if (this.inputPriority) clearTimeout(this.inputPriority.timer);
      this.inputPriority = null;
      await Promise.all([...this.sessions.keys()].map((id) => this.kill(id)));
      this.transcript.dispose();
      this.channels.clear();
      this.onDidExitEmitter.dispose();
      this.onDidStartEmitter.dispose();
    })();
    return this.disposing;
  }

  private onData(session: Session, data: Buffer): void {
    if (session.done || data.length === 0) return;
    session.pending.push(data);
    session.pendingBytes += data.length;
    const limit = this.isBackground(session.id) ? BACKGROUND_MAX_COALESCE_BYTES : MAX_COALESCE_BYTES;
    if (this.inputPriority?.id === session.id) {
      // The answer to a keystroke goes out at once, not after the coalescing delay.
      this.flushOutput(session);
    } else if (session.pendingBytes >= limit) {
      this.flushOutput(session);
      // Held behind a keystroke's answer: stop reading until it has gone out.
      if (session.pendingBytes > 0) this.syncPause(session.id);
    } else session.coalesceTimer ??= setTimeout(() => this.flushOutput(session), COALESCE_MS);
  }

  /**
   * Sends the coalesced output to every subscriber and queues it for the transcript. A
   * background terminal's output waits while a keystroke's answer is due, unless `force`d
   * (the process exited, or the terminal is being resized).
   */
  private flushOutput(session: Session, force = false): void {
    if (session.coalesceTimer) clearTimeout(session.coalesceTimer);
    session.coalesceTimer = null;
    if (session.pendingBytes === 0) return;
    if (!force && this.isHeld(session.id)) return;
    if (this.inputPriority?.id === session.id) this.releaseBackground();
    const data = session.pending.length === 1 ? session.pending[0] : Buffer.concat(session.pending, session.pendingBytes);
    session.pending = [];
    session.pendingBytes = 0;
    this.transcript.queue(session.id, session.cols, session.rows, data);
    if (this.onDidOutputEmitter.hasListeners) this.onDidOutputEmitter.fire(session.id);
    const channel = this.channels.get(session.id);
    if (!channel) return;
    let changed = false;
    for (const [clientId, subscriber] of channel.subscribers) {
      if (subscriber.held) subscriber.held.push(data);
      else this.send(clientId, subscriber.sink, data);
      if (channel.flow.sent(clientId, data.length) !== 'none') changed = true;
    }
    if (changed) this.syncPause(session.id);
  }

  /** Foreground while the user has typed nowhere yet, or last typed in this terminal. */
  private isBackground(id: string): boolean {
    return this.foregroundId !== null && this.foregroundId !== id;
  }

  /** True while a keystroke's answer is due from another terminal: this one's output waits. */
  private isHeld(id: string): boolean {
    return this.inputPriority !== null && this.inputPriority.id !== id;
  }

  /**
   * Holds background output from now until the typed-in terminal's answer has been sent (or
   * INPUT_PRIORITY_MS), so the echo is not queued behind the floods of other terminals on the
   * shared connection, and the client renders it before their next batch.
   */
  private holdBackgroundFor(id: string): void {
    // More keystrokes to the same terminal do not extend the hold: a program that never answers
    // cannot keep the others waiting for longer than INPUT_PRIORITY_MS at a time.
    if (this.inputPriority?.id === id) return;
    if (this.inputPriority) clearTimeout(this.inputPriority.timer);
    const timer = setTimeout(() => this.releaseBackground(), this.inputPriorityMs);
    timer.unref();
    this.inputPriority = { id, timer };
  }

  /** Ends the hold: held background output goes out and paused terminals read again. */
  private releaseBackground(): void {
    const priority = this.inputPriority;
    if (!priority) return;
    clearTimeout(priority.timer);
    this.inputPriority = null;
    // After the current callback, so the answer that ended the hold is sent first.
    setImmediate(() => {
      if (this.inputPriority) return;
      for (const session of this.sessions.values()) {
        if (session.id === priority.id || session.done) continue;
        this.flushOutput(session);
        this.syncPause(session.id);
      }
    });
  }

  private windowFor(id: string): FlowWindow {
    return this.isBackground(id) ? BACKGROUND_WINDOW : FOREGROUND_WINDOW;
  }

  /** Gives `id` the full window and every other terminal a small one. */
  private setForeground(id: string): void {
    if (this.foregroundId === id) return;
    const previous = this.foregroundId;
    this.foregroundId = id;
    // Before the first keystroke every terminal had the full window; after it, all but one shrink.
    const affected = previous === null ? [...this.channels.keys()] : [previous, id];
    for (const affectedId of affected) {
      const channel = this.channels.get(affectedId);
      if (!channel) continue;
      const window = this.windowFor(affectedId);
      let changed = false;
      for (const clientId of channel.subscribers.keys()) if (channel.flow.setWindow(clientId, window) !== 'none') changed = true;
      if (changed) this.syncPause(affectedId);
    }
  }

  private send(clientId: string, sink: TerminalSink, data: Uint8Array): void {
    try {
      sink(data);
    } catch (err) {
      // One broken client must not stop the others' output.
      console.error(`[flotilla] terminal sink of client ${clientId} failed`, err);
    }
  }

  /** Makes the PTY's paused state match the flow accounting of its subscribers. */
  private syncPause(id: string): void {
    const session = this.sessions.get(id);
    if (!session || session.done) return;
    // A terminal whose output is held behind a keystroke's answer stops reading once a chunk waits.
    const held = this.isHeld(id) && session.pendingBytes >= BACKGROUND_MAX_COALESCE_BYTES;
    const shouldPause = ((this.channels.get(id)?.flow.paused ?? false) || held) && !session.draining;
    if (shouldPause === session.paused) return;
    session.paused = shouldPause;
    if (shouldPause) {
      session.pty.pause();
      this.watchForExit(session);
    } else {
      this.stopWatchingForExit(session);
      session.pty.resume();
    }
  }

  /**
   * node-pty only reports an exit once the PTY socket has drained, and destroys the socket 200 ms
   * after the child exits, dropping whatever was still unread. A paused socket never drains, so
   * while paused we watch the child ourselves and resume as soon as it is gone: its last
   * bytes (at most the kernel's PTY buffer) are delivered and the exit is reported.
   */
  private watchForExit(session: Session): void {
    if (session.exitPoll) return;
    const pid = session.pty.pid;
    session.exitPoll = setInterval(() => {
      if (isAlive(pid)) return;
      session.draining = true;
      this.syncPause(session.id);
    }, EXIT_POLL_MS);
    session.exitPoll.unref();
  }

  private stopWatchingForExit(session: Session): void {
    if (session.exitPoll) clearInterval(session.exitPoll);
    session.exitPoll = null;
  }

  /**
   * libuv reports EOF on a stream when a read came back short while POLLHUP is set, assuming
   * the rest is gone. A PTY master hands out output in small pieces and raises POLLHUP as soon
   * as the child closes its side, so the last few KiB of a program that prints a lot and exits
   * would be dropped. At that EOF the fd is still open: read what the kernel still holds (it
   * ends with EIO) before node-pty closes it. Unix only; relies on node-pty's `_socket`/`_fd`
   * and does nothing if they are absent.
   */
  private drainAfterEof(session: Session): void {
    if (process.platform === 'win32') return;
    const internals = session.pty as unknown as { _socket?: unknown; _fd?: unknown };
    const socket = internals._socket as { prependListener?: (event: 'end', fn: () => void) => void } | undefined;
    const fd = internals._fd;
    if (typeof fd !== 'number' || typeof socket?.prependListener !== 'function') return;
    socket.prependListener('end', () => {
      const buffer = Buffer.allocUnsafe(64 * 1024);
      let total = 0;
      while (total < EOF_DRAIN_MAX_BYTES) {
        let n: number;
        try {
          n = readSync(fd, buffer, 0, buffer.length, null);
        } catch {
          break; // EIO: drained (the child's side is closed); EAGAIN: nothing more to read.
        }
        if (n <= 0) break;
        total += n;
        this.onData(session, Buffer.from(buffer.subarray(0, n)));
      }
    });
  }

  private async killSession(session: Session): Promise<void> {
    session.draining = true;
    this.syncPause(session.id);
    const pid = session.pty.pid;
    const signal = (name: NodeJS.Signals) => {
      if (process.platform === 'win32') {
        session.pty.kill();
        return;
      }
      try {
        // node-pty runs the child as a session leader, so -pid is its whole process group.
        process.kill(-pid, name);
      } catch {
        try {
          session.pty.kill(name);
        } catch {
          // Already gone.
        }
      }
    };
    signal('SIGHUP');
    signal('SIGTERM');
    const sigkill = setTimeout(() => signal('SIGKILL'), KILL_DEADLINE_MS);
    // Last resort: if node-pty never reports the exit, report it ourselves rather than hang quitting.
    const giveUp = setTimeout(() => this.finish(session, null, 9), KILL_DEADLINE_MS + FORCED_EXIT_GRACE_MS);
    sigkill.unref();
    giveUp.unref();
    session.killTimers.push(sigkill, giveUp);
    await session.exited;
  }

  /** The process exited: deliver and persist everything it printed, then tell listeners. */
  private finish(session: Session, exitCode: number | null, signal: number | null): void {
    if (session.done) return;
    this.flushOutput(session, true);
    session.done = true;
    this.stopWatchingForExit(session);
    for (const timer of session.killTimers) clearTimeout(timer);
    for (const listener of session.listeners) listener.dispose();
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
    this.transcript.flush();
    this.dropChannelIfUnused(session.id);
    session.resolveExited();
    const killedBy = signal ? signal : null;
    this.onDidExitEmitter.fire({ id: session.id, exitCode: killedBy ? 128 + killedBy : exitCode, signal: killedBy });
  }

  private channelFor(id: string): Channel {
    let channel = this.channels.get(id);
    if (!channel) this.channels.set(id, (channel = { subscribers: new Map(), flow: new FlowControl() }));
    return channel;
  }

  private dropChannelIfUnused(id: string): void {
    const channel = this.channels.get(id);
    if (channel && channel.subscribers.size === 0 && !this.sessions.has(id)) this.channels.delete(id);
  }
}

/** True while `pid` exists (and is not yet reaped). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
