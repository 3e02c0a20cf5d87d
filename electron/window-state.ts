import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The main window's size, position and maximized flag, kept in a small JSON file in userData.
 * Pure Node: the caller passes the displays' work areas, so tests need no Electron.
 */
export interface WindowState {
  /** Absent: let Electron center the window. */
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const defaultWindowState: Readonly<WindowState> = Object.freeze({
  width: 1280,
  height: 800,
  maximized: false,
});
export const minWindowSize = Object.freeze({ width: 800, height: 560 });
/** How much of the window (a title-bar-sized strip) must lie on a display to count as visible. */
const minVisible = { width: 120, height: 48 };
/** Refuse absurd sizes from a hand-edited file before any display check. */
const maxSide = 16_384;

export const windowStateFileName = 'window-state.json';

const isCoordinate = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 100_000;
const isSide = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= maxSide;

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return { width: Math.max(0, width), height: Math.max(0, height) };
}

/**
 * Turns whatever was in the file into a state that opens a usable window on the current
 * displays: non-numeric or absurd sizes fall back to the defaults, a position that would put
 * the window off every display is dropped (the window is centered), and the size is clamped
 * to the largest work area so a state saved on a bigger monitor still fits.
 */
export function sanitizeWindowState(raw: unknown, workAreas: readonly Rect[]): WindowState {
  const input = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const sizeValid = isSide(input.width) && isSide(input.height);
  let width = sizeValid ? (input.width as number) : defaultWindowState.width;
  let height = sizeValid ? (input.height as number) : defaultWindowState.height;

  if (workAreas.length > 0) {
    const maxWidth = Math.max(...workAreas.map((a) => a.width));
    const maxHeight = Math.max(...workAreas.map((a) => a.height));
    width = Math.min(width, maxWidth);
    height = Math.min(height, maxHeight);
  }
  width = Math.max(width, minWindowSize.width);
  height = Math.max(height, minWindowSize.height);

  const state: WindowState = { width, height, maximized: input.maximized === true };
  if (isCoordinate(input.x) && isCoordinate(input.y)) {
    const rect = { x: input.x, y: input.y, width, height };
    const visible = workAreas.some((area) => {
      const o = overlap(rect, area);
      return (
        o.width >= Math.min(minVisible.width, width) &&
        o.height >= Math.min(minVisible.height, height)
      );
    });
    if (visible) {
      state.x = input.x;
      state.y = input.y;
    }
  }
  return state;
}

/** Reads the state file; a missing, unreadable or corrupt file yields the defaults. */
export function loadWindowState(file: string, workAreas: readonly Rect[]): WindowState {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    raw = undefined;
  }
  return sanitizeWindowState(raw, workAreas);
}

/**
 * Writes the state atomically (temp file + rename), so a crash mid-write never leaves a
 * half-written file behind. Failures are reported, not thrown: losing the window size is not
 * worth failing a quit over.
 */
export function saveWindowState(file: string, state: WindowState): boolean {
  const plain: WindowState = {
    width: state.width,
    height: state.height,
    maximized: state.maximized,
  };
  if (state.x !== undefined && state.y !== undefined) {
    plain.x = state.x;
    plain.y = state.y;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, `${JSON.stringify(plain, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
    return true;
  } catch {
    return false;
  }
}

/** The bits of a BrowserWindow the state is read from (structural, so tests can fake it). */
export interface StatefulWindow {
  getNormalBounds(): Rect;
  isMaximized(): boolean;
}

export function captureWindowState(win: StatefulWindow): WindowState {
  // Normal bounds, not current ones: a maximized window must restore to its previous size.
  const { x, y, width, height } = win.getNormalBounds();
  return { x, y, width, height, maximized: win.isMaximized() };
}
