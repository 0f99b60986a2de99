import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { getClient } from '../../transport';
import { toastError } from '../../stores/toast-store';
import { call } from '../common/call';
import { AckBatcher } from './ack-batcher';
import { registerTerminal } from './terminal-registry';
import { terminalFont, terminalTheme } from './terminal-theme';

const SCROLLBACK_LINES = 10_000;
const RESIZE_DEBOUNCE_MS = 60;

/**
 * Attach and detach calls per agent, in the order they were issued: a pane that remounts
 * quickly must not have its new attach overtaken by the old pane's detach.
 */
const attachQueues = new Map<string, Promise<unknown>>();

function enqueue<T>(agentId: string, task: () => Promise<T>): Promise<T> {
  const previous = attachQueues.get(agentId) ?? Promise.resolve();
  const next = previous.then(task, task);
  attachQueues.set(agentId, next);
  void next.finally(() => {
    if (attachQueues.get(agentId) === next) attachQueues.delete(agentId);
  });
  return next;
}

/** Set once WebGL2 proves unavailable (e.g. --disable-gpu), so later panes skip the attempt. */
let webglUnavailable = false;

function isCopy(e: KeyboardEvent): boolean {
  return e.ctrlKey && e.shiftKey && !e.altKey && e.code === 'KeyC';
}

function isPaste(e: KeyboardEvent): boolean {
  return e.ctrlKey && e.shiftKey && !e.altKey && e.code === 'KeyV';
}

/**
 * One agent's terminal: an xterm bound to the agent's byte stream. Output bytes go straight
 * from the transport to `term.write` (never through React or a store) and are acked from
 * xterm's write callback for flow control. Owns every listener, observer and addon it starts.
 */
export class TerminalSession {
  private readonly term: Terminal;
  private readonly fit = new FitAddon();
  private webgl: WebglAddon | null = null;
  private readonly acks: AckBatcher;
  private readonly disposers: Array<() => void> = [];
  private resizeTimer: ReturnType<typeof setTimeout> | null = null;
  private lastSize = { cols: 0, rows: 0 };
  private disposed = false;
  private attached = false;
  private written = 0;
  /** Writes handed to xterm whose callback has not come yet. */
  private unparsedWrites = 0;
  private readonly writeListeners = new Set<(data: Uint8Array) => void>();

  constructor(
    private readonly agentId: string,
    private readonly host: HTMLElement,
    onFocus: () => void,
  ) {
    const client = getClient();
    this.acks = new AckBatcher((bytes) => client.notify('terminal.ack', { agentId, bytes }));
    this.term = new Terminal({
      scrollback: SCROLLBACK_LINES,
      fontFamily: terminalFont(),
      fontSize: 13,
      lineHeight: 1.15,
      cursorBlink: true,
      allowProposedApi: false,
      theme: terminalTheme(),
    });
    this.term.loadAddon(this.fit);
    this.term.loadAddon(new WebLinksAddon());
    this.term.attachCustomKeyEventHandler((e) => this.onKey(e));
    this.term.open(host);

    const input = this.term.onData((data) => client.notify('terminal.input', { agentId, data }));
    const binary = this.term.onBinary((data) => client.notify('terminal.input', { agentId, data }));
    this.disposers.push(() => input.dispose(), () => binary.dispose());

    // Subscribe before attaching: the core replays recent output right after the attach.
    this.disposers.push(
      client.onTerminalData((frame) => {
        if (frame.agentId !== agentId || this.disposed) return;
        const data = frame.data;
        this.unparsedWrites++;
        this.term.write(data, () => {
          this.unparsedWrites--;
          this.acks.add(data.length);
          // Parsed all it was given: ack now rather than on a timer a long frame may delay.
          if (this.unparsedWrites === 0) this.acks.flush();
          this.written += data.length;
          for (const listener of this.writeListeners) listener(data);
        });
      }),
    );

    const textarea = this.term.textarea;
    if (textarea) {
      textarea.addEventListener('focus', onFocus);
      this.disposers.push(() => textarea.removeEventListener('focus', onFocus));
    }

    const onContextMenu = (e: MouseEvent) => {
      e.preventDefault();
      void this.pasteFromClipboard();
    };
    host.addEventListener('contextmenu', onContextMenu);
    this.disposers.push(() => host.removeEventListener('contextmenu', onContextMenu));

    const resizeObserver = new ResizeObserver(() => this.scheduleFit());
    resizeObserver.observe(host);
    this.disposers.push(() => resizeObserver.disconnect());

    // WebGL only while on screen: browsers cap live WebGL contexts at about 16.
    const visibility = new IntersectionObserver((entries) => {
      const visible = entries.some((entry) => entry.isIntersecting);
      if (visible) this.loadWebgl();
      else this.disposeWebgl();
    });
    visibility.observe(host);
    this.disposers.push(() => visibility.disconnect());

    if (client.onConnectionChange) {
      let wasDisconnected = false;
      this.disposers.push(
        client.onConnectionChange((connected) => {
          if (!connected) wasDisconnected = true;
          else if (wasDisconnected) {
            wasDisconnected = false;
            // A new connection starts without subscriptions; the replay redraws the screen.
            this.term.reset();
            void this.attach();
          }
        }),
      );
    }

    this.disposers.push(
      registerTerminal(agentId, {
        focus: () => this.term.focus(),
        text: () => this.text(),
        writtenBytes: () => this.written,
        onWrite: (listener) => {
          this.writeListeners.add(listener);
          return () => this.writeListeners.delete(listener);
        },
        input: (data) => this.term.input(data),
      }),
    );

    this.fitNow();
    void this.attach();
  }

  /** Moves keyboard focus into the terminal. */
  focus(): void {
    this.term.focus();
  }

  /** All lines of the active buffer joined by '\n', trailing spaces trimmed. */
  text(): string {
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
    return lines.join('\n');
  }

  /** Detaches from the agent and releases everything this session started. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    for (const dispose of this.disposers.splice(0).reverse()) dispose();
    this.acks.dispose();
    const agentId = this.agentId;
    void enqueue(agentId, () => call('terminal.detach', { agentId }));
    this.disposeWebgl();
    this.term.dispose();
  }

  private async attach(): Promise<void> {
    const agentId = this.agentId;
    // Unmounted before our turn: the queued detach follows, so skip the attach altogether.
    const result = await enqueue(agentId, () =>
      this.disposed ? Promise.resolve(null) : call('terminal.attach', { agentId }),
    );
    if (this.disposed || result === null) return;
    if (!result.ok) {
      toastError(result.error.message);
      return;
    }
    this.attached = true;
    this.sendSize(true);
  }

  private onKey(e: KeyboardEvent): boolean {
    if (e.type !== 'keydown') return !(isCopy(e) || isPaste(e));
    if (isCopy(e)) {
      e.preventDefault();
      const selection = this.term.getSelection();
      if (selection) void navigator.clipboard?.writeText(selection).catch(() => undefined);
      return false;
    }
    if (isPaste(e)) {
      e.preventDefault();
      void this.pasteFromClipboard();
      return false;
    }
    return true;
  }

  private async pasteFromClipboard(): Promise<void> {
    try {
      const text = await navigator.clipboard.readText();
      // term.paste applies bracketed-paste mode and line-ending rules, then emits onData.
      if (text && !this.disposed) this.term.paste(text);
    } catch {
      toastError('Paste needs clipboard permission; use your browser’s paste shortcut instead.');
    }
  }

  private scheduleFit(): void {
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => {
      this.resizeTimer = null;
      this.fitNow();
      this.sendSize(false);
    }, RESIZE_DEBOUNCE_MS);
  }

  private fitNow(): void {
    // A hidden pane (display: none while another is maximized) has no size to fit to.
    if (this.disposed || this.host.clientWidth === 0 || this.host.clientHeight === 0) return;
    try {
      this.fit.fit();
    } catch {
      // The renderer may not have measured its cell size yet; the next resize fits.
    }
  }

  private sendSize(force: boolean): void {
    if (this.disposed || !this.attached) return;
    const { cols, rows } = this.term;
    if (cols < 2 || rows < 2) return;
    if (!force && cols === this.lastSize.cols && rows === this.lastSize.rows) return;
    this.lastSize = { cols, rows };
    // Resizing an agent that is not running fails harmlessly; nothing for the user to do.
    void call('terminal.resize', { agentId: this.agentId, cols, rows });
  }

  private loadWebgl(): void {
    if (this.webgl || webglUnavailable || this.disposed) return;
    try {
      const addon = new WebglAddon();
      addon.onContextLoss(() => this.disposeWebgl());
      this.term.loadAddon(addon);
      this.webgl = addon;
    } catch {
      // No WebGL2 here: xterm keeps its DOM renderer.
      webglUnavailable = true;
    }
  }

  private disposeWebgl(): void {
    const addon = this.webgl;
    this.webgl = null;
    try {
      addon?.dispose();
    } catch {
      // Disposing after a lost context can throw inside the addon; the DOM renderer takes over anyway.
    }
  }
}
