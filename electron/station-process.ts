// The station core in Electron's utility process: a busy station (a deploy to 200 nodes, a
// report) never stalls the window. Main forwards the console's calls here and the events back.
// Bundled to dist/electron/station-process.cjs; started by station-host.ts.
import { createStation, type Station, type StationOptions } from '../station/index.js';
import type { FromStation, ToStation } from './station-messages.js';

/** The parts of `process.parentPort` used here (structural, so tests pass a fake). */
export interface ParentPortLike {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: FromStation): void;
}

/**
 * Serves one station over `port`: 'start' opens it, 'call' answers through its transport,
 * every station event is posted, 'close' closes it and says so. Anything else is ignored.
 */
export function serveStation(
  port: ParentPortLike,
  create: (opts: StationOptions) => Promise<Station> = createStation,
): void {
  let station: Promise<Station> | null = null;
  port.on('message', ({ data }) => {
    const message = data as ToStation;
    if (message?.type === 'start' && !station) {
      const { dataDir, agentBundlePath, secretKeyHex } = message.options;
      station = create({
        dataDir,
        ...(agentBundlePath ? { agentBundlePath } : {}),
        ...(secretKeyHex ? { secretKey: Buffer.from(secretKeyHex, 'hex') } : {}),
      });
      station.then(
        (s) => {
          s.transport.subscribe((event) => port.postMessage({ type: 'event', event }));
          port.postMessage({ type: 'ready' });
        },
        (err: unknown) =>
          port.postMessage({
            type: 'failed',
            message: err instanceof Error ? err.message : String(err),
          }),
      );
    } else if (message?.type === 'call' && station) {
      const { id, method, params } = message;
      void station
        .then((s) => s.transport.call(method, params))
        .then((answer) => port.postMessage({ type: 'answer', id, answer }));
    } else if (message?.type === 'close') {
      void (station ?? Promise.resolve(null))
        .then((s) => s?.close())
        .catch(() => undefined)
        .then(() => port.postMessage({ type: 'closed' }));
    }
  });
}

const parentPort = (process as { parentPort?: ParentPortLike }).parentPort;
if (parentPort) serveStation(parentPort);
