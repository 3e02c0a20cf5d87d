// Windows onto headless stations and the small window that connects to them. Each station
// gets its own session partition with a pinned certificate, no permissions and navigation
// held to its origin; the list of remembered stations lives in userData.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow, dialog, ipcMain, session, shell } from 'electron';
import { ownFrameCheck } from '../ipc.js';
import { guardNavigation, guardOrigin } from '../navigation.js';
import { registerConnectIpc } from './connect-ipc.js';
import { pinnedVerifyProc, refusalText, type Refusal } from './pinning.js';
import {
  forgetStation,
  loadRememberedStations,
  rememberedStationsFileName,
  rememberStation,
  saveRememberedStations,
} from './remembered.js';
import { connectWindowOptions, remoteWindowOptions } from './remote-window.js';
import { stationPartition, type RemoteStation } from './station-url.js';

export interface RemoteStationsOptions {
  dataDir: string;
  /** dist/electron/connect/connect.html */
  connectPagePath: string;
  /** dist/electron/connect-preload.cjs */
  connectPreloadPath: string;
  /** Called whenever the remembered list changes (main rebuilds the Recent Stations menu). */
  onListChanged(stations: readonly RemoteStation[]): void;
}

export interface RemoteStations {
  /** The remembered stations, most recent first. */
  list(): readonly RemoteStation[];
  showConnectWindow(): void;
  /** Opens (or focuses) the window of a remembered station. */
  openRemembered(url: string): void;
}

/** Chromium's "aborted": a load replaced by another one, not a failure to report. */
const loadAborted = -3;

export async function startRemoteStations(opts: RemoteStationsOptions): Promise<RemoteStations> {
  const file = join(opts.dataDir, rememberedStationsFileName);
  const loaded = await loadRememberedStations(file);
  if (loaded.problem) console.warn(`dvsan: ${loaded.problem}`);
  let stations = loaded.stations;
  const windows = new Map<string, BrowserWindow>();
  const prepared = new Set<string>();
  const refusals = new Map<string, Refusal>();
  let connectWindow: BrowserWindow | null = null;
  const connectPageUrl = pathToFileURL(opts.connectPagePath).href;
  const openExternal = (url: string): Promise<void> => shell.openExternal(url);

  // Saves run one after another, so the file always ends with the latest list.
  let saving: Promise<void> = Promise.resolve();
  const store = (next: RemoteStation[]): Promise<void> => {
    stations = next;
    opts.onListChanged(stations);
    const save = saving.then(() => saveRememberedStations(file, next));
    saving = save.catch(() => undefined);
    return save;
  };

  /** Once per partition: no permissions, and only the pinned certificate. */
  const prepareSession = (station: RemoteStation, partition: string): void => {
    if (prepared.has(partition)) return;
    prepared.add(partition);
    const ses = session.fromPartition(partition);
    ses.setPermissionRequestHandler((_contents, _permission, grant) => grant(false));
    ses.setPermissionCheckHandler(() => false);
    ses.setCertificateVerifyProc(
      pinnedVerifyProc(station, (refusal) => refusals.set(partition, refusal)),
    );
  };

  // Not parented: the failed window is destroyed as the box opens.
  const showError = (title: string, detail: string): void => {
    void dialog.showMessageBox({ type: 'error', title, message: title, detail, buttons: ['OK'] });
  };

  const open = (station: RemoteStation): BrowserWindow => {
    const partition = stationPartition(station);
    const existing = windows.get(partition);
    if (existing && !existing.isDestroyed()) {
      if (existing.isMinimized()) existing.restore();
      existing.focus();
      return existing;
    }
    prepareSession(station, partition);
    const win = new BrowserWindow(remoteWindowOptions(station));
    windows.set(partition, win);
    const contents = win.webContents;
    guardOrigin(contents, station.url, openExternal);
    // The title names the station, whatever the page calls itself.
    win.on('page-title-updated', (event) => event.preventDefault());
    win.once('ready-to-show', () => win.show());
    win.on('closed', () => {
      if (windows.get(partition) === win) windows.delete(partition);
    });
    let remembered = false;
    contents.on('did-finish-load', () => {
      // Remembered once its page loaded: a mistyped address never lands in the menu.
      if (remembered) return;
      remembered = true;
      void store(rememberStation(stations, station)).catch((err: unknown) =>
        console.error('dvsan: could not save the remembered stations', err),
      );
    });
    contents.on('did-fail-load', (_event, code, description, _url, isMainFrame) => {
      if (!isMainFrame || code === loadAborted) return;
      // Chromium's certificate errors are -200 to -299; only those are explained by a refusal.
      const refusal = code <= -200 && code > -300 ? refusals.get(partition) : undefined;
      const detail = refusal
        ? refusalText(station, refusal)
        : `${station.url} did not answer: ${description} (${code}).`;
      showError(refusal ? 'Station certificate refused' : 'Station not reachable', detail);
      win.destroy();
    });
    void win.loadURL(station.url).catch(() => undefined); // failures arrive as did-fail-load
    return win;
  };

  registerConnectIpc(
    ipcMain,
    {
      connect: async (station) => {
        open(station);
        connectWindow?.close();
      },
      list: async () => [...stations],
      forget: async (url) => {
        const gone = stations.filter((s) => s.url === url);
        await store(forgetStation(stations, url));
        // Forgetting signs out: the station's cookies and storage go with it.
        for (const station of gone) {
          const partition = stationPartition(station);
          windows.get(partition)?.close();
          await session.fromPartition(partition).clearStorageData();
        }
      },
    },
    ownFrameCheck(connectPageUrl),
  );

  return {
    list: () => stations,
    showConnectWindow() {
      if (connectWindow && !connectWindow.isDestroyed()) {
        connectWindow.focus();
        return;
      }
      const win = new BrowserWindow(connectWindowOptions(opts.connectPreloadPath));
      connectWindow = win;
      guardNavigation(win.webContents, connectPageUrl, openExternal);
      win.once('ready-to-show', () => win.show());
      win.on('closed', () => {
        if (connectWindow === win) connectWindow = null;
      });
      void win.loadFile(opts.connectPagePath);
    },
    openRemembered(url) {
      const station = stations.find((s) => s.url === url);
      if (station) open(station);
    },
  };
}
