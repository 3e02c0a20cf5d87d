import type { StationTransport } from '../protocol/client.js';
import { DvsanError } from '../protocol/errors.js';
import { isStationMethod, type StationEvent } from '../protocol/station-api.js';
import { isAppPage } from './navigation.js';

/** Channel names shared by main and preload. */
export const callChannel = 'dvsan:call';
export const eventChannel = 'dvsan:event';

type Answer = Awaited<ReturnType<StationTransport['call']>>;

/** The parts of Electron's `WebFrameMain` the origin check reads. */
export interface FrameLike {
  readonly url: string;
  readonly parent: unknown;
}

/** The parts of `IpcMainInvokeEvent` the handler reads. */
export interface InvokeEventLike {
  readonly senderFrame: FrameLike | null;
}

/** The parts of `ipcMain` used here (structural, so tests pass a fake). */
export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>,
  ): void;
  removeHandler(channel: string): void;
}

/**
 * Only the console page itself may call the station: the top frame (never an iframe) showing
 * our own index.html. A frame that navigated away or was destroyed (`null`) is refused.
 */
export function ownFrameCheck(appPageUrl: string): (frame: FrameLike | null) => boolean {
  return (frame) => frame !== null && frame.parent === null && isAppPage(frame.url, appPageUrl);
}

function refuse(
  code: 'forbidden' | 'invalid-params',
  message: string,
  details?: Record<string, unknown>,
): Answer {
  return { ok: false, error: new DvsanError(code, message, details).toShape() };
}

/**
 * Answers `dvsan:call` from the renderer. The answer is always an envelope, never a rejection:
 * Electron turns a rejected invoke into an Error whose text would have to be parsed, and codes
 * must survive the crossing. Params are validated by the transport against the method schema.
 * Returns a function that removes the handler.
 */
export function registerStationIpc(
  ipcMain: IpcMainLike,
  transport: StationTransport,
  isOwnFrame: (frame: FrameLike | null) => boolean,
): () => void {
  ipcMain.handle(callChannel, async (event, method, params): Promise<Answer> => {
    if (!isOwnFrame(event.senderFrame)) {
      return refuse('forbidden', 'station calls are accepted only from the dvsan console page');
    }
    if (typeof method !== 'string' || !isStationMethod(method)) {
      return refuse('invalid-params', 'unknown station method', {
        method: typeof method === 'string' ? method.slice(0, 100) : typeof method,
      });
    }
    try {
      return await transport.call(method, params);
    } catch {
      // The station promises never to throw; if it does anyway, say so without leaking a stack.
      return {
        ok: false,
        error: new DvsanError('internal', 'the station failed to answer').toShape(),
      };
    }
  });
  return () => ipcMain.removeHandler(callChannel);
}

/** The parts of `WebContents` an event is sent through. */
export interface EventSink {
  isDestroyed(): boolean;
  send(channel: string, event: StationEvent): void;
}

/**
 * Subscribes once to the station and fans every event out to every open window. Windows are
 * looked up per event, so windows opened later receive events without re-subscribing.
 * Returns the unsubscribe function.
 */
export function forwardStationEvents(
  transport: StationTransport,
  windows: () => Iterable<EventSink>,
): () => void {
  return transport.subscribe((event) => {
    for (const contents of windows()) {
      if (contents.isDestroyed()) continue;
      try {
        contents.send(eventChannel, event);
      } catch {
        // A window closing between the check and the send must not stop the others.
      }
    }
  });
}
