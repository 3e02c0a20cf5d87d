// What the console benchmark measures in one browser page: how long the Volumes page takes
// to show its first rows, what it then holds in memory, and how long a filter takes to show.
// Times inside the page are performance.now() (navigation start = 0); wall times are the
// benchmark's own clock around the Playwright calls.
import type { BrowserContext, CDPSession, Page } from 'playwright-core';

export interface RenderTiming {
  /** In the page, from navigation start: the first volume row is in the DOM. */
  rowsMs: number;
  /** Two animation frames later: the rows have been painted. */
  paintedMs: number;
  /** Playwright: goto/reload called until it saw the rows. */
  wallMs: number;
  /** In the page: the console's scripts ran (DOMContentLoaded ended). */
  scriptsMs: number;
  /** In the page: the volume/list call was sent and its answer fully arrived. */
  listSentMs: number;
  listDoneMs: number;
  /** CPU time of the page's main thread until then (a new page's whole load). */
  cpuMs?: number;
}

export interface PageState {
  /** JS heap in use after a full garbage collection, MiB. */
  heapMiB: number;
  domNodes: number;
  /** Volume rows in the DOM (the virtual list keeps only what is in view). */
  rowsInDom: number;
}

export interface FilterTiming {
  query: string;
  matches: number;
  /** In the page: the input event until the count and rows changed. */
  updateMs: number;
  /** …until two frames later (painted). */
  paintedMs: number;
  /** Playwright: fill() until it saw the new count. */
  wallMs: number;
  /** CPU time of the page's main thread over the same span: what the work costs unloaded. */
  cpuMs: number;
}

const rowSelector = '[data-testid^="volume-row-"]';

// The browser's globals the in-page functions use, typed here: bench/ compiles with Node's
// types only (no DOM lib, which would leak into station/). Types are erased, so the functions
// still run alone in the page.
interface PageElement {
  textContent: string | null;
  addEventListener(type: string, fn: () => void, opts: object): void;
}
interface Timing {
  name: string;
  requestStart: number;
  responseEnd: number;
  domContentLoadedEventEnd: number;
}
interface RenderProbe {
  rowsMs?: number;
  paintedMs?: number;
}
interface FilterWatch {
  inputMs?: number;
  updateMs?: number;
  paintedMs?: number;
  text?: string;
}
interface PageGlobals {
  document: { querySelector(selector: string): PageElement | null };
  MutationObserver: new (fn: () => void) => {
    observe(target: unknown, opts: object): void;
    disconnect(): void;
  };
  requestAnimationFrame(fn: () => void): number;
  performance: { now(): number; getEntriesByType(type: string): Timing[] };
  __benchRender?: RenderProbe;
  __benchFilter?: FilterWatch;
}

// Installed before the console's own scripts: notes when the first row enters the DOM.
function rowProbe(selector: string): void {
  const g = globalThis as unknown as PageGlobals;
  const state: RenderProbe = {};
  g.__benchRender = state;
  const observer = new g.MutationObserver(() => {
    if (!g.document.querySelector(selector)) return;
    observer.disconnect();
    state.rowsMs = g.performance.now();
    g.requestAnimationFrame(() =>
      g.requestAnimationFrame(() => (state.paintedMs = g.performance.now())),
    );
  });
  observer.observe(g.document, { childList: true, subtree: true });
}

export async function preparePage(context: BrowserContext): Promise<Page> {
  await context.addInitScript(rowProbe, rowSelector);
  const page = await context.newPage();
  return page;
}

async function renderTiming(page: Page, t0: number, limitMs: number): Promise<RenderTiming> {
  const handle = await page.waitForFunction(
    () => {
      const s = (globalThis as unknown as PageGlobals).__benchRender;
      return s?.paintedMs !== undefined ? { rowsMs: s.rowsMs!, paintedMs: s.paintedMs } : null;
    },
    undefined,
    { timeout: limitMs, polling: 50 },
  );
  const wallMs = Date.now() - t0;
  const { rowsMs, paintedMs } = (await handle.jsonValue()) as {
    rowsMs: number;
    paintedMs: number;
  };
  const steps = await page.evaluate(() => {
    const perf = (globalThis as unknown as PageGlobals).performance;
    const nav = perf.getEntriesByType('navigation')[0];
    const list = perf
      .getEntriesByType('resource')
      .find((e) => e.name.endsWith('/api/call/volume%2Flist'));
    return {
      scriptsMs: nav?.domContentLoadedEventEnd ?? Number.NaN,
      listSentMs: list?.requestStart ?? Number.NaN,
      listDoneMs: list?.responseEnd ?? Number.NaN,
    };
  });
  return { rowsMs, paintedMs, wallMs, ...steps };
}

/** Opens the Volumes page of the console at `base` (a fresh context: a cold cache). */
export async function firstRender(page: Page, base: string, limitMs: number) {
  const t0 = Date.now();
  await page.goto(`${base}#/volumes`, { waitUntil: 'commit', timeout: limitMs });
  return renderTiming(page, t0, limitMs);
}

/** Reloads the page: scripts and styles come from the cache now. */
export async function warmRender(page: Page, limitMs: number) {
  const t0 = Date.now();
  await page.reload({ waitUntil: 'commit', timeout: limitMs });
  return renderTiming(page, t0, limitMs);
}

/**
 * CPU time the page's main thread has used (Chromium's ThreadTime metric): next to a wall
 * time it tells the page's own work from waiting for a CPU on a loaded machine.
 */
export async function mainThreadMs(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return (metrics.find((m) => m.name === 'ThreadTime')?.value ?? Number.NaN) * 1000;
}

export async function pageState(page: Page, cdp: CDPSession): Promise<PageState> {
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const rowsInDom = await page.locator(rowSelector).count();
  return {
    heapMiB: heap.usedSize / 2 ** 20,
    domNodes: metrics.find((m) => m.name === 'Nodes')?.value ?? Number.NaN,
    rowsInDom,
  };
}

/**
 * Types `query` into the search box (one input event, as a paste) and waits until the
 * summary reads `expect`. In the page, a watcher armed just before notes the input event,
 * the summary's change and two frames after it.
 */
export async function applyFilter(
  page: Page,
  cdp: CDPSession,
  query: string,
  expect: string,
  limitMs: number,
): Promise<Omit<FilterTiming, 'query' | 'matches'>> {
  await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    const w: FilterWatch = {};
    g.__benchFilter = w;
    const input = g.document.querySelector('[data-testid="volumes-search"]')!;
    const summary = g.document.querySelector('[data-testid="volumes-summary"]')!;
    const before = summary.textContent;
    input.addEventListener('input', () => (w.inputMs ??= g.performance.now()), {
      capture: true,
      once: true,
    });
    const observer = new g.MutationObserver(() => {
      if (summary.textContent === before) return;
      observer.disconnect();
      w.updateMs = g.performance.now();
      w.text = summary.textContent ?? '';
      g.requestAnimationFrame(() =>
        g.requestAnimationFrame(() => (w.paintedMs = g.performance.now())),
      );
    });
    observer.observe(summary, { childList: true, subtree: true, characterData: true });
  });
  const cpu0 = await mainThreadMs(cdp);
  const t0 = Date.now();
  await page.getByTestId('volumes-search').fill(query, { timeout: limitMs });
  const handle = await page.waitForFunction(
    () => {
      const w = (globalThis as unknown as PageGlobals).__benchFilter;
      return w?.paintedMs !== undefined ? w : null;
    },
    undefined,
    { timeout: limitMs, polling: 'raf' },
  );
  const wallMs = Date.now() - t0;
  const cpuMs = (await mainThreadMs(cdp)) - cpu0;
  const w = (await handle.jsonValue()) as {
    inputMs: number;
    updateMs: number;
    paintedMs: number;
    text: string;
  };
  const shown = w.text.replace(/\s+/g, ' ').trim();
  if (!shown.startsWith(expect))
    throw new Error(`after typing "${query}" the summary reads "${shown}", not "${expect}…"`);
  return {
    updateMs: w.updateMs - w.inputMs,
    paintedMs: w.paintedMs - w.inputMs,
    wallMs,
    cpuMs,
  };
}
