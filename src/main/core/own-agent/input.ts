/**
 * Keyboard input for the agent's pane. The terminal stays in raw mode so Ctrl-C reaches us as
 * \x03 (no SIGINT) while the model streams, and we edit the prompt line ourselves. With a pipe
 * instead of a terminal (tests) it reads plain lines and still honours \x03.
 */
import type { Readable } from 'node:stream';

/** What the reader does with a keystroke at the prompt. */
export class LineInput {
  private pending = '';
  private line = '';
  private waiter: ((line: string | null) => void) | null = null;
  private eof = false;
  private lastWasCr = false;
  /** Called for Ctrl-C while no prompt is shown (the agent is busy). */
  onInterrupt: (() => void) | null = null;

  constructor(
    private readonly stdin: Readable,
    private readonly echo: (s: string) => void,
    private readonly tty: boolean,
  ) {}

  /** Starts listening. */
  start(): void {
    this.stdin.on('data', (chunk: Buffer | string) => this.feed(typeof chunk === 'string' ? chunk : chunk.toString('utf8')));
    this.stdin.on('end', () => {
      this.eof = true;
      this.drain();
    });
    this.stdin.on('error', () => {
      this.eof = true;
      this.drain();
    });
  }

  /** Stops listening so the process can exit. */
  stop(): void {
    this.stdin.pause();
    this.stdin.removeAllListeners('data');
  }

  /** Whether input has ended (Ctrl-D on a pipe, or the pipe closed). */
  get ended(): boolean {
    return this.eof;
  }

  /**
   * Shows `prompt` and resolves with the next line, or null when the user quits. `fresh` drops
   * what was typed ahead first, so keys pressed while the agent worked never answer a question
   * the user has not seen.
   */
  prompt(prompt: string, opts: { fresh?: boolean } = {}): Promise<string | null> {
    if (opts.fresh) {
      this.pending = '';
      this.line = '';
    }
    this.echo(prompt);
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.drain();
    });
  }

  private feed(text: string): void {
    if (this.waiter === null) {
      // Busy: Ctrl-C stops the agent at once; anything else is typed ahead for the next prompt.
      if (text.includes('\x03')) {
        this.echo('^C\n');
        this.onInterrupt?.();
        text = text.replaceAll('\x03', '');
      }
      this.pending += text;
      return;
    }
    this.pending += text;
    this.drain();
  }

  private resolve(line: string | null): void {
    const waiter = this.waiter;
    this.waiter = null;
    this.line = '';
    waiter?.(line);
  }

  private drain(): void {
    while (this.waiter !== null && this.pending.length > 0) {
      const ch = this.pending[0];
      this.pending = this.pending.slice(1);
      const wasCr = this.lastWasCr;
      this.lastWasCr = ch === '\r';
      if (ch === '\n' && wasCr) continue;
      if (ch === '\r' || ch === '\n') {
        if (this.tty) this.echo('\n');
        this.resolve(this.line);
      } else if (ch === '\x03') {
        if (this.line === '') {
          this.echo('\n');
          this.resolve(null);
        } else {
          this.echo(this.tty ? '^C\n' : '');
          this.line = '';
          this.resolve('');
        }
      } else if (ch === '\x04') {
        if (this.line === '') {
          this.echo('\n');
          this.resolve(null);
        }
      } else if (ch === '\x7f' || ch === '\b') {
        if (this.line.length > 0) {
          const chars = [...this.line];
          chars.pop();
          this.line = chars.join('');
          if (this.tty) this.echo('\b \b');
        }
      } else if (ch === '\x15') {
        if (this.tty) this.echo('\r\x1b[2K› ');
        this.line = '';
      } else if (ch === '\x1b') {
        this.skipEscape();
      } else if (ch === '\t' || ch >= ' ') {
        this.line += ch;
        if (this.tty) this.echo(ch);
      }
    }
    if (this.waiter !== null && this.eof && this.pending.length === 0) {
      // A last line without a newline still counts.
      if (this.line === '') this.echo('\n');
      this.resolve(this.line !== '' ? this.line : null);
    }
  }

  /** Drops an escape sequence (arrow keys and the like), which the prompt does not support. */
  private skipEscape(): void {
    const next = this.pending[0];
    if (next === '[' || next === 'O') {
      let i = 1;
      while (i < this.pending.length && !/[@-~]/.test(this.pending[i])) i++;
      this.pending = this.pending.slice(i + 1);
    } else if (next !== undefined) this.pending = this.pending.slice(1);
  }
}
