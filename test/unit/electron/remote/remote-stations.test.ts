// The remote-station windows with Electron replaced by fakes: what window opens, in which
// session, with which certificate rule, and what the admin is told when it fails.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { certificateFingerprint } from '../../../../station/auth/tls.js';

type Listener = (...args: unknown[]) => void;

const fake = vi.hoisted(() => {
  class FakeEmitter {
    listeners = new Map<string, Listener[]>();
    on = (name: string, l: Listener) => {
      this.listeners.set(name, [...(this.listeners.get(name) ?? []), l]);
      return this;
    };
    once = this.on;
    emit(name: string, ...args: unknown[]): void {
      for (const l of this.listeners.get(name) ?? []) l(...args);
    }
  }
  class FakeSession {
    requestHandler: ((c: unknown, p: string, grant: (ok: boolean) => void) => void) | null = null;
    checkHandler: ((c: unknown, p: string) => boolean) | null = null;
    verifyProc:
      | ((r: { hostname: string; certificate: { data: string } }, cb: (v: number) => void) => void)
      | null = null;
    setPermissionRequestHandler = (h: FakeSession['requestHandler']) => (this.requestHandler = h);
    setPermissionCheckHandler = (h: FakeSession['checkHandler']) => (this.checkHandler = h);
    setCertificateVerifyProc = vi.fn((p: FakeSession['verifyProc']) => (this.verifyProc = p));
    clearStorageData = vi.fn(async () => undefined);
  }
  return {
    FakeEmitter,
    FakeSession,
    windows: [] as unknown[],
    sessions: new Map<string, InstanceType<typeof FakeSession>>(),
    handlers: new Map<string, (...args: unknown[]) => Promise<unknown>>(),
    showMessageBox: vi.fn(async () => ({ response: 0 })),
    openExternal: vi.fn(async () => undefined),
  };
});

vi.mock('electron', () => {
  class BrowserWindow extends fake.FakeEmitter {
    options: Record<string, unknown>;
    destroyed = false;
    webContents = Object.assign(new fake.FakeEmitter(), {
      openHandler: null as null | ((d: { url: string }) => unknown),
      setWindowOpenHandler(h: (d: { url: string }) => unknown) {
        this.openHandler = h;
      },
    });
    loadURL = vi.fn(async () => undefined);
    loadFile = vi.fn(async () => undefined);
    focus = vi.fn();
    show = vi.fn();
    restore = vi.fn();
    isMinimized = () => false;
    isDestroyed = () => this.destroyed;
    destroy = vi.fn(() => {
      this.destroyed = true;
      this.emit('closed');
    });
    close = vi.fn(() => this.destroy());
    constructor(options: Record<string, unknown>) {
      super();
      this.options = options;
      fake.windows.push(this);
    }
  }
  return {
    BrowserWindow,
    dialog: { showMessageBox: fake.showMessageBox },
    ipcMain: {
      handle: (channel: string, fn: (...args: unknown[]) => Promise<unknown>) =>
        fake.handlers.set(channel, fn),
      removeHandler: (channel: string) => fake.handlers.delete(channel),
    },
    session: {
      fromPartition: (name: string) => {
        const ses = fake.sessions.get(name) ?? new fake.FakeSession();
        fake.sessions.set(name, ses);
        return ses;
      },
    },
    shell: { openExternal: fake.openExternal },
  };
});

const { startRemoteStations } = await import('../../../../electron/remote/remote-stations.js');
const { connectChannels } = await import('../../../../electron/remote/connect-ipc.js');
const { rememberedStationsFileName } = await import('../../../../electron/remote/remembered.js');

interface FakeWindow {
  options: { webPreferences: Record<string, unknown>; title: string };
  destroyed: boolean;
  listeners: Map<string, Listener[]>;
  emit(name: string, ...args: unknown[]): void;
  webContents: {
    emit(name: string, ...args: unknown[]): void;
    listeners: Map<string, Listener[]>;
    openHandler: ((d: { url: string }) => unknown) | null;
  };
  loadURL: ReturnType<typeof vi.fn>;
  loadFile: ReturnType<typeof vi.fn>;
  focus: ReturnType<typeof vi.fn>;
  show: ReturnType<typeof vi.fn>;
  close: ReturnType<typeof vi.fn>;
}

let certDir = '';
let stationPem = '';
let impostorPem = '';
let pin = '';

function makeCertificate(name: string): string {
  const file = join(certDir, `${name}.crt`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', join(certDir, `${name}.key`), '-out', file, '-days', '2', '-subj', '/CN=dvsan',
  ], { stdio: 'ignore' }); // prettier-ignore
  return readFileSync(file, 'utf8');
}

beforeAll(() => {
  certDir = mkdtempSync(join(tmpdir(), 'dvsan-remote-cert-'));
  stationPem = makeCertificate('station');
  impostorPem = makeCertificate('impostor');
  pin = certificateFingerprint(stationPem);
});
afterAll(() => rmSync(certDir, { recursive: true, force: true }));

let dataDir = '';
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'dvsan-remote-'));
  fake.windows.length = 0;
  fake.sessions.clear();
  fake.handlers.clear();
  fake.showMessageBox.mockClear();
  fake.openExternal.mockClear();
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const connectPagePath = '/opt/dvsan/dist/electron/connect/connect.html';
const connectFrame = { url: `file://${connectPagePath}`, parent: null };
const windows = () => fake.windows as FakeWindow[];

async function start() {
  const onListChanged = vi.fn();
  const remote = await startRemoteStations({
    dataDir,
    connectPagePath,
    connectPreloadPath: '/opt/dvsan/dist/electron/connect-preload.cjs',
    onListChanged,
  });
  const ipc = (channel: string, ...args: unknown[]) =>
    fake.handlers.get(channel)!({ senderFrame: connectFrame }, ...args);
  const connect = (url: string, fingerprint = pin) =>
    ipc(connectChannels.connect, { url, fingerprint });
  return { remote, onListChanged, ipc, connect };
}

const stationWindow = (): FakeWindow => {
  const win = windows().find((w) => w.loadURL.mock.calls.length > 0);
  if (!win) throw new Error('no station window');
  return win;
};
const sessionOf = (win: FakeWindow) =>
  fake.sessions.get(String(win.options.webPreferences.partition))!;
const rememberedFile = () => join(dataDir, rememberedStationsFileName);

function verify(win: FakeWindow, hostname: string, pem: string): number {
  let result = 1;
  sessionOf(win).verifyProc!({ hostname, certificate: { data: pem } }, (v) => (result = v));
  return result;
}

describe('Connect to Station window', () => {
  it('opens the local connect page with its own preload, once', async () => {
    const { remote } = await start();
    remote.showConnectWindow();
    remote.showConnectWindow();
    expect(windows()).toHaveLength(1);
    const win = windows()[0]!;
    expect(win.options.webPreferences).toMatchObject({
      preload: '/opt/dvsan/dist/electron/connect-preload.cjs',
      contextIsolation: true,
      sandbox: true,
    });
    expect(win.loadFile).toHaveBeenCalledWith(connectPagePath);
    expect(win.focus).toHaveBeenCalledTimes(1);
    // The page cannot be navigated away from.
    const navigate = win.webContents.listeners.get('will-navigate')![0]!;
    const event = { preventDefault: vi.fn() };
    navigate(event, 'https://evil.example/');
    expect(event.preventDefault).toHaveBeenCalled();
  });
});

describe('a remote station window', () => {
  it('opens the station URL in a locked-down window of its own partition', async () => {
    const { remote, connect } = await start();
    remote.showConnectWindow();
    const connectWin = windows()[0]!;
    await expect(connect('san1.example:8443/')).resolves.toMatchObject({ ok: true });
    const win = stationWindow();
    expect(win.loadURL).toHaveBeenCalledWith('https://san1.example:8443');
    expect(win.options.title).toBe('dvsan — https://san1.example:8443');
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      partition: expect.stringMatching(/^persist:station-[0-9a-f]+$/),
    });
    expect(win.options.webPreferences).not.toHaveProperty('preload');
    expect(connectWin.close).toHaveBeenCalled();

    // Permissions: all refused.
    const ses = sessionOf(win);
    const grant = vi.fn();
    ses.requestHandler!(null, 'media', grant);
    ses.requestHandler!(null, 'clipboard-sanitized-write', grant);
    expect(grant.mock.calls).toEqual([[false], [false]]);
    expect(ses.checkHandler!(null, 'notifications')).toBe(false);

    // Navigation: held to the station's origin.
    const navigate = win.webContents.listeners.get('will-navigate')![0]!;
    const away = { preventDefault: vi.fn() };
    const within = { preventDefault: vi.fn() };
    navigate(away, 'https://san2.example:8443/');
    navigate(within, 'https://san1.example:8443/#/volumes');
    expect(away.preventDefault).toHaveBeenCalled();
    expect(within.preventDefault).not.toHaveBeenCalled();

    // The title keeps naming the station.
    const titled = { preventDefault: vi.fn() };
    win.emit('page-title-updated', titled, 'dvsan console');
    expect(titled.preventDefault).toHaveBeenCalled();
  });

  it('trusts only the pinned certificate, from the station host', async () => {
    const { connect } = await start();
    await connect('https://san1.example:8443');
    const win = stationWindow();
    expect(verify(win, 'san1.example', stationPem)).toBe(0);
    expect(verify(win, 'san1.example', impostorPem)).toBe(-2);
    expect(verify(win, 'cdn.example', stationPem)).toBe(-2);
  });

  it('names both fingerprints when the station shows another certificate, and forgets nothing', async () => {
    const { connect, onListChanged } = await start();
    await connect('https://san1.example:8443');
    const win = stationWindow();
    verify(win, 'san1.example', impostorPem);
    win.webContents.emit('did-fail-load', {}, -202, 'ERR_CERT_AUTHORITY_INVALID', 'x', true);
    expect(fake.showMessageBox).toHaveBeenCalledTimes(1);
    const options = fake.showMessageBox.mock.calls[0]!.at(-1) as unknown as {
      title: string;
      detail: string;
    };
    expect(options.title).toBe('Station certificate refused');
    expect(options.detail).toContain(certificateFingerprint(impostorPem));
    expect(options.detail).toContain(pin);
    expect(win.destroyed).toBe(true);
    expect(onListChanged).not.toHaveBeenCalled();
    expect(() => readFileSync(rememberedFile())).toThrow(/ENOENT/);
  });

  it('says when the station does not answer; ignores aborted and subframe loads', async () => {
    const { connect } = await start();
    await connect('https://san1.example:8443');
    const win = stationWindow();
    win.webContents.emit('did-fail-load', {}, -3, 'ERR_ABORTED', 'x', true);
    win.webContents.emit('did-fail-load', {}, -102, 'ERR_CONNECTION_REFUSED', 'x', false);
    expect(fake.showMessageBox).not.toHaveBeenCalled();
    // A refused certificate seen earlier does not explain a refused connection.
    verify(win, 'san1.example', impostorPem);
    win.webContents.emit('did-fail-load', {}, -102, 'ERR_CONNECTION_REFUSED', 'x', true);
    const options = fake.showMessageBox.mock.calls[0]!.at(-1) as unknown as {
      title: string;
      detail: string;
    };
    expect(options.title).toBe('Station not reachable');
    expect(options.detail).toMatch(
      /https:\/\/san1\.example:8443 did not answer: ERR_CONNECTION_REFUSED/,
    );
  });

  it('remembers a station once its page loaded, and reopens it from the list', async () => {
    const first = await start();
    await first.connect('https://san1.example:8443');
    stationWindow().webContents.emit('did-finish-load');
    stationWindow().webContents.emit('did-finish-load');
    await vi.waitFor(() => expect(() => readFileSync(rememberedFile())).not.toThrow());
    const saved = JSON.parse(readFileSync(rememberedFile(), 'utf8')) as { stations: unknown };
    expect(saved.stations).toEqual([{ url: 'https://san1.example:8443', fingerprint: pin }]);
    expect(first.onListChanged).toHaveBeenCalledTimes(1);
    expect(first.remote.list()).toEqual([{ url: 'https://san1.example:8443', fingerprint: pin }]);

    // The next start reads the file; Recent Stations reopens without the connect window.
    fake.windows.length = 0;
    const second = await start();
    expect(second.remote.list()).toEqual([{ url: 'https://san1.example:8443', fingerprint: pin }]);
    second.remote.openRemembered('https://san1.example:8443');
    second.remote.openRemembered('https://unknown.example');
    expect(windows()).toHaveLength(1);
    expect(stationWindow().loadURL).toHaveBeenCalledWith('https://san1.example:8443');
    expect(verify(stationWindow(), 'san1.example', stationPem)).toBe(0);
  });

  it('focuses an open station instead of opening it twice; another station gets another session', async () => {
    const { connect } = await start();
    await connect('https://san1.example:8443');
    await connect('https://san1.example:8443/#/tasks');
    expect(windows()).toHaveLength(1);
    expect(windows()[0]!.focus).toHaveBeenCalledTimes(1);
    await connect('https://san2.example:8443');
    expect(windows()).toHaveLength(2);
    const [a, b] = windows();
    expect(a!.options.webPreferences.partition).not.toBe(b!.options.webPreferences.partition);
    expect(fake.sessions.size).toBe(2);
  });

  it('forgetting a station closes its window and clears its cookies', async () => {
    const { connect, ipc, remote } = await start();
    await connect('https://san1.example:8443');
    const win = stationWindow();
    win.webContents.emit('did-finish-load');
    await vi.waitFor(() => expect(remote.list()).toHaveLength(1));
    await expect(ipc(connectChannels.forget, 'https://san1.example:8443')).resolves.toEqual({
      ok: true,
      result: null,
    });
    expect(remote.list()).toEqual([]);
    expect(win.close).toHaveBeenCalled();
    expect(sessionOf(win).clearStorageData).toHaveBeenCalledTimes(1);
    const saved = JSON.parse(readFileSync(rememberedFile(), 'utf8')) as { stations: unknown };
    expect(saved.stations).toEqual([]);
  });

  it('starts with an empty list when the remembered file is corrupt', async () => {
    writeFileSync(rememberedFile(), '{ not json');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { remote } = await start();
    expect(remote.list()).toEqual([]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/is not JSON/));
    warn.mockRestore();
  });
});
