/**
 * Flotilla core: the engine behind both transports. Plain Node, never imports electron.
 *
 * A transport creates one Core, then one connection per client (a window or a WebSocket).
 * A connection validates every call against the contract and returns errors as data.
 */
import { randomUUID } from 'node:crypto';
import { isMethodName, isNotificationName, methods, notifications, type EventName, type EventOf } from '../../shared/contract';
import type { Result } from '../../shared/types';
import { AppError, toErrorData } from './errors';
import { closeLog, errorFields, log, openLog } from './log';
import { agentLogSink } from './log';
import { createServices, type Services } from './services';
import { createHandlers, type Handlers } from './api';
import type { SecretStore } from './providers';

export interface CoreOptions {
  /** Database, transcripts and worktrees live here. */
  dataDir: string;
  mode: 'electron' | 'web';
  version: string;
  /** Native folder dialog; only the desktop shell provides one. */
  pickFolder?: () => Promise<string | null>;
  /** Opens a folder in the system's file manager; only the desktop shell provides one. */
  openFolder?: (path: string) => Promise<void>;
  /** Path to a better-sqlite3 binary built for Electron's ABI. */
  sqliteNativeBinding?: string;
  /** Where API keys live: the OS keychain in the desktop app; env vars and an owner-only file otherwise. */
  secretStore?: SecretStore;
  /** out/main/agent.js, Flotilla's own agent; null where it was not built. */
  ownAgentEntry?: string | null;
  /** out/main/netBridge.js, for confined agents limited to their provider; null where it was not built. */
  netBridgeEntry?: string | null;
}

/** Where a connection's events and terminal bytes go. */
export interface ClientSink {
  event<E extends EventName>(name: E, payload: EventOf<E>): void;
  terminalData(agentId: string, data: Uint8Array): void;
}

/** One client's view of the core. */
export interface ClientConnection {
  readonly id: string;
  /** Validates and runs a contract method; never throws. */
  invoke(method: unknown, params: unknown): Promise<Result<unknown>>;
  /** Validates and applies a fire-and-forget notification (terminal input, acks). */
  notify(name: unknown, params: unknown): void;
  dispose(): void;
}

export class Core {
  private readonly connections = new Set<ClientConnection>();
  private disposing: Promise<void> | null = null;
  private readonly stopAgentLog: () => void;

  private constructor(
    private readonly services: Services,
    private readonly handlers: Handlers,
  ) {
    this.stopAgentLog = services.events.subscribe(agentLogSink());
  }

  /** Opens the log and the database, reconciles records with git, and returns a ready core. */
  static async create(options: CoreOptions): Promise<Core> {
    openLog(options.dataDir);
    log('info', 'flotilla started', { version: options.version, mode: options.mode });
    const services = await createServices(options);
    return new Core(services, createHandlers(services, options));
  }

  /** Connects a client; its events and terminal data go to `sink` until disposed. */
  connect(sink: ClientSink): ClientConnection {
    const id = randomUUID();
    const { services, handlers } = this;
    const unsubscribe = services.events.subscribe(sink);
    let disposed = false;
    const connection: ClientConnection = {
      id,
      invoke: async (method, params) => {
        if (disposed) return { ok: false, error: { code: 'internal', message: 'This connection is closed.' } };
        if (!isMethodName(method)) return { ok: false, error: { code: 'invalid-params', message: `Unknown method ${String(method)}.` } };
        const parsed = methods[method].params.safeParse(params ?? {});
        if (!parsed.success) {
          return { ok: false, error: { code: 'invalid-params', message: `Invalid parameters for ${method}: ${parsed.error.issues[0]?.message ?? 'invalid'}` } };
        }
        try {
          // The handler table is keyed by the same method names; the cast bridges the union.
          const handler = handlers[method] as (p: unknown, ctx: { clientId: string; sink: ClientSink }) => Promise<unknown>;
          return { ok: true, value: await handler(parsed.data, { clientId: id, sink }) };
        } catch (err) {
          // The user gets the plain message; the log gets what went wrong, with its stack.
          if (!(err instanceof AppError)) log('error', 'unexpected error', { method, ...errorFields(err) });
          return { ok: false, error: toErrorData(err) };
        }
      },
      notify: (name, params) => {
        if (disposed || !isNotificationName(name)) return;
        const parsed = notifications[name].safeParse(params);
        if (!parsed.success) return;
        switch (name) {
          case 'terminal.input': {
            const p = parsed.data as { agentId: string; data: string };
            services.pty.write(p.agentId, p.data);
            services.agents.noteInput(p.agentId);
            return;
          }
          case 'terminal.ack': {
            const p = parsed.data as { agentId: string; bytes: number };
            services.pty.ack(p.agentId, id, p.bytes);
            return;
          }
        }
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        unsubscribe();
        services.pty.unsubscribeClient(id);
        this.connections.delete(connection);
      },
    };
    this.connections.add(connection);
    return connection;
  }

  /** Stops every agent, flushes transcripts and closes the database last. Idempotent. */
  dispose(): Promise<void> {
    if (!this.disposing) {
      this.disposing = (async () => {
        for (const c of [...this.connections]) c.dispose();
        this.stopAgentLog();
        await this.services.dispose();
        log('info', 'flotilla stopped');
        closeLog();
      })();
    }
    return this.disposing;
  }
}
