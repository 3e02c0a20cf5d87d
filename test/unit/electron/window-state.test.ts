import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  captureWindowState,
  defaultWindowState,
  loadWindowState,
  sanitizeWindowState,
  saveWindowState,
  type Rect,
} from '../../../electron/window-state.js';

const oneScreen: Rect[] = [{ x: 0, y: 0, width: 1920, height: 1050 }];
const twoScreens: Rect[] = [...oneScreen, { x: 1920, y: 0, width: 2560, height: 1400 }];

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dvsan-window-state-'));
  file = join(dir, 'userData', 'window-state.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('window state file', () => {
  it('round-trips size, position and maximized', () => {
    const state = { x: 2000, y: 100, width: 1500, height: 900, maximized: true };
    expect(saveWindowState(file, state)).toBe(true);
    expect(loadWindowState(file, twoScreens)).toEqual(state);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(state);
  });

  it('gives the defaults for a missing file', () => {
    expect(loadWindowState(file, oneScreen)).toEqual(defaultWindowState);
  });

  it.each([
    ['not JSON', '{"width": 1200, '],
    ['JSON null', 'null'],
    ['an array', '[1,2,3]'],
    ['strings for numbers', '{"x":"10","y":"10","width":"1200","height":"900","maximized":"yes"}'],
    ['NaN-ish and negative sizes', '{"width":-5,"height":1e309}'],
    ['fractional sizes', '{"width":1200.5,"height":900}'],
  ])('falls back to the defaults for a corrupt file (%s)', (_label, text) => {
    saveWindowState(file, defaultWindowState); // creates the folder
    writeFileSync(file, text);
    expect(loadWindowState(file, oneScreen)).toEqual(defaultWindowState);
  });

  it('does not throw when the file cannot be written', () => {
    writeFileSync(join(dir, 'userData'), 'a file where the folder should be');
    expect(saveWindowState(file, defaultWindowState)).toBe(false);
  });

  it('does not persist stray keys', () => {
    saveWindowState(file, {
      width: 1200,
      height: 900,
      maximized: false,
      evil: '<script>',
    } as never);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      width: 1200,
      height: 900,
      maximized: false,
    });
  });
});

describe('sanitizeWindowState', () => {
  it('drops a position on a display that is gone, keeping the size', () => {
    // Saved on the second monitor, which is now unplugged.
    const state = sanitizeWindowState(
      { x: 2000, y: 100, width: 1500, height: 900, maximized: false },
      oneScreen,
    );
    expect(state).toEqual({ width: 1500, height: 900, maximized: false });
  });

  it.each([
    ['far off to the left', { x: -5000, y: 10 }],
    ['above the screen', { x: 100, y: -2000 }],
    ['only a sliver visible', { x: 1915, y: 1045 }],
  ])('drops an off-screen position (%s)', (_label, pos) => {
    const state = sanitizeWindowState(
      { ...pos, width: 1200, height: 800, maximized: false },
      oneScreen,
    );
    expect(state.x).toBeUndefined();
    expect(state.y).toBeUndefined();
  });

  it('keeps a position partly off-screen when the title bar is reachable', () => {
    const state = sanitizeWindowState(
      { x: 1500, y: 200, width: 1200, height: 800, maximized: false },
      oneScreen,
    );
    expect(state).toMatchObject({ x: 1500, y: 200 });
  });

  it('clamps a size saved on a bigger monitor and enforces the minimum', () => {
    expect(
      sanitizeWindowState({ width: 4000, height: 3000, maximized: false }, oneScreen),
    ).toMatchObject({
      width: 1920,
      height: 1050,
    });
    expect(
      sanitizeWindowState({ width: 300, height: 200, maximized: false }, oneScreen),
    ).toMatchObject({
      width: 800,
      height: 560,
    });
  });

  it('treats only the boolean true as maximized', () => {
    expect(
      sanitizeWindowState({ width: 1000, height: 700, maximized: 'true' }, oneScreen).maximized,
    ).toBe(false);
    expect(
      sanitizeWindowState({ width: 1000, height: 700, maximized: true }, oneScreen).maximized,
    ).toBe(true);
  });
});

describe('captureWindowState', () => {
  it('records the normal (restored) bounds of a maximized window', () => {
    const win = {
      getNormalBounds: () => ({ x: 5, y: 6, width: 1100, height: 700 }),
      isMaximized: () => true,
    };
    expect(captureWindowState(win)).toEqual({
      x: 5,
      y: 6,
      width: 1100,
      height: 700,
      maximized: true,
    });
  });
});
