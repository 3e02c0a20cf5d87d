import { describe, expect, it } from 'vitest';
import { windowOptions } from '../../../electron/window.js';

describe('windowOptions', () => {
  const preload = '/opt/dvsan/dist/electron/preload.cjs';

  it('isolates the page: context isolation and sandbox on, Node off, web security on', () => {
    const web = windowOptions(preload, {
      width: 1280,
      height: 800,
      maximized: false,
    }).webPreferences;
    expect(web).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload,
    });
  });

  it('uses the remembered bounds, or centers when there is no position', () => {
    const placed = windowOptions(preload, {
      x: 10,
      y: 20,
      width: 1000,
      height: 700,
      maximized: true,
    });
    expect(placed).toMatchObject({ x: 10, y: 20, width: 1000, height: 700 });
    expect(placed.center).toBeUndefined();
    const centered = windowOptions(preload, { width: 1000, height: 700, maximized: false });
    expect(centered.center).toBe(true);
    expect(centered.x).toBeUndefined();
  });

  it('stays hidden until ready to show', () => {
    expect(windowOptions(preload, { width: 1000, height: 700, maximized: false }).show).toBe(false);
  });
});
