// The preload runs sandboxed: it can require only a few modules (electron, events, timers,
// url), so it is bundled by esbuild into CommonJS with zod and the protocol schemas inlined.
// It exposes one object, the StationTransport, and nothing else: no ipcRenderer, no fs.
import { contextBridge, ipcRenderer } from 'electron';
import type { StationTransport } from '../protocol/client.js';
import { stationEventSchema, type StationEvent } from '../protocol/station-api.js';

// Literal copies of the channel names in ipc.ts: importing that module would pull main-side
// code into the bundle. A unit test keeps the two in step.
const callChannel = 'dvsan:call';
const eventChannel = 'dvsan:event';

const listeners = new Set<(event: StationEvent) => void>();

/**
 * One ipcRenderer listener serves every subscriber, so each event is validated once. It gets
 * the IpcRendererEvent, which must never reach the page (it carries `sender`, the ipcRenderer
 * itself); only the parsed, plain event is passed on.
 */
function onIpcEvent(_ipcEvent: unknown, payload: unknown): void {
  const parsed = stationEventSchema.safeParse(payload);
  if (!parsed.success) {
    console.warn('dvsan: dropped a malformed station event');
    return;
  }
  for (const listener of [...listeners]) {
    try {
      listener(parsed.data);
    } catch (err) {
      console.error('dvsan: a station event listener failed', err);
    }
  }
}

const transport: StationTransport = {
  call(method, params) {
    return ipcRenderer.invoke(callChannel, method, params);
  },
  subscribe(listener) {
    if (typeof listener !== 'function') throw new TypeError('subscribe needs a listener function');
    // Wrapped so subscribing the same function twice gives two independent subscriptions.
    const entry = (event: StationEvent): void => listener(event);
    if (listeners.size === 0) ipcRenderer.on(eventChannel, onIpcEvent);
    listeners.add(entry);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      listeners.delete(entry);
      if (listeners.size === 0) ipcRenderer.removeListener(eventChannel, onIpcEvent);
    };
  },
};

contextBridge.exposeInMainWorld('dvsanStation', transport);
