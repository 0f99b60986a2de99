/**
 * `flotilla serve`: runs the core headless and serves the renderer to a browser.
 * stdout carries exactly one line, the ready URL, so scripts and tests can read it;
 * everything else goes to stderr.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { version } from '../../../package.json';
import { Core } from '../core';
import { FileSecretStore, relaunchWithoutKeys, takeHandedKeys } from '../core/providers';
import { hostForUrl, startWebServer, type WebServer } from './web-server';

/** Port used when --port is not given. */
export const DEFAULT_PORT = 4517;
/** Longest the shutdown waits for the core to stop agents and close the database. */
const DISPOSE_DEADLINE_MS = 5_000;

const USAGE = 'usage: flotilla serve [--port N] [--host H] [--data DIR] [--token T]';

/** Parsed `serve` options. */
export interface ServeOptions {
  port: number;
  host: string;
  dataDir: string;
  token: string;
}

/** Thrown for bad command-line arguments; the message is one line meant for the user. */
export class UsageError extends Error {}

/** Parses `serve` arguments (without the `serve` word); throws UsageError on bad input. */
export function parseServeArgs(args: string[]): ServeOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        token: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message.split('\n')[0] : String(err)} (${USAGE})`);
  }
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a number from 0 to 65535 (0 picks a free port), got "${values.port}".`);
  }
  const host = values.host ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) throw new UsageError(`--host must be a host name or IP address, got "${host}".`);
  // The token travels in a URL and must survive copy and paste from a terminal.
  const token = values.token ?? randomBytes(32).toString('hex');
  if (!/^[A-Za-z0-9._~-]{1,256}$/.test(token)) {
    throw new UsageError('--token must be 1 to 256 characters of letters, digits, ".", "_", "~" or "-".');
  }
  const data = values.data ?? join(homedir(), '.flotilla');
  if (data.trim() === '') throw new UsageError('--data must be a folder path.');
  const dataDir = resolve(data.startsWith('~/') ? join(homedir(), data.slice(2)) : data);
  return { port, host, dataDir, token };
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

async function serve(options: ServeOptions, keys: Record<string, string> | null): Promise<void> {
  const rendererDir = fileURLToPath(new URL('../renderer/', import.meta.url));
  if (!existsSync(join(rendererDir, 'index.html'))) {
    console.error(`flotilla: warning: the UI is not built (${rendererDir} has no index.html); run \`npm run build\`.`);
  }
  if (!isLoopback(options.host)) {
    console.error(
      `flotilla: warning: listening on ${options.host}, not loopback: anyone who can reach it and has the token can run commands on this machine.`,
    );
  }
  mkdirSync(options.dataDir, { recursive: true });

  const here = dirname(fileURLToPath(import.meta.url));
  const ownAgent = join(here, 'agent.js');
  const netBridge = join(here, 'netBridge.js');
  const core = await Core.create({
    mode: 'web',
    version,
    dataDir: options.dataDir,
    ownAgentEntry: existsSync(ownAgent) ? ownAgent : null,
    netBridgeEntry: existsSync(netBridge) ? netBridge : null,
    // Keys from the launcher's environment, which this process does not carry (key-handover.ts).
    secretStore: new FileSecretStore(options.dataDir, keys ?? process.env),
  });
  let server: WebServer;
  try {
    server = await startWebServer({ core, host: options.host, port: options.port, token: options.token, rendererDir });
  } catch (err) {
    await withDeadline(core.dispose(), DISPOSE_DEADLINE_MS);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${options.port} is already in use; pass --port 0 for a free port.`);
    if (code === 'EADDRNOTAVAIL') throw new Error(`cannot listen on ${options.host}: no such address on this machine.`);
    throw err;
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.error(`flotilla: ${signal} again, exiting without waiting.`);
      process.exit(1);
    }
    stopping = true;
    console.error(`flotilla: ${signal}: shutting down.`);
    void (async () => {
      await server.close().catch((err: unknown) => console.error(`flotilla: closing the server failed: ${String(err)}`));
      const finished = await withDeadline(core.dispose(), DISPOSE_DEADLINE_MS).catch((err: unknown) => {
        console.error(`flotilla: shutting down the core failed: ${err instanceof Error ? err.message : String(err)}`);
        return true;
      });
      if (!finished) console.error(`flotilla: the core did not shut down within ${DISPOSE_DEADLINE_MS / 1000} s; exiting anyway.`);
      process.exit(0);
    })();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  console.error(`flotilla: data in ${options.dataDir}`);
  process.stdout.write(`Flotilla ready at http://${hostForUrl(options.host)}:${server.port}/?token=${options.token}\n`);
}

/** Resolves true when `promise` settles in time, false when the deadline passes first. */
function withDeadline(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolvePromise, reject) => {
    const timer = setTimeout(() => resolvePromise(false), ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolvePromise(true);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** Entry point: `flotilla <command> [options]`. */
export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${version}\n`);
    return;
  }
  if (command !== 'serve') {
    console.error(`flotilla: unknown command "${command}". ${USAGE}`);
    process.exit(2);
  }
  let options: ServeOptions;
  try {
    options = parseServeArgs(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`flotilla: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  // Keys in the environment: the server runs as a child without them (its launcher waits here).
  if (relaunchWithoutKeys()) return;
  try {
    await serve(options, takeHandedKeys());
  } catch (err) {
    console.error(`flotilla: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    process.exit(1);
  }
}

void main(process.argv.slice(2));
