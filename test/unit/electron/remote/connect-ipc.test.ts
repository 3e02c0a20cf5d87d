import { describe, expect, it, vi } from 'vitest';
import type { FrameLike, IpcMainLike, InvokeEventLike } from '../../../../electron/ipc.js';
import { ownFrameCheck } from '../../../../electron/ipc.js';
import {
  connectChannels,
  registerConnectIpc,
  type ConnectActions,
} from '../../../../electron/remote/connect-ipc.js';

const page = 'file:///opt/dvsan/dist/electron/connect/connect.html';
const pin = `SHA256:${'AB:'.repeat(31)}AB`;

function setup(overrides: Partial<ConnectActions> = {}) {
  const handlers = new Map<
    string,
    (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>
  >();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => handlers.set(channel, listener),
    removeHandler: (channel) => handlers.delete(channel),
  };
  const actions = {
    connect: vi.fn(async () => undefined),
    list: vi.fn(async () => [{ url: 'https://san1.example:8443', fingerprint: pin }]),
    forget: vi.fn(async () => undefined),
    ...overrides,
  };
  const remove = registerConnectIpc(ipcMain, actions, ownFrameCheck(page));
  const call = (channel: string, frame: FrameLike | null, ...args: unknown[]) =>
    handlers.get(channel)!({ senderFrame: frame }, ...args);
  return { handlers, actions, remove, call };
}

const own: FrameLike = { url: page, parent: null };

describe('connect window IPC', () => {
  it('connects to a checked, normalised station', async () => {
    const { actions, call } = setup();
    const answer = await call(connectChannels.connect, own, {
      url: 'San1.Example:8443',
      fingerprint: pin.toLowerCase(),
    });
    const station = { url: 'https://san1.example:8443', fingerprint: pin };
    expect(answer).toEqual({ ok: true, result: station });
    expect(actions.connect).toHaveBeenCalledWith(station);
  });

  it('answers bad input with the reason and opens nothing', async () => {
    const { actions, call } = setup();
    await expect(
      call(connectChannels.connect, own, { url: 'http://san1.example', fingerprint: '' }),
    ).resolves.toEqual({ ok: false, error: expect.stringMatching(/use https:\/\//) });
    await expect(
      call(connectChannels.connect, own, { url: 'https://san1.example', fingerprint: '' }),
    ).resolves.toEqual({ ok: false, error: expect.stringMatching(/enter the certificate/) });
    await expect(call(connectChannels.forget, own, 'ftp://x')).resolves.toMatchObject({
      ok: false,
    });
    expect(actions.connect).not.toHaveBeenCalled();
    expect(actions.forget).not.toHaveBeenCalled();
  });

  it('lists and forgets (by normalised URL)', async () => {
    const { actions, call } = setup();
    await expect(call(connectChannels.list, own)).resolves.toEqual({
      ok: true,
      result: [{ url: 'https://san1.example:8443', fingerprint: pin }],
    });
    await expect(call(connectChannels.forget, own, 'https://SAN1.example:8443/')).resolves.toEqual({
      ok: true,
      result: null,
    });
    expect(actions.forget).toHaveBeenCalledWith('https://san1.example:8443');
  });

  it.each<[string, FrameLike | null]>([
    ['the console page', { url: 'file:///opt/dvsan/dist/renderer/index.html', parent: null }],
    ['a remote station page', { url: 'https://san1.example:8443/', parent: null }],
    ['an iframe of the connect page', { url: page, parent: {} }],
    ['a destroyed frame', null],
  ])('refuses calls from %s', async (_label, frame) => {
    const { actions, call } = setup();
    for (const channel of Object.values(connectChannels)) {
      await expect(
        call(channel, frame, { url: 'https://san1.example', fingerprint: pin }),
      ).resolves.toEqual({ ok: false, error: expect.stringMatching(/Connect to Station window/) });
    }
    expect(actions.connect).not.toHaveBeenCalled();
    expect(actions.list).not.toHaveBeenCalled();
    expect(actions.forget).not.toHaveBeenCalled();
  });

  it('turns a failing action into an error answer, and can be removed', async () => {
    const { call, handlers, remove } = setup({
      connect: async () => {
        throw new Error('no window');
      },
    });
    await expect(
      call(connectChannels.connect, own, { url: 'http://localhost:8080', fingerprint: '' }),
    ).resolves.toEqual({ ok: false, error: 'no window' });
    remove();
    expect(handlers.size).toBe(0);
  });
});
