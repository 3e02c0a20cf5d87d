import { describe, expect, it, vi } from 'vitest';
import type { StationTransport } from '../../../protocol/client.js';
import type { StationEvent } from '../../../protocol/station-api.js';
import {
  callChannel,
  eventChannel,
  forwardStationEvents,
  ownFrameCheck,
  registerStationIpc,
  type EventSink,
  type FrameLike,
  type InvokeEventLike,
} from '../../../electron/ipc.js';

const appPage = 'file:///opt/dvsan/resources/app.asar/dist/renderer/index.html';
const ownFrame: FrameLike = { url: `${appPage}#/nodes`, parent: null };

function fakeIpcMain() {
  const handlers = new Map<
    string,
    (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>
  >();
  return {
    handlers,
    handle: vi.fn(
      (channel: string, fn: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>) => {
        handlers.set(channel, fn);
      },
    ),
    removeHandler: vi.fn((channel: string) => handlers.delete(channel)),
  };
}

function fakeTransport() {
  const listeners = new Set<(e: StationEvent) => void>();
  const transport = {
    call: vi.fn<StationTransport['call']>(async (method) => ({
      ok: true,
      result: { echoed: method },
    })),
    subscribe: vi.fn((listener: (e: StationEvent) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    }),
  };
  const emit = (e: StationEvent) => listeners.forEach((l) => l(e));
  return { transport, emit, listeners };
}

function setup() {
  const ipc = fakeIpcMain();
  const { transport } = fakeTransport();
  const dispose = registerStationIpc(ipc, transport, ownFrameCheck(appPage));
  const handler = ipc.handlers.get(callChannel);
  if (!handler) throw new Error('no handler registered on the call channel');
  const invoke = (frame: FrameLike | null, ...args: unknown[]) =>
    handler({ senderFrame: frame }, ...args);
  return { ipc, transport, dispose, invoke };
}

describe('registerStationIpc', () => {
  it('forwards a known method from our own page to the station and returns its answer', async () => {
    const { transport, invoke } = setup();
    const answer = await invoke(ownFrame, 'node/get', { id: 'n1' });
    expect(transport.call).toHaveBeenCalledWith('node/get', { id: 'n1' });
    expect(answer).toEqual({ ok: true, result: { echoed: 'node/get' } });
  });

  it.each([
    ['an unknown method', 'node/format'],
    ['a prototype key', '__proto__'],
    ['an inherited name', 'toString'],
    ['a non-string', 42],
  ])('rejects %s without calling the station', async (_label, method) => {
    const { transport, invoke } = setup();
    const answer = await invoke(ownFrame, method, {});
    expect(answer).toMatchObject({
      ok: false,
      error: { code: 'invalid-params', name: 'DvsanError' },
    });
    expect(transport.call).not.toHaveBeenCalled();
  });

  it.each<[string, FrameLike | null]>([
    ['a remote page', { url: 'https://evil.example/index.html', parent: null }],
    ['another local file', { url: 'file:///tmp/index.html', parent: null }],
    ['a subframe of our page', { url: appPage, parent: { url: appPage } }],
    ['a lookalike path', { url: `${appPage}.evil.html`, parent: null }],
    ['a destroyed frame', null],
  ])('refuses calls from %s', async (_label, frame) => {
    const { transport, invoke } = setup();
    const answer = await invoke(frame, 'station/info', {});
    expect(answer).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(transport.call).not.toHaveBeenCalled();
  });

  it('turns a station that throws into an internal error envelope without its message', async () => {
    const { transport, invoke } = setup();
    transport.call.mockRejectedValueOnce(new Error('secret at /root/.ssh/id_rsa'));
    const answer = (await invoke(ownFrame, 'station/info', {})) as {
      ok: false;
      error: { code: string; message: string };
    };
    expect(answer.ok).toBe(false);
    expect(answer.error.code).toBe('internal');
    expect(answer.error.message).not.toContain('id_rsa');
  });

  it('dispose removes the handler', () => {
    const { ipc, dispose } = setup();
    dispose();
    expect(ipc.removeHandler).toHaveBeenCalledWith(callChannel);
    expect(ipc.handlers.size).toBe(0);
  });
});

describe('forwardStationEvents', () => {
  const sink = (destroyed = false) => ({
    isDestroyed: () => destroyed,
    send: vi.fn<EventSink['send']>(),
  });

  it('subscribes once and sends every event to every live window', () => {
    const { transport, emit } = fakeTransport();
    const a = sink();
    const b = sink();
    const gone = sink(true);
    const windows = [a, gone];
    forwardStationEvents(transport, () => windows);
    windows.push(b); // opened after subscribing
    const event: StationEvent = { type: 'node.removed', id: 'n1' };
    emit(event);
    expect(transport.subscribe).toHaveBeenCalledTimes(1);
    expect(a.send).toHaveBeenCalledWith(eventChannel, event);
    expect(b.send).toHaveBeenCalledWith(eventChannel, event);
    expect(gone.send).not.toHaveBeenCalled();
  });

  it('keeps going when one window fails, and stops after unsubscribe', () => {
    const { transport, emit, listeners } = fakeTransport();
    const broken = sink();
    broken.send.mockImplementation(() => {
      throw new Error('Object has been destroyed');
    });
    const ok = sink();
    const off = forwardStationEvents(transport, () => [broken, ok]);
    emit({ type: 'node.removed', id: 'n1' });
    expect(ok.send).toHaveBeenCalledTimes(1);
    off();
    expect(listeners.size).toBe(0);
  });
});
