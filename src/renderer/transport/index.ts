/**
 * The renderer's one way to reach the core: `getClient()` picks the transport it finds,
 * the preload bridge in Electron or a WebSocket to the page's own server in a browser.
 */
import type { FlotillaClient } from '../../shared/contract';
import type { FlotillaBridge } from '../../preload';
import { createIpcClient } from './ipc-client';
import { createWsClient } from './ws-client';

declare global {
  interface Window {
    /** Set by the preload script in Electron; absent in a browser. */
    flotilla?: FlotillaBridge;
  }
}

const TOKEN_KEY = 'flotilla.token';
/** Must match the server's WS_PROTOCOL and WS_TOKEN_PROTOCOL_PREFIX (src/main/server/web-server.ts). */
const WS_PROTOCOL = 'flotilla';
const WS_TOKEN_PROTOCOL_PREFIX = 'flotilla-token.';

/** What a call says in a tab opened without the token (typed address, bookmark, new window). */
export const NO_TOKEN_MESSAGE =
  'This tab has no Flotilla token. Open the address Flotilla printed when it started (it ends in #token=…).';

let client: FlotillaClient | undefined;

/** The client for this page (created on first use). */
export function getClient(): FlotillaClient {
  client ??= window.flotilla ? createIpcClient(window.flotilla) : createWebClient(takeToken());
  return client;
}

/** The WebSocket client, or without a token one whose every call says how to get one. */
function createWebClient(token: string | null): FlotillaClient {
  if (token === null) {
    return {
      invoke: () => Promise.reject(new Error(NO_TOKEN_MESSAGE)),
      notify: () => undefined,
      onEvent: () => () => undefined,
      onTerminalData: () => () => undefined,
    };
  }
  return createWsClient(webSocketOptions(token));
}

/**
 * The web-mode token: taken from the address's `#token=` (or an older link's `?token=`) and
 * kept in this tab's sessionStorage, so a reload, or a restarted server, still finds it; then
 * removed from the address bar so it does not linger in history or get shared in a
 * screenshot. It is never put in a cookie: browsers send cookies to every port of a host.
 */
export function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fragment = new URLSearchParams(url.hash.slice(1));
  const fromUrl = fragment.get('token') ?? url.searchParams.get('token');
  if (fromUrl) {
    try {
      window.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // Storage disabled: this page load still has the token; a reload will need the link again.
    }
    url.searchParams.delete('token');
    fragment.delete('token');
    const hash = fragment.toString();
    window.history.replaceState(window.history.state, '', url.pathname + url.search + (hash ? `#${hash}` : ''));
    return fromUrl;
  }
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** The page's own server's socket; the token goes as a subprotocol, never in the URL. */
function webSocketOptions(token: string): { url: string; protocols: string[] } {
  const { protocol, host } = window.location;
  return {
    url: `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}/ws`,
    protocols: [WS_PROTOCOL, `${WS_TOKEN_PROTOCOL_PREFIX}${token}`],
  };
}
