import type { BrowserWindowConstructorOptions } from 'electron';
import { defaultWindowState, minWindowSize } from '../window-state.js';
import { lockedWebPreferences } from '../window.js';
import { stationPartition, type RemoteStation } from './station-url.js';

export const remoteWindowTitle = (station: RemoteStation): string => `dvsan — ${station.url}`;

/**
 * A window onto a headless station's own console. It gets no preload at all: the page is the
 * station's, served over HTTPS with its login page, and talks to the station over its own
 * HTTP transport; nothing of the desktop is reachable from it. Its session partition is the
 * station's own, so two stations' cookies never mix. Pure, so the settings are unit-tested.
 */
export function remoteWindowOptions(station: RemoteStation): BrowserWindowConstructorOptions {
  return {
    width: defaultWindowState.width,
    height: defaultWindowState.height,
    minWidth: minWindowSize.width,
    minHeight: minWindowSize.height,
    center: true,
    title: remoteWindowTitle(station),
    show: false,
    backgroundColor: '#101418',
    webPreferences: {
      partition: stationPartition(station),
      ...lockedWebPreferences,
    },
  };
}

/** The small connect window: a local page with its own three-function preload. */
export function connectWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 560,
    height: 520,
    minWidth: 420,
    minHeight: 380,
    center: true,
    title: 'Connect to Station',
    show: false,
    webPreferences: {
      preload: preloadPath,
      ...lockedWebPreferences,
    },
  };
}
