// Summaries, the Markdown table and the plot of the console benchmark.
import { renderBars } from '../common/bars.js';
import type { FilterTiming, PageState, RenderTiming } from './measure.js';

export type Variant = 'virtual' | 'plain';

export interface Round {
  variant: Variant;
  cold: RenderTiming;
  warm: RenderTiming;
  state: PageState;
  filters: FilterTiming[];
  /** Back to every volume after the last filter (the plain table's worst case). */
  clears: FilterTiming[];
  loadavg: number[];
}

export interface Summary {
  coldMs: number;
  warmMs: number;
  coldWallMs: number;
  warmWallMs: number;
  /** Where a cold render's time goes: scripts ran, volume/list sent and answered. */
  coldScriptsMs: number;
  coldListSentMs: number;
  coldListDoneMs: number;
  /** Main-thread CPU time: a cold load, and a filter (median). */
  coldCpuMs: number;
  filterMedianMs: number;
  filterWorstMs: number;
  filterWallMedianMs: number;
  filterCpuMedianMs: number;
  clearMedianMs: number;
  clearWorstMs: number;
  heapMiB: number;
  domNodes: number;
  rowsInDom: number;
}

export const goals = { firstRenderMs: 1000, filterMs: 100 };

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const worst = (values: number[]) => (values.length ? Math.max(...values) : Number.NaN);

/** Render times are "painted" times; filter times too (input event until painted). */
export function summarise(rounds: Round[]): Summary {
  const filters = rounds.flatMap((r) => r.filters);
  const clears = rounds.flatMap((r) => r.clears);
  return {
    coldMs: median(rounds.map((r) => r.cold.paintedMs)),
    warmMs: median(rounds.map((r) => r.warm.paintedMs)),
    coldWallMs: median(rounds.map((r) => r.cold.wallMs)),
    warmWallMs: median(rounds.map((r) => r.warm.wallMs)),
    coldScriptsMs: median(rounds.map((r) => r.cold.scriptsMs)),
    coldListSentMs: median(rounds.map((r) => r.cold.listSentMs)),
    coldListDoneMs: median(rounds.map((r) => r.cold.listDoneMs)),
    coldCpuMs: median(rounds.map((r) => r.cold.cpuMs ?? Number.NaN)),
    filterMedianMs: median(filters.map((f) => f.paintedMs)),
    filterWorstMs: worst(filters.map((f) => f.paintedMs)),
    filterWallMedianMs: median(filters.map((f) => f.wallMs)),
    filterCpuMedianMs: median(filters.map((f) => f.cpuMs)),
    clearMedianMs: median(clears.map((f) => f.paintedMs)),
    clearWorstMs: worst(clears.map((f) => f.paintedMs)),
    heapMiB: median(rounds.map((r) => r.state.heapMiB)),
    domNodes: median(rounds.map((r) => r.state.domNodes)),
    rowsInDom: median(rounds.map((r) => r.state.rowsInDom)),
  };
}

const rows: { key: keyof Summary; label: string; digits: number }[] = [
  { key: 'coldMs', label: 'first render, cold (ms, in page)', digits: 0 },
  { key: 'warmMs', label: 'first render, warm reload (ms, in page)', digits: 0 },
  { key: 'coldWallMs', label: 'first render, cold (ms, Playwright wall)', digits: 0 },
  { key: 'warmWallMs', label: 'first render, warm (ms, Playwright wall)', digits: 0 },
  { key: 'coldScriptsMs', label: '… cold: console scripts ran (ms)', digits: 0 },
  { key: 'coldListSentMs', label: '… cold: volume/list sent (ms)', digits: 0 },
  { key: 'coldListDoneMs', label: '… cold: volume/list answered (ms)', digits: 0 },
  { key: 'coldCpuMs', label: '… cold: main-thread CPU time (ms)', digits: 0 },
  { key: 'filterMedianMs', label: 'filter, median (ms, in page)', digits: 1 },
  { key: 'filterWorstMs', label: 'filter, worst (ms, in page)', digits: 1 },
  { key: 'filterWallMedianMs', label: 'filter, median (ms, Playwright wall)', digits: 0 },
  { key: 'filterCpuMedianMs', label: 'filter, median main-thread CPU (ms)', digits: 1 },
  { key: 'clearMedianMs', label: 'clear filter, median (ms, in page)', digits: 1 },
  { key: 'clearWorstMs', label: 'clear filter, worst (ms, in page)', digits: 1 },
  { key: 'heapMiB', label: 'JS heap after first render (MiB)', digits: 1 },
  { key: 'domNodes', label: 'DOM nodes after first render', digits: 0 },
  { key: 'rowsInDom', label: 'volume rows in the DOM', digits: 0 },
];

export function markdownTable(v: Summary, p: Summary): string {
  const out = [
    '| | virtual scroll (product) | plain table | plain / virtual |',
    '|---|---:|---:|---:|',
  ];
  for (const r of rows) {
    const ratio = v[r.key] > 0 ? `${(p[r.key] / v[r.key]).toFixed(1)}×` : '—';
    out.push(
      `| ${r.label} | ${v[r.key].toFixed(r.digits)} | ${p[r.key].toFixed(r.digits)} | ${ratio} |`,
    );
  }
  return out.join('\n');
}

/**
 * The plain table is 10 to 500 times slower: on one scale the product's bars would vanish, so
 * each panel has its own (goals on the product's), and each plain bar notes its ratio.
 */
export function plot(v: Summary, p: Summary, subtitle: string, footer: string): string {
  const virtualColour = '#3b7dd8';
  const plainColour = '#c9853a';
  const product = (label: string, value: number) => ({ label, value, colour: virtualColour });
  const plain = (label: string, key: keyof Summary, scale = 1) => ({
    label,
    value: p[key] / scale,
    colour: plainColour,
    note: `${(p[key] / v[key]).toFixed(0)}× product`,
  });
  return renderBars({
    title: 'Volumes page with 10,000 volumes in Chromium: product (virtual scroll) vs plain table',
    subtitle,
    unit: 'see each panel',
    digits: 0,
    footer,
    panels: [
      {
        title: 'product: first render, ms',
        bars: [product('cold', v.coldMs), product('warm', v.warmMs)],
        lines: [{ value: goals.firstRenderMs, label: 'goal' }],
      },
      {
        title: 'product: filter, ms',
        bars: [
          product('median', v.filterMedianMs),
          product('worst', v.filterWorstMs),
          product('clear', v.clearMedianMs),
        ],
        lines: [{ value: goals.filterMs, label: 'goal' }],
      },
      {
        title: 'plain: render, s',
        bars: [
          plain('cold', 'coldMs', 1000),
          plain('warm', 'warmMs', 1000),
          plain('clear', 'clearMedianMs', 1000),
        ],
      },
      {
        title: 'plain: filter, ms',
        bars: [plain('median', 'filterMedianMs'), plain('worst', 'filterWorstMs')],
      },
      {
        title: 'JS heap, MiB',
        bars: [product('product', v.heapMiB), plain('plain', 'heapMiB')],
      },
    ],
  });
}
