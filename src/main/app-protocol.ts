/**
 * The desktop app's renderer is served from `app://flotilla/`, a privileged custom scheme,
 * rather than from file://: a file:// page shares its origin with every local file and would
 * be allowed to read them; this origin holds only the built renderer. Pure functions here;
 * index.ts registers the scheme with Electron.
 */
import { rawPathEscapes, resolveStaticPath } from './static-path';

/** The scheme; registered as standard and secure before the app is ready. */
export const APP_SCHEME = 'app';
/** The one host the scheme answers for. */
export const APP_HOST = 'flotilla';
/** The page the window loads. */
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** True when `url` is on our scheme and host (a custom scheme's URL origin is "null" in Node). */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * The file in `rendererDir` that an app:// request names, or null for another scheme or host,
 * a path that would leave the folder (plain, percent-encoded or with backslashes), or a bad URL.
 */
export function resolveAppRequest(rendererDir: string, url: string): string | null {
  if (!isAppUrl(url)) return null;
  // The URL parser removes `..` segments; the raw path is checked so traversal is refused.
  const rawPath = url.slice(`${APP_SCHEME}://${APP_HOST}`.length);
  if (!rawPath.startsWith('/') || rawPathEscapes(rawPath)) return null;
  return resolveStaticPath(rendererDir, new URL(url).pathname);
}
