/**
 * What web mode keeps in the data folder between runs, so that a tab left open reconnects to
 * a restarted server: the token and the port. The file is 0600 in a 0700 folder; the token is
 * never passed on a command line, where every local process could read it.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The file, inside the data folder. */
export const WEB_STATE_FILE = 'web.json';

/** What is remembered; either part may be missing in a file from an older run. */
export interface WebState {
  token?: string;
  port?: number;
}

/** Token characters: safe in a URL fragment, a WebSocket subprotocol and a terminal copy. */
const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{16,256}$/;

/** True when `token` can serve as the web token. */
export function isValidToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/** Explains the token rules, for a file or variable that breaks them. */
export const TOKEN_RULES = 'a token must be 16 to 256 characters of letters, digits, ".", "_", "~" or "-"';

/** A fresh random token. */
export function newToken(): string {
  return randomBytes(32).toString('hex');
}

/** Reads the remembered state; a missing or unreadable file is an empty state. */
export function readWebState(dataDir: string): WebState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(dataDir, WEB_STATE_FILE), 'utf8'));
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const { token, port } = parsed as Record<string, unknown>;
  return {
    token: typeof token === 'string' && isValidToken(token) ? token : undefined,
    port: typeof port === 'number' && Number.isInteger(port) && port > 0 && port <= 65535 ? port : undefined,
  };
}

/** Writes the state atomically with mode 0600. */
export function writeWebState(dataDir: string, state: WebState): void {
  const file = join(dataDir, WEB_STATE_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify({ token: state.token, port: state.port }, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // openSync's mode applies only to a new file; a leftover temp file keeps its old mode.
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}
