import { beforeEach, describe, expect, it, vi } from 'vitest';
import { callChannel, eventChannel } from '../../../electron/ipc.js';

// The preload runs its exposeInMainWorld at import; each test loads a fresh copy against a
// fresh fake of the two Electron objects a sandboxed preload can reach.
const electron = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  ipcListeners: new Map<string, Set<(...args: unknown[]) => void>>(),
  invoke: vi.fn(),
}));

vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (key: string, api: unknown) => electron.exposed.set(key, api),
  },
  ipcRenderer: {
    invoke: (...args: unknown[]) => electron.invoke(...args),
    on: (channel: string, listener: (...args: unknown[]) => void) => {
      const set = electron.ipcListeners.get(channel) ?? new Set();
      set.add(listener);
      electron.ipcListeners.set(channel, set);
    },
    removeListener: (channel: string, listener: (...args: unknown[]) => void) => {
      electron.ipcListeners.get(channel)?.delete(listener);
    },
  },
}));

interface Exposed {
  call(method: string, params: unknown): Promise<unknown>;
  subscribe(listener: (event: unknown) => void): () => void;
}

async function loadPreload(): Promise<Exposed> {
  vi.resetModules();
  electron.exposed.clear();
  electron.ipcListeners.clear();
  await import('../../../electron/preload.js');
  return electron.exposed.get('dvsanStation') as Exposed;
}

/** What main's webContents.send would deliver: the IpcRendererEvent first, then the payload. */
function emit(payload: unknown): void {
  const fakeIpcEvent = { sender: { secret: 'ipcRenderer' }, senderId: 0 };
  for (const l of electron.ipcListeners.get(eventChannel) ?? []) l(fakeIpcEvent, payload);
}

const listenerCount = (): number => electron.ipcListeners.get(eventChannel)?.size ?? 0;

describe('preload', () => {
  beforeEach(() => {
    electron.invoke.mockReset();
    electron.invoke.mockResolvedValue({ ok: true, result: { version: '1' } });
  });

  it('exposes exactly one key, dvsanStation, with exactly call and subscribe', async () => {
    const api = await loadPreload();
    expect([...electron.exposed.keys()]).toEqual(['dvsanStation']);
    expect(Object.keys(api).sort()).toEqual(['call', 'subscribe']);
    expect(typeof api.call).toBe('function');
    expect(typeof api.subscribe).toBe('function');
  });

  it('call forwards to ipcRenderer.invoke on the call channel with method and params', async () => {
    const api = await loadPreload();
    const answer = await api.call('node/get', { id: 'n1' });
    expect(electron.invoke).toHaveBeenCalledTimes(1);
    expect(electron.invoke).toHaveBeenCalledWith(callChannel, 'node/get', { id: 'n1' });
    expect(callChannel).toBe('dvsan:call');
    expect(answer).toEqual({ ok: true, result: { version: '1' } });
  });

  it('subscribe forwards only valid events, as plain data without the IPC event', async () => {
    const api = await loadPreload();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const seen: unknown[][] = [];
    api.subscribe((...args) => seen.push(args));
    expect(listenerCount()).toBe(1);

    emit({ type: 'node.removed', id: 'n1' });
    emit({ type: 'node.removed' }); // missing id
    emit({ type: 'volume.exploded', id: 'n2' }); // unknown type
    emit('not an object');
    emit({ type: 'node.removed', id: 'n3', sender: 'smuggled' }); // extra keys are stripped

    expect(seen).toEqual([
      [{ type: 'node.removed', id: 'n1' }],
      [{ type: 'node.removed', id: 'n3' }],
    ]);
    expect(warn).toHaveBeenCalledTimes(3);
    warn.mockRestore();
  });

  it('unsubscribe stops delivery and removes the IPC listener with the last subscriber', async () => {
    const api = await loadPreload();
    const a = vi.fn();
    const b = vi.fn();
    const offA = api.subscribe(a);
    const offB = api.subscribe(b);
    expect(listenerCount()).toBe(1); // one IPC listener serves every subscriber

    emit({ type: 'node.removed', id: 'n1' });
    offA();
    offA(); // idempotent
    emit({ type: 'node.removed', id: 'n2' });
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(2);
    expect(listenerCount()).toBe(1);

    offB();
    expect(listenerCount()).toBe(0);
    emit({ type: 'node.removed', id: 'n3' });
    expect(b).toHaveBeenCalledTimes(2);
  });

  it('a throwing listener does not keep the event from the others', async () => {
    const api = await loadPreload();
    const good = vi.fn();
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    api.subscribe(() => {
      throw new Error('boom');
    });
    api.subscribe(good);
    emit({ type: 'node.removed', id: 'n1' });
    expect(good).toHaveBeenCalledWith({ type: 'node.removed', id: 'n1' });
    spy.mockRestore();
  });
});
