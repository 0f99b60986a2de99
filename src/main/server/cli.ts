/**
 * `flotilla serve`: runs the core headless and serves the renderer to a browser.
 * stdout carries exactly one line, the ready URL, so scripts and tests can read it;
 * everything else goes to stderr.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { version } from '../../../package.json';
import { Core } from '../core';
import { rememberSecret } from '../core/log';
import { FileSecretStore, relaunchWithoutKeys, takeHandedKeys } from '../core/providers';
import { hostForUrl, startWebServer, type WebServer } from './web-server';
import { isValidToken, newToken, readWebState, TOKEN_RULES, writeWebState } from './web-state';

/** Port used when --port is not given and no earlier run left one. */
export const DEFAULT_PORT = 4517;
/** Environment variable that may carry the token (read once, then removed from the environment). */
export const TOKEN_ENV = 'FLOTILLA_TOKEN';

const USAGE = 'usage: flotilla serve [--port N] [--host H [--allow-remote]] [--data DIR] [--token-file FILE]';

/** Parsed `serve` options. */
export interface ServeOptions {
  /**
   * A port the user named; 'any' (`--port 0`) reuses the last run's port when it is free and
   * otherwise takes any free one; null (no --port) does the same with 4517 as the first choice.
   */
  port: number | 'any' | null;
  host: string;
  dataDir: string;
  /** The token given by file or environment; null uses the one kept in the data folder. */
  token: string | null;
}

/** Thrown for bad command-line arguments; the message is one line meant for the user. */
export class UsageError extends Error {}

/** Parses `serve` arguments (without the `serve` word); throws UsageError on bad input. */
export function parseServeArgs(args: string[], env: NodeJS.ProcessEnv = {}): ServeOptions {
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
        'token-file': { type: 'string' },
        'allow-remote': { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message.split('\n')[0] : String(err)} (${USAGE})`);
  }
  if (values.token !== undefined) {
    throw new UsageError(
      `--token is not accepted: a command line is readable by every process on this machine. Put the token in a file and pass --token-file FILE, or set ${TOKEN_ENV}.`,
    );
  }
  const port = values.port === undefined ? null : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || (port !== null && (!Number.isInteger(port) || port < 0 || port > 65535))) {
    throw new UsageError(`--port must be a number from 0 to 65535 (0 picks a free port), got "${values.port}".`);
  }
  const host = values.host ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) throw new UsageError(`--host must be a host name or IP address, got "${host}".`);
  if (!isLoopback(host) && values['allow-remote'] !== true) {
    throw new UsageError(
      `--host ${host} would let other machines reach Flotilla, which can run commands on this one; add --allow-remote if that is what you want.`,
    );
  }
  const data = values.data ?? join(homedir(), '.flotilla');
  if (data.trim() === '') throw new UsageError('--data must be a folder path.');
  const dataDir = resolve(data.startsWith('~/') ? join(homedir(), data.slice(2)) : data);
  return { port: port === 0 ? 'any' : port, host, dataDir, token: readGivenToken(values['token-file'], env) };
}

/** The token from --token-file or the environment, checked; null when neither was given. */
function readGivenToken(file: string | undefined, env: NodeJS.ProcessEnv): string | null {
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --token-file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`);
    }
    const token = text.trim();
    if (!isValidToken(token)) throw new UsageError(`--token-file ${file}: ${TOKEN_RULES}.`);
    return token;
  }
  const fromEnv = env[TOKEN_ENV];
  if (fromEnv === undefined || fromEnv === '') return null;
  if (!isValidToken(fromEnv)) throw new UsageError(`${TOKEN_ENV}: ${TOKEN_RULES}.`);
  return fromEnv;
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Creates the data folder owner-only, tightening an existing one that is looser. */
function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) !== 0) chmodSync(dir, mode & 0o700);
}

async function serve(options: ServeOptions, keys: Record<string, string> | null): Promise<void> {
  const rendererDir = fileURLToPath(new URL('../renderer/', import.meta.url));
  if (!existsSync(join(rendererDir, 'index.html'))) {
    console.error(`flotilla: warning: the UI is not built (${rendererDir} has no index.html); run \`npm run build\`.`);
  }
  if (!isLoopback(options.host)) {
    console.error(
      `flotilla: warning: listening on ${options.host}, not loopback (--allow-remote): anyone who can reach it and has the token can run commands on this machine.`,
    );
  }
  makePrivateDir(options.dataDir);
  // Kept so that a restarted server takes the same token and port and an open tab reconnects.
  const saved = readWebState(options.dataDir);
  const storedToken = saved.token ?? newToken();
  const token = options.token ?? storedToken;
  rememberSecret(storedToken);

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
    server = await listen(core, options, token, rendererDir, saved.port ?? null);
  } catch (err) {
    // The core keeps to its own shutdown deadline (SHUTDOWN_DEADLINE_MS in core/lifecycle.ts).
    await core.dispose();
    throw err;
  }
  try {
    writeWebState(options.dataDir, { token: storedToken, port: server.port });
  } catch (err) {
    console.error(`flotilla: warning: could not remember the token and port in ${options.dataDir}: ${err instanceof Error ? err.message : String(err)}`);
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
      // Bounded by the core's one shutdown deadline (SHUTDOWN_DEADLINE_MS); it says when it ran out.
      await core.dispose().catch((err: unknown) => {
        console.error(`flotilla: shutting down the core failed: ${err instanceof Error ? err.message : String(err)}`);
      });
      process.exit(0);
    })();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  console.error(`flotilla: data in ${options.dataDir}`);
  // The token rides in the fragment: browsers never send a fragment to any server.
  process.stdout.write(`Flotilla ready at http://${hostForUrl(options.host)}:${server.port}/#token=${token}\n`);
}

/**
 * Listens on the port the user named (failing if it is taken), else on the last run's port,
 * else on the default one, falling back to any free port when the preferred one is taken.
 */
async function listen(core: Core, options: ServeOptions, token: string, rendererDir: string, savedPort: number | null): Promise<WebServer> {
  const start = (port: number) => startWebServer({ core, host: options.host, port, token, rendererDir });
  const explain = (err: unknown, port: number): Error => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') return new Error(`port ${port} is already in use; pass --port 0 for a free port.`);
    if (code === 'EADDRNOTAVAIL') return new Error(`cannot listen on ${options.host}: no such address on this machine.`);
    return err instanceof Error ? err : new Error(String(err));
  };
  const named = options.port;
  if (typeof named === 'number') {
    return start(named).catch((err: unknown) => {
      throw explain(err, named);
    });
  }
  const preferred = savedPort ?? (named === 'any' ? 0 : DEFAULT_PORT);
  try {
    return await start(preferred);
  } catch (err) {
    if (preferred === 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw explain(err, preferred);
    console.error(`flotilla: port ${preferred} is in use; taking a free one (an open tab will not find this server).`);
    return start(0).catch((again: unknown) => {
      throw explain(again, 0);
    });
  }
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
    options = parseServeArgs(rest, process.env);
    // Not left for child processes to inherit.
    delete process.env[TOKEN_ENV];
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
