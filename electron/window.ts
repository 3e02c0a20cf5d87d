import type { BrowserWindowConstructorOptions } from 'electron';
import { minWindowSize, type WindowState } from './window-state.js';

/**
 * What every dvsan window's page is denied: Node, Electron, other frames' privileges, insecure
 * content, webviews, navigation by dropping a file.
 */
export const lockedWebPreferences = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
} as const satisfies BrowserWindowConstructorOptions['webPreferences'];

/**
 * Options for the console window. The renderer gets no Node and no Electron: context
 * isolation and the sandbox keep the page apart from the preload, and the preload exposes one
 * object (`window.dvsanStation`). Pure, so the security settings are unit-tested.
 */
export function windowOptions(
  preloadPath: string,
  state: WindowState,
): BrowserWindowConstructorOptions {
  const options: BrowserWindowConstructorOptions = {
    width: state.width,
    height: state.height,
    minWidth: minWindowSize.width,
    minHeight: minWindowSize.height,
    title: 'dvsan',
    // Shown on 'ready-to-show', so the user never sees an empty white frame.
    show: false,
    backgroundColor: '#101418',
    webPreferences: {
      ...lockedWebPreferences,
      preload: preloadPath,
    },
  };
  if (state.x !== undefined && state.y !== undefined) {
    options.x = state.x;
    options.y = state.y;
  } else {
    options.center = true;
  }
  return options;
}
