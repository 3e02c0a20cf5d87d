// Wiring of the main process, with Electron and the station replaced by fakes: single-instance
// lock, IPC registered against the station, events fanned out to windows, secure window
// options, station closed before the app quits.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { Menu } from 'electron';
import type { StationEvent } from '../../../protocol/station-api.js';

type Listener = (...args: unknown[]) => void;

const fake = vi.hoisted(() => {
  const state = {
    userData: '',
    hasLock: true,
    appListeners: new Map<string, Listener>(),
    handlers: new Map<string, (...args: unknown[]) => Promise<unknown>>(),
    windows: [] as Array<{
      options: Record<string, unknown>;
      webContents: { send: ReturnType<typeof vi.fn>; isDestroyed: () => boolean };
      loadFile: ReturnType<typeof vi.fn>;
      focus: ReturnType<typeof vi.fn>;
    }>,
    stationListeners: new Set<(e: unknown) => void>(),
    station: {
      transport: {
        call: vi.fn(async (method: string) => ({ ok: true, result: { method } })),
        subscribe: vi.fn(),
      },
      close: vi.fn(async () => undefined),
    },
    startStation: vi.fn(),
    forked: [] as unknown[][],
    quit: vi.fn(),
  };
  return state;
});

vi.mock('../../../electron/station-host.js', () => ({ startStation: fake.startStation }));

vi.mock('electron', () => {
  class BrowserWindow {
    options: Record<string, unknown>;
    webContents = {
      send: vi.fn(),
      isDestroyed: () => false,
      setWindowOpenHandler: vi.fn(),
      on: vi.fn(),
    };
    loadFile = vi.fn(async () => undefined);
    focus = vi.fn();
    show = vi.fn();
    restore = vi.fn();
    maximize = vi.fn();
    isMinimized = () => false;
    isMaximized = () => false;
    getNormalBounds = () => ({ x: 0, y: 0, width: 1280, height: 800 });
    once = vi.fn();
    on = vi.fn();
    constructor(options: Record<string, unknown>) {
      this.options = options;
      fake.windows.push(this);
    }
    static getAllWindows = () => fake.windows;
    static getFocusedWindow = () => null;
  }
  return {
    BrowserWindow,
    app: {
      requestSingleInstanceLock: () => fake.hasLock,
      on: (name: string, l: Listener) => fake.appListeners.set(name, l),
      whenReady: () => Promise.resolve(),
      getPath: () => fake.userData,
      getVersion: () => '0.1.0',
      setName: vi.fn(),
      isPackaged: false,
      quit: fake.quit,
      exit: vi.fn(),
    },
    ipcMain: {
      handle: (channel: string, fn: (...args: unknown[]) => Promise<unknown>) =>
        fake.handlers.set(channel, fn),
      removeHandler: (channel: string) => fake.handlers.delete(channel),
    },
    Menu: { buildFromTemplate: vi.fn((t: unknown) => t), setApplicationMenu: vi.fn() },
    dialog: { showErrorBox: vi.fn(), showMessageBox: vi.fn(async () => ({ response: 0 })) },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    // No keychain here: the station keeps its own 0600 key file.
    safeStorage: { isAsyncEncryptionAvailable: async () => false },
    utilityProcess: { fork: (...args: unknown[]) => fake.forked.push(args) },
    session: {
      defaultSession: { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() },
    },
    shell: { openExternal: vi.fn(async () => undefined) },
  };
});

async function loadMain(): Promise<void> {
  vi.resetModules();
  await import('../../../electron/main.js');
  await vi.waitFor(() => {
    if (fake.hasLock && fake.windows.length === 0) throw new Error('window not created yet');
  });
}

beforeEach(() => {
  fake.userData = mkdtempSync(join(tmpdir(), 'dvsan-main-'));
  fake.hasLock = true;
  fake.appListeners.clear();
  fake.handlers.clear();
  fake.windows.length = 0;
  fake.stationListeners.clear();
  fake.quit.mockReset();
  fake.station.close.mockClear();
  fake.station.transport.call.mockClear();
  fake.station.transport.subscribe.mockReset();
  fake.station.transport.subscribe.mockImplementation((l: (e: unknown) => void) => {
    fake.stationListeners.add(l);
    return () => fake.stationListeners.delete(l);
  });
  fake.startStation.mockReset();
  fake.startStation.mockResolvedValue(fake.station);
});
afterEach(() => rmSync(fake.userData, { recursive: true, force: true }));

describe('electron main', () => {
  it('opens the station in userData and one sandboxed window on dist/renderer/index.html', async () => {
    await loadMain();
    // The station runs in a utility process started from the bundle next to main's.
    expect(fake.startStation).toHaveBeenCalledWith(
      { dataDir: fake.userData },
      expect.any(Function),
      expect.stringMatching(/station-process\.cjs$/),
    );
    const fork = fake.startStation.mock.calls[0]![1] as (path: string) => unknown;
    fork('/x/station-process.cjs');
    expect(fake.forked).toEqual([['/x/station-process.cjs', [], { serviceName: 'dvsan station' }]]);
    expect(fake.windows).toHaveLength(1);
    const win = fake.windows[0]!;
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    });
    expect(String((win.options.webPreferences as { preload: string }).preload)).toMatch(
      /preload\.cjs$/,
    );
    expect(String(win.loadFile.mock.calls[0]?.[0]).replaceAll('\\', '/')).toMatch(
      /renderer\/index\.html$/,
    );
  });

  it('answers dvsan:call from its own page and refuses others', async () => {
    await loadMain();
    const handler = fake.handlers.get('dvsan:call')!;
    const page = `file://${String(fake.windows[0]!.loadFile.mock.calls[0]?.[0]).replaceAll('\\', '/')}`;
    const own = { senderFrame: { url: new URL(page).href, parent: null } };
    await expect(handler(own, 'station/info', {})).resolves.toEqual({
      ok: true,
      result: { method: 'station/info' },
    });
    await expect(handler(own, 'shell/exec', {})).resolves.toMatchObject({
      ok: false,
      error: { code: 'invalid-params' },
    });
    const foreign = { senderFrame: { url: 'https://evil.example/', parent: null } };
    await expect(handler(foreign, 'station/info', {})).resolves.toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(fake.station.transport.call).toHaveBeenCalledTimes(1);
  });

  it('subscribes to the station once and forwards events to every window', async () => {
    await loadMain();
    expect(fake.station.transport.subscribe).toHaveBeenCalledTimes(1);
    const event: StationEvent = { type: 'node.removed', id: 'n1' };
    fake.stationListeners.forEach((l) => l(event));
    expect(fake.windows[0]!.webContents.send).toHaveBeenCalledWith('dvsan:event', event);
  });

  it('focuses the existing window when a second instance starts', async () => {
    await loadMain();
    fake.appListeners.get('second-instance')?.();
    expect(fake.windows).toHaveLength(1);
    expect(fake.windows[0]!.focus).toHaveBeenCalled();
  });

  it('quits at once without starting a station when another instance holds the lock', async () => {
    fake.hasLock = false;
    await loadMain();
    expect(fake.quit).toHaveBeenCalled();
    expect(fake.startStation).not.toHaveBeenCalled();
    expect(fake.windows).toHaveLength(0);
  });

  it('closes the station once before letting the app quit', async () => {
    await loadMain();
    const willQuit = fake.appListeners.get('will-quit')!;
    const first = { preventDefault: vi.fn() };
    willQuit(first);
    willQuit({ preventDefault: vi.fn() }); // a second quit request while closing
    expect(first.preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(fake.quit).toHaveBeenCalledTimes(1));
    expect(fake.station.close).toHaveBeenCalledTimes(1);
    const last = { preventDefault: vi.fn() };
    willQuit(last); // the app.quit() issued after closing goes through
    expect(last.preventDefault).not.toHaveBeenCalled();
  });

  it('File → Connect to Station… opens the connect window with its own preload', async () => {
    await loadMain();
    const file = fileMenu();
    const connect = file.find((i) => i.label === 'Connect to Station…')!;
    (connect.click as () => void)();
    expect(fake.windows).toHaveLength(2);
    const win = fake.windows[1]!;
    const web = win.options.webPreferences as Record<string, unknown>;
    expect(String(web.preload)).toMatch(/connect-preload\.cjs$/);
    expect(web).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(String(win.loadFile.mock.calls[0]?.[0]).replaceAll('\\', '/')).toMatch(
      /connect\/connect\.html$/,
    );
    // Its three calls are registered, next to the console's one.
    expect([...fake.handlers.keys()].sort()).toEqual([
      'dvsan-connect:connect',
      'dvsan-connect:forget',
      'dvsan-connect:list',
      'dvsan:call',
    ]);
    // Station events go to the console window only.
    fake.stationListeners.forEach((l) => l({ type: 'node.removed', id: 'n1' }));
    expect(fake.windows[0]!.webContents.send).toHaveBeenCalledTimes(1);
    expect(win.webContents.send).not.toHaveBeenCalled();
  });

  it('lists the remembered stations under File → Recent Stations', async () => {
    const pin = `SHA256:${'AB:'.repeat(31)}AB`;
    writeFileSync(
      join(fake.userData, 'remote-stations.json'),
      JSON.stringify({
        version: 1,
        stations: [{ url: 'https://san1.example:8443', fingerprint: pin }],
      }),
    );
    await loadMain();
    const recent = fileMenu().find((i) => i.label === 'Recent Stations')!;
    expect((recent.submenu as MenuItemConstructorOptions[]).map((i) => i.label)).toEqual([
      'https://san1.example:8443',
    ]);
  });
});

/** The File menu of the last application menu main installed. */
function fileMenu(): MenuItemConstructorOptions[] {
  const calls = vi.mocked(Menu.setApplicationMenu).mock.calls;
  const template = calls.at(-1)?.[0] as unknown as MenuItemConstructorOptions[];
  const file = template.find((i) => i.label?.replace('&', '') === 'File');
  return (file?.submenu ?? []) as MenuItemConstructorOptions[];
}
