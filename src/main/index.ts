/**
 * The Electron shell: app lifecycle, one secure window, native dialogs, and the contract bound
 * to IPC. The only module that imports 'electron'; everything else lives in the core.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  safeStorage,
  session,
  shell,
  type MenuItemConstructorOptions,
  type WebContents,
} from 'electron';
import { IPC } from '../shared/contract';
import { APP_INDEX_URL, APP_SCHEME, isAppUrl, resolveAppRequest } from './app-protocol';
import { Core, type ClientConnection } from './core';
import { devRendererUrl } from './dev-renderer';
import { createElectronSecretStore } from './secret-store-electron';
import { shellCsp } from './shell-csp';
import { mimeTypeOf } from './static-path';

/** Permissions the renderer may use; everything else (camera, geolocation, ...) is denied. */
const ALLOWED_PERMISSIONS = new Set(['notifications', 'clipboard-sanitized-write']);

const here = fileURLToPath(new URL('.', import.meta.url));
const PRELOAD = join(here, '../preload/index.cjs');
const RENDERER_DIR = join(here, '../renderer');
// The window icon on Linux when run from the folder; packages carry their own (electron-builder.yml).
const WINDOW_ICON = join(here, '../../resources/icon.png');
/** Flotilla's own agent, run inside a PTY by this binary with ELECTRON_RUN_AS_NODE (why that fuse stays on: scripts/electron-fuses.mjs). */
const OWN_AGENT = join(here, 'agent.js');
/** The in-sandbox bridge to the provider gateway (network mode 'provider'). */
const NET_BRIDGE = join(here, 'netBridge.js');
/** Set by `electron-vite dev`; ignored by every other build (vite makes DEV a constant). */
const DEV_URL = devRendererUrl({ devBuild: import.meta.env.DEV, packaged: app.isPackaged, url: process.env.ELECTRON_RENDERER_URL });
const DEV_ORIGIN = DEV_URL ? new URL(DEV_URL).origin : null;

// Before the app is ready: a standard, secure scheme gets a real origin, fetch and storage;
// CORS-enabled because Vite loads module scripts in CORS mode (our responses grant no other origin).
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true } },
]);

let core: Core | null = null;
let mainWindow: BrowserWindow | null = null;
let connection: ClientConnection | null = null;

/** True when `url` is our renderer: the built file, or the dev server in development. */
function isRendererUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (DEV_ORIGIN) return parsed.origin === DEV_ORIGIN;
  return isAppUrl(url);
}

/** Serves the built renderer on app://flotilla/, with its CSP; nothing outside it. */
async function serveApp(request: Request): Promise<Response> {
  const file = resolveAppRequest(RENDERER_DIR, request.url);
  if (file === null) return new Response(null, { status: 404 });
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405 });
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return new Response(null, { status: 404 });
  }
  return new Response(new Uint8Array(body), {
    headers: { 'Content-Type': mimeTypeOf(file), 'Content-Security-Policy': shellCsp(), 'X-Content-Type-Options': 'nosniff' },
  });
}

/** Only the main frame of our window, showing our renderer, may talk to the core. */
function checkSender(event: Electron.IpcMainEvent | Electron.IpcMainInvokeEvent): boolean {
  const win = mainWindow;
  const frame = event.senderFrame;
  if (!win || win.isDestroyed() || !frame) return false;
  if (event.sender !== win.webContents || frame !== win.webContents.mainFrame) return false;
  return isRendererUrl(frame.url);
}

/** Sqlite built for Electron's ABI by `npm run rebuild:electron` (or shipped in resources). */
function findSqliteBinding(): string | undefined {
  const candidates = [
    join(process.resourcesPath, 'electron', 'better_sqlite3.node'),
    join(app.getAppPath(), 'build', 'electron', 'better_sqlite3.node'),
  ];
  return candidates.find((p) => existsSync(p));
}

/** A fresh core connection for the window's current page; the previous one is released. */
function connectWindow(contents: WebContents): void {
  connection?.dispose();
  const c = core;
  if (!c) return;
  connection = c.connect({
    event: (name, payload) => {
      if (!contents.isDestroyed()) contents.send(IPC.event, name, payload);
    },
    terminalData: (agentId, data) => {
      if (!contents.isDestroyed()) contents.send(IPC.terminalData, agentId, data);
    },
  });
}

function registerIpc(): void {
  ipcMain.handle(IPC.invoke, async (event, method: unknown, params: unknown) => {
    if (!checkSender(event) || !connection) {
      return { ok: false, error: { code: 'internal', message: 'Refused a request from an unknown sender.' } };
    }
    return connection.invoke(method, params);
  });
  ipcMain.on(IPC.notify, (event, name: unknown, params: unknown) => {
    if (checkSender(event)) connection?.notify(name, params);
  });
}

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'Flotilla',
    backgroundColor: '#15171c',
    ...(existsSync(WINDOW_ICON) ? { icon: WINDOW_ICON } : {}),
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  mainWindow = win;
  const contents = win.webContents;

  // Each page load (first load, reload) gets its own connection: a reloaded page has no
  // terminal subscriptions, and unacknowledged bytes of the old page must not pause a PTY.
  contents.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument) connectWindow(contents);
  });
  contents.on('render-process-gone', () => {
    connection?.dispose();
    connection = null;
  });
  contents.on('will-navigate', (event, url) => {
    if (url === contents.getURL()) return;
    event.preventDefault();
    openExternally(url);
  });
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    connection?.dispose();
    connection = null;
    if (mainWindow === win) mainWindow = null;
  });

  void win.loadURL(DEV_URL ?? APP_INDEX_URL);
}

/** Links to the web open in the user's browser; anything else is ignored. */
function openExternally(url: string): void {
  try {
    const { protocol } = new URL(url);
    if (protocol === 'https:' || protocol === 'http:') void shell.openExternal(url);
  } catch {
    // Not a URL: nothing to open.
  }
}

function hardenSession(): void {
  const ses = session.defaultSession;
  ses.protocol.handle(APP_SCHEME, serveApp);
  // The dev server's responses get the (looser) development policy; app:// sets its own.
  if (DEV_ORIGIN) {
    const devCsp = shellCsp(DEV_ORIGIN);
    ses.webRequest.onHeadersReceived((details, callback) => {
      if (!isRendererUrl(details.url)) return callback({ responseHeaders: details.responseHeaders });
      const headers = { ...details.responseHeaders };
      for (const key of Object.keys(headers)) if (key.toLowerCase() === 'content-security-policy') delete headers[key];
      headers['Content-Security-Policy'] = [devCsp];
      callback({ responseHeaders: headers });
    });
  }
  ses.setPermissionRequestHandler((_contents, permission, callback) => callback(ALLOWED_PERMISSIONS.has(permission)));
  ses.setPermissionCheckHandler((_contents, permission) => ALLOWED_PERMISSIONS.has(permission));
}

function buildMenu(): void {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' } as const] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{ label: 'About Flotilla', click: () => app.showAboutPanel() }],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

async function pickFolder(): Promise<string | null> {
  const options: Electron.OpenDialogOptions = { title: 'Open a repository', properties: ['openDirectory'] };
  const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

function focusMainWindow(): void {
  if (!mainWindow) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

async function start(): Promise<void> {
  await app.whenReady();
  hardenSession();
  buildMenu();
  try {
    core = await Core.create({
      mode: 'electron',
      version: app.getVersion(),
      dataDir: app.getPath('userData'),
      pickFolder,
      openFolder: async (path) => {
        const failure = await shell.openPath(path);
        if (failure) throw new Error(`could not open ${path}: ${failure}`);
      },
      sqliteNativeBinding: findSqliteBinding(),
      secretStore: createElectronSecretStore(safeStorage, join(app.getPath('userData'), 'keys.electron.json')),
      ownAgentEntry: existsSync(OWN_AGENT) ? OWN_AGENT : null,
      netBridgeEntry: existsSync(NET_BRIDGE) ? NET_BRIDGE : null,
    });
  } catch (err) {
    dialog.showErrorBox('Flotilla could not start', err instanceof Error ? err.message : String(err));
    app.exit(1);
    return;
  }
  registerIpc();
  createWindow();
  app.on('activate', () => {
    if (!mainWindow) createWindow();
  });
}

if (!app.requestSingleInstanceLock()) {
  // Another Flotilla owns the database; it focuses its window (see 'second-instance').
  app.quit();
} else {
  app.on('second-instance', focusMainWindow);

  // Nothing else may open windows or embed guests, whatever the renderer tries.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Electron does not wait for async 'before-quit' handlers: hold the quit, dispose the core
  // (agents stopped, transcripts flushed, database closed last), then exit for real.
  let quitting = false;
  app.on('before-quit', (event) => {
    event.preventDefault();
    if (quitting) return;
    quitting = true;
    // The core keeps to its one shutdown deadline (SHUTDOWN_DEADLINE_MS in core/lifecycle.ts).
    const disposing = core ? core.dispose() : Promise.resolve();
    void disposing.catch((err: unknown) => console.error('flotilla: shutdown failed', err)).finally(() => app.exit(0));
  });

  void start().catch((err: unknown) => {
    console.error('flotilla: failed to start', err);
    app.exit(1);
  });
}
