// The console's one way to the station: Electron's preload bridge when present, else HTTP.
import { StationClient } from '../../protocol/client.js';
import type { LiveTransport } from './connection.js';
import { HttpTransport } from './http-transport.js';
import { IpcTransport } from './ipc-transport.js';

export type { LiveTransport } from './connection.js';

export const transport: LiveTransport = window.dvsanStation
  ? new IpcTransport(window.dvsanStation)
  : new HttpTransport();

export const station = new StationClient(transport);
