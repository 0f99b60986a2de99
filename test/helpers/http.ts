/**
 * Small HTTP and WebSocket probes for the web-mode security tests.
 */
import WebSocket from 'ws';

/** Tries a WebSocket upgrade; resolves 'open' or the refusal's HTTP status (0 for a network error). */
export function tryUpgrade(url: string, headers: Record<string, string>): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', () => resolve(0));
  });
}
