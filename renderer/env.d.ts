/// <reference types="vite/client" />
import type { StationTransport } from '../protocol/client.js';

declare global {
  interface Window {
    /**
     * Exposed by electron/preload via contextBridge; absent in a plain browser. Declared the
     * same way in electron/preload.d.ts; kept here too so the renderer builds on its own.
     */
    readonly dvsanStation?: StationTransport;
  }
}

export {};
