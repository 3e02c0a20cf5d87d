// Main's side of the connect window: three calls, each from the connect page's own top frame
// only, each answering an envelope (never a rejection, whose text would have to be parsed).
import type { FrameLike, IpcMainLike } from '../ipc.js';
import { checkStation } from './pinning.js';
import { checkStationUrl, type RemoteStation } from './station-url.js';

/** Channel names; the connect preload keeps literal copies (a test keeps them in step). */
export const connectChannels = {
  connect: 'dvsan-connect:connect',
  list: 'dvsan-connect:list',
  forget: 'dvsan-connect:forget',
} as const;

export type ConnectAnswer<T> = { ok: true; result: T } | { ok: false; error: string };

export interface ConnectActions {
  /** Opens a window onto the (already checked) station. */
  connect(station: RemoteStation): Promise<void>;
  list(): Promise<RemoteStation[]>;
  forget(url: string): Promise<void>;
}

const failed = (err: unknown): ConnectAnswer<never> => ({
  ok: false,
  error: err instanceof Error ? err.message : String(err),
});

/** Registers the three handlers; returns a function that removes them. */
export function registerConnectIpc(
  ipcMain: IpcMainLike,
  actions: ConnectActions,
  isConnectFrame: (frame: FrameLike | null) => boolean,
): () => void {
  const refused: ConnectAnswer<never> = {
    ok: false,
    error: 'only the Connect to Station window may do this',
  };
  ipcMain.handle(connectChannels.connect, async (event, request) => {
    if (!isConnectFrame(event.senderFrame)) return refused;
    const checked = checkStation(request);
    if (!checked.ok) return checked;
    try {
      await actions.connect(checked.station);
      return { ok: true, result: checked.station };
    } catch (err) {
      return failed(err);
    }
  });
  ipcMain.handle(connectChannels.list, async (event) => {
    if (!isConnectFrame(event.senderFrame)) return refused;
    try {
      return { ok: true, result: await actions.list() };
    } catch (err) {
      return failed(err);
    }
  });
  ipcMain.handle(connectChannels.forget, async (event, url) => {
    if (!isConnectFrame(event.senderFrame)) return refused;
    const checked = checkStationUrl(url);
    if (!checked.ok) return checked;
    try {
      await actions.forget(checked.url);
      return { ok: true, result: null };
    } catch (err) {
      return failed(err);
    }
  });
  return () => Object.values(connectChannels).forEach((c) => ipcMain.removeHandler(c));
}
