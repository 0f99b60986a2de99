/**
 * Network mode 'provider': the sandbox gets no network at all (bubblewrap --unshare-net, only
 * its own loopback), and the network bridge inside it offers 127.0.0.1:<port>, piped to the
 * provider gateway's UNIX socket outside, which forwards only to the provider's origin.
 * The agent is pointed at `localBaseUrl` instead of the provider's real base URL.
 */
import { join } from 'node:path';
import { AppError } from '../errors';

/**
 * The port the bridge listens on inside the sandbox. Fixed: each sandbox has its own network
 * namespace, so agents never compete for it.
 */
export const BRIDGE_PORT = 43123;

/** UNIX socket paths are limited to 108 bytes (sun_path), including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

/** How an agent limited to its provider's host is started. */
export interface ProviderNetworkPlan {
  port: number;
  /** Where the gateway listens: in the agent's state folder, which the sandbox sees at the same path. */
  socketPath: string;
  /** The provider's base URL as the agent must see it: http://127.0.0.1:<port>/<token><path of the real one>. */
  localBaseUrl: string;
  /** The provider's origin, for startProviderGateway. */
  target: string;
  /** Prefixes the bridge to a command; wrap the result with the sandbox (network 'off'). */
  wrap(cmd: { file: string; args: string[] }): { file: string; args: string[] };
}

/** Plans network mode 'provider' for one agent; throws AppError for an unusable base URL or path. */
export function planProviderNetwork(opts: {
  stateDir: string;
  /** The effective base URL including its path, e.g. https://api.openai.com/v1. */
  providerBaseUrl: string;
  /** out/main/netBridge.js */
  bridgeEntry: string;
  /** The Node to run the bridge with (process.execPath; Electron needs ELECTRON_RUN_AS_NODE=1). */
  nodePath: string;
  /** The agent's gateway token (see provider-gateway.ts), the first segment of localBaseUrl. */
  token: string;
}): ProviderNetworkPlan {
  let url: URL;
  try {
    url = new URL(opts.providerBaseUrl.trim());
  } catch {
    throw new AppError('invalid-params', `The provider's base URL "${opts.providerBaseUrl}" is not a valid URL. Fix it in Settings → Providers.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('invalid-params', `The provider's base URL must start with http:// or https:// (it is ${opts.providerBaseUrl}).`);
  }
  const socketPath = join(opts.stateDir, 'provider.sock');
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new AppError(
      'unsupported',
      `The agent's state folder path is too long for a socket (${socketPath}); use network "on" or "off", or a shorter data folder.`,
    );
  }
  const port = BRIDGE_PORT;
  return {
    port,
    socketPath,
    localBaseUrl: gatewayBaseUrl(`http://127.0.0.1:${port}`, opts.token, opts.providerBaseUrl),
    target: url.origin,
    wrap: (cmd) => ({ file: opts.nodePath, args: [opts.bridgeEntry, socketPath, String(port), '--', cmd.file, ...cmd.args] }),
  };
}

/**
 * The base URL an agent is given for its provider: the gateway's address, the agent's token, then
 * the path of the provider's real base URL (`https://api.openai.com/v1` → `<gateway>/<token>/v1`).
 */
export function gatewayBaseUrl(gatewayOrigin: string, token: string, providerBaseUrl: string): string {
  const trimmed = providerBaseUrl.trim();
  return `${gatewayOrigin}/${token}${localPath(new URL(trimmed), trimmed)}`;
}

/** The path and query of `url`, keeping the caller's spelling of a bare origin (no added "/"). */
function localPath(url: URL, original: string): string {
  const path = url.pathname === '/' && !original.endsWith('/') ? '' : url.pathname;
  return path + url.search;
}
