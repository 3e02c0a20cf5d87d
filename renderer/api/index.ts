// The console's one way to the station: Electron's preload bridge when present, else HTTP.
import { StationClient } from '../../protocol/client.js';
import type { LiveTransport } from './connection.js';
import { HttpTransport } from './http-transport.js';
import { IpcTransport } from './ipc-transport.js';

export type { LiveTransport } from './connection.js';

const http = window.dvsanStation ? null : new HttpTransport();

export const transport: LiveTransport = window.dvsanStation
  ? new IpcTransport(window.dvsanStation)
  : (http as HttpTransport);

/** The web server's login and logout; null in the desktop window, whose user is the local admin. */
export const web: HttpTransport | null = http;

export const station = new StationClient(transport);
