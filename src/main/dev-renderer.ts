/**
 * `electron-vite dev` points the window at its dev server through ELECTRON_RENDERER_URL. Any
 * other build must ignore that variable: whoever sets it would choose the page that receives
 * the preload bridge, and with it the whole contract.
 */

/**
 * The dev server's URL when this is a development build (`electron-vite dev`), unpackaged,
 * and the URL is plain http on this machine; otherwise null.
 */
export function devRendererUrl(opts: { devBuild: boolean; packaged: boolean; url: string | undefined }): string | null {
  if (!opts.devBuild || opts.packaged || !opts.url) return null;
  let parsed: URL;
  try {
    parsed = new URL(opts.url);
  } catch {
    return null;
  }
  const loopback = parsed.hostname === 'localhost' || parsed.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(parsed.hostname);
  return parsed.protocol === 'http:' && loopback ? parsed.href : null;
}
