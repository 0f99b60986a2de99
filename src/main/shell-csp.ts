/**
 * The desktop app's Content-Security-Policy. The renderer talks to the core only over IPC, so
 * `connect-src` allows nothing but its own origin (Monaco and xterm load their parts from it);
 * in development Vite's dev server adds its HMR WebSocket and an inline React-refresh script.
 */
import { rendererCsp } from '../shared/csp';

/** The policy for the packaged renderer, or for the dev server at `devOrigin`. */
export function shellCsp(devOrigin: string | null = null): string {
  return devOrigin ? rendererCsp({ connect: [devOrigin.replace(/^http/, 'ws')], inlineScripts: true }) : rendererCsp();
}
