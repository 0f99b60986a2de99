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

let client: FlotillaClient | undefined;

/** The client for this page (created on first use). */
export function getClient(): FlotillaClient {
  client ??= window.flotilla ? createIpcClient(window.flotilla) : createWsClient({ url: webSocketUrl(takeToken()) });
  return client;
}

/**
 * The web-mode token: taken from `?token=` on first load and kept in sessionStorage (so a
 * reload works even if another Flotilla's cookie replaced ours), then removed from the address
 * bar so it does not linger in history or get shared in a screenshot.
 */
export function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      window.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // Storage disabled: the HttpOnly cookie still carries the token.
    }
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function webSocketUrl(token: string | null): string {
  const { protocol, host } = window.location;
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}/ws${query}`;
}
