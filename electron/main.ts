// Electron main process: one window onto the console; the station core runs in a utility
// process (station-host.ts) and main relays the console's IPC to it.
// Bundled by esbuild to dist/electron/main.cjs (CommonJS, so __dirname is the bundle's folder).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BrowserWindow,
  Menu,
  app,
  dialog,
  ipcMain,
  safeStorage,
  screen,
  session,
  shell,
  utilityProcess,
} from 'electron';
import { forwardStationEvents, ownFrameCheck, registerStationIpc } from './ipc.js';
import { aboutText, menuTemplate } from './menu.js';
import { guardNavigation, isAllowedPermission } from './navigation.js';
import { startRemoteStations, type RemoteStations } from './remote/remote-stations.js';
import { startStation, type HostedStation } from './station-host.js';
import { desktopSecretKey } from './secret-key.js';
import { windowOptions } from './window.js';
import {
  captureWindowState,
  loadWindowState,
  saveWindowState,
  windowStateFileName,
} from './window-state.js';

const appName = 'dvsan';
const rendererIndex = join(__dirname, '..', 'renderer', 'index.html');
const appPageUrl = pathToFileURL(rendererIndex).href;
const preloadPath = join(__dirname, 'preload.cjs');
const connectPagePath = join(__dirname, 'connect', 'connect.html');
const connectPreloadPath = join(__dirname, 'connect-preload.cjs');
/** Name of the agent bundle in dist/agent/; the station pushes this file to nodes over SSH. */
const agentBundleName = 'dvsan-agent.cjs';
/** How long quitting waits for the station to close before giving up on it. */
const closeTimeoutMs = 10_000;

let mainWindow: BrowserWindow | null = null;
let station: HostedStation | null = null;
let remote: RemoteStations | null = null;
/** Set once quitting has begun; the station is closed exactly once. */
let quitting: Promise<void> | null = null;

function windowStateFile(): string {
  return join(app.getPath('userData'), windowStateFileName);
}

function workAreas() {
  return screen.getAllDisplays().map((d) => d.workArea);
}

function createWindow(): BrowserWindow {
  const state = loadWindowState(windowStateFile(), workAreas());
  const win = new BrowserWindow(windowOptions(preloadPath, state));
  guardNavigation(win.webContents, appPageUrl, (url) => shell.openExternal(url));
  win.once('ready-to-show', () => {
    if (state.maximized) win.maximize();
    win.show();
  });
  // Saved on close, not on every resize: one small write, and the state is read only at start.
  win.on('close', () => {
    saveWindowState(windowStateFile(), captureWindowState(win));
  });
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadFile(rendererIndex);
  return win;
}

function showAbout(): void {
  const { message, detail } = aboutText(
    appName,
    app.getVersion(),
    process.versions.electron ?? 'unknown',
  );
  const options = {
    type: 'info' as const,
    title: `About ${appName}`,
    message,
    detail,
    buttons: ['OK'],
  };
  const parent = BrowserWindow.getFocusedWindow();
  void (parent ? dialog.showMessageBox(parent, options) : dialog.showMessageBox(options));
}

/** Built again whenever the remembered stations change (File → Recent Stations). */
function installMenu(): void {
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate({
        appName,
        version: app.getVersion(),
        isMac: process.platform === 'darwin',
        showAbout,
        remote: {
          recent: remote?.list() ?? [],
          showConnect: () => remote?.showConnectWindow(),
          openRecent: (url) => remote?.openRemembered(url),
        },
      }),
    ),
  );
}

function focusMainWindow(): void {
  // Before the station is up, start() is about to open the window itself.
  if (!station) return;
  if (!mainWindow) {
    mainWindow = createWindow();
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

/** The agent bundle must be a real file (it is copied to nodes), so it is unpacked from asar. */
function agentBundlePath(): string | undefined {
  if (!app.isPackaged) return undefined; // from a checkout the station finds dist/agent itself
  return join(__dirname, '..', 'agent', agentBundleName).replace(
    /app\.asar(?=[\\/])/,
    'app.asar.unpacked',
  );
}

async function start(): Promise<void> {
  app.setName(appName);
  session.defaultSession.setPermissionRequestHandler((_contents, permission, grant) =>
    grant(isAllowedPermission(permission)),
  );
  session.defaultSession.setPermissionCheckHandler((_contents, permission) =>
    isAllowedPermission(permission),
  );
  remote = await startRemoteStations({
    dataDir: app.getPath('userData'),
    connectPagePath,
    connectPreloadPath,
    onListChanged: installMenu,
  });
  installMenu();

  const bundle = agentBundlePath();
  const dataDir = app.getPath('userData');
  const secretKey = await desktopSecretKey(safeStorage, dataDir);
  const started = await startStation(
    {
      dataDir,
      ...(bundle === undefined ? {} : { agentBundlePath: bundle }),
      ...(secretKey ? { secretKey } : {}),
    },
    (modulePath) => utilityProcess.fork(modulePath, [], { serviceName: 'dvsan station' }),
    join(__dirname, 'station-process.cjs'),
  );
  if (quitting) {
    // The user quit while the station was opening: close it rather than leak it.
    await started.close();
    return;
  }
  station = started;

  registerStationIpc(ipcMain, station.transport, ownFrameCheck(appPageUrl));
  // Only the console window: remote-station and connect windows have no use for local events.
  forwardStationEvents(station.transport, () => (mainWindow ? [mainWindow.webContents] : []));
  mainWindow = createWindow();
}

function closeStation(): Promise<void> {
  const closing = station?.close() ?? Promise.resolve();
  station = null;
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, closeTimeoutMs).unref());
  return Promise.race([
    closing.catch((err: unknown) => console.error('dvsan: closing the station failed', err)),
    timeout,
  ]);
}

if (!app.requestSingleInstanceLock()) {
  // Another dvsan owns the data directory; it gets focus (via 'second-instance') and we leave.
  app.quit();
} else {
  app.on('second-instance', focusMainWindow);
  app.on('activate', focusMainWindow);
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let quitReady = false;
  app.on('will-quit', (event) => {
    if (quitReady) return;
    // Hold the quit until the station has flushed its database and stopped its tasks.
    event.preventDefault();
    if (quitting) return;
    quitting = closeStation().finally(() => {
      quitReady = true;
      app.quit();
    });
  });

  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      dialog.showErrorBox(
        'dvsan could not start',
        err instanceof Error ? err.message : String(err),
      );
      app.exit(1);
    });
}
