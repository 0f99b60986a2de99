/**
 * The desktop app's Content-Security-Policy. The renderer talks to the core only over IPC, so
 * `connect-src` allows nothing but its own origin (Monaco and xterm load their parts from it);
 * in development Vite's dev server adds its HMR WebSocket and an inline React-refresh script.
 */

/** The policy for the packaged renderer, or for the dev server at `devOrigin`. */
export function shellCsp(devOrigin: string | null = null): string {
  const script = devOrigin ? "script-src 'self' 'unsafe-inline'" : "script-src 'self'";
  const connect = devOrigin ? `connect-src 'self' ${devOrigin.replace(/^http/, 'ws')}` : "connect-src 'self'";
  return [
    "default-src 'self'",
    script,
    "style-src 'self' 'unsafe-inline'",
    "worker-src 'self' blob:",
    connect,
    "img-src 'self' data:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
