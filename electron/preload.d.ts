// What electron/preload.ts exposes to the console page. Included by tsconfig.web.json so the
// renderer sees the type without importing anything from electron/.
import type { StationTransport } from '../protocol/client.js';

declare global {
  interface Window {
    /**
     * The station, over Electron IPC. Absent when the console runs in a browser against
     * `dvsan serve`; the renderer then uses its HTTP/WebSocket transport.
     */
    readonly dvsanStation?: StationTransport;
  }
}

export {};
