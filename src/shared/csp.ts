/**
 * The renderer's Content-Security-Policy, the one policy for every way the page is served: the
 * desktop app (app://), Vite's dev server and the web server. It is sent as a response header
 * only (index.html carries no copy, which would silently tighten or contradict it). What differs
 * is where the page may connect and whether inline scripts run (Vite's React refresh, dev only).
 */

/** The policy, with `connect` the origins allowed besides the page's own (a WebSocket, in web mode). */
export function rendererCsp(opts: { connect?: string[]; inlineScripts?: boolean } = {}): string {
  return [
    "default-src 'self'",
    opts.inlineScripts ? "script-src 'self' 'unsafe-inline'" : "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "worker-src 'self' blob:",
    ["connect-src 'self'", ...(opts.connect ?? [])].join(' '),
    "img-src 'self' data:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
