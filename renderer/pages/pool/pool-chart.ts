import type { BarSeriesOption } from 'echarts/charts';
import type {
  GridComponentOption,
  LegendComponentOption,
  MarkLineComponentOption,
  TooltipComponentOption,
} from 'echarts/components';
import type { ComposeOption } from 'echarts/core';
import type { PoolUnit, PoolView, UsageLevel } from '../../../protocol/pool.js';
import { formatBytes, formatPercent, formatTime } from '../../format.js';

export type PoolChartOption = ComposeOption<
  | BarSeriesOption
  | GridComponentOption
  | LegendComponentOption
  | MarkLineComponentOption
  | TooltipComponentOption
>;

/** The colours the chart takes from the console's theme (light or dark). */
export interface ChartPalette {
  text: string;
  subtleText: string;
  splitLine: string;
  ok: string;
  warning: string;
  critical: string;
  /** The free part of a bar. */
  free: string;
  /** A down unit's bar: its numbers are the last ones it reported. */
  down: string;
  info: string;
  /** Text on a coloured pill (white on light, black on dark). */
  onColor: string;
  tooltipBackground: string;
  tooltipBorder: string;
}

/** Height that gives each unit a readable bar plus room for the legend and the axis. */
export function chartHeight(unitCount: number): number {
  return Math.max(unitCount, 1) * 44 + 80;
}

/** Stripes mark capacity held back for recovery, whatever its colour. */
const stripes = (color: string) => ({
  symbol: 'rect',
  symbolSize: 1,
  color,
  dashArrayX: [1, 0],
  dashArrayY: [3, 4],
  rotation: -Math.PI / 4,
});
const spareDecal = stripes('rgba(255, 255, 255, 0.45)');
// Lighter on the free part, which is pale already.
const spareFreeDecal = stripes('rgba(128, 128, 128, 0.3)');

function clampPct(pct: number): number {
  return Number.isFinite(pct) ? Math.min(Math.max(pct, 0), 100) : 0;
}

function usedColor(unit: PoolUnit, palette: ChartPalette): string {
  if (unit.health === 'down') return palette.down;
  const byLevel: Record<UsageLevel, string> = {
    ok: palette.ok,
    warning: palette.warning,
    critical: palette.critical,
  };
  return byLevel[unit.level];
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** The tooltip for one unit: its bytes, which the percentage axis does not show. */
export function unitTooltip(unit: PoolUnit, pool: PoolView): string {
  const used = Math.max(unit.totalBytes - unit.freeBytes, 0);
  const state = [
    unit.health === 'down'
      ? `down: numbers from its last report (${formatTime(unit.updatedAt)})`
      : `health ${unit.health}`,
    ...(unit.spare ? ['spare: held back for recovery'] : []),
  ];
  const { warningPct, criticalPct } = pool.thresholds;
  const volumes = `${unit.volumeCount} volume${unit.volumeCount === 1 ? '' : 's'}`;
  return [
    `<b>${escapeHtml(unit.name)}</b>`,
    escapeHtml(state.join(' · ')),
    `Used ${formatBytes(used)} of ${formatBytes(unit.totalBytes)} (${formatPercent(unit.usedPct)}, ${unit.level})`,
    `Free ${formatBytes(unit.freeBytes)}`,
    `Volumes ${formatBytes(unit.allocatedBytes)} in ${volumes}`,
    `<span style="opacity:.7">warning at ${warningPct}%, critical at ${criticalPct}%</span>`,
  ].join('<br/>');
}

function dataIndexOf(params: unknown): number {
  const first: unknown = Array.isArray(params) ? params[0] : params;
  const index = (first as { dataIndex?: unknown } | undefined)?.dataIndex;
  return typeof index === 'number' ? index : -1;
}

/**
 * One stacked horizontal bar per unit (used, then free) on a percentage axis, so the
 * warning and critical thresholds are one vertical line each for every unit. Bytes are in
 * the axis labels and the tooltip. Down units are grey, spare units striped.
 */
export function poolChartOption(pool: PoolView, palette: ChartPalette): PoolChartOption {
  const units = [...pool.units].sort((a, b) => a.name.localeCompare(b.name));
  const { warningPct, criticalPct } = pool.thresholds;
  const anySpare = units.some((u) => u.spare);
  const anyDown = units.some((u) => u.health === 'down');

  const used = units.map((u) => ({
    value: clampPct(u.usedPct),
    itemStyle: {
      color: usedColor(u, palette),
      ...(u.spare ? { decal: spareDecal } : {}),
    },
  }));
  const free = units.map((u) => ({
    value: 100 - clampPct(u.usedPct),
    itemStyle: {
      color: palette.free,
      ...(u.health === 'down'
        ? { borderColor: palette.down, borderType: 'dashed' as const, borderWidth: 1 }
        : {}),
      ...(u.spare ? { decal: spareFreeDecal } : {}),
    },
  }));

  // The two labels lean away from each other: 10 points apart they would run into one another.
  const thresholdLine = (name: string, pct: number, color: string, align: 'left' | 'right') => ({
    name,
    xAxis: pct,
    lineStyle: { color, type: 'dashed' as const, width: 1.5 },
    label: {
      formatter: `${name} ${pct}%`,
      color,
      fontSize: 11,
      align,
      padding: align === 'right' ? [0, 4, 0, 0] : [0, 0, 0, 4],
    },
  });

  // Legend-only series: they explain the grey and the stripes without a separate key.
  const keySeries: BarSeriesOption[] = [
    ...(anySpare
      ? [
          {
            type: 'bar' as const,
            name: 'Spare (held back)',
            // In the same stack, so it takes no room beside the real bars.
            stack: 'capacity',
            data: [],
            itemStyle: { color: palette.info, decal: spareDecal },
          },
        ]
      : []),
    ...(anyDown
      ? [
          {
            type: 'bar' as const,
            name: 'Down (last report)',
            stack: 'capacity',
            data: [],
            itemStyle: { color: palette.down },
          },
        ]
      : []),
  ];

  const pill = {
    color: palette.onColor,
    fontSize: 10,
    fontWeight: 600,
    height: 14,
    lineHeight: 14,
    verticalAlign: 'middle' as const,
    padding: [0, 4],
    borderRadius: 3,
  };

  return {
    backgroundColor: 'transparent',
    textStyle: { color: palette.text },
    animationDuration: 300,
    grid: { left: 8, right: 24, top: 24, bottom: 40 },
    legend: {
      bottom: 0,
      selectedMode: false,
      textStyle: { color: palette.subtleText },
      itemWidth: 14,
      itemHeight: 10,
    },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      backgroundColor: palette.tooltipBackground,
      borderColor: palette.tooltipBorder,
      textStyle: { color: palette.text, fontSize: 12 },
      formatter: (params: unknown) => {
        const unit = units[dataIndexOf(params)];
        return unit ? unitTooltip(unit, pool) : '';
      },
    },
    xAxis: {
      type: 'value',
      min: 0,
      max: 100,
      interval: 25,
      axisLabel: { formatter: '{value}%', color: palette.subtleText },
      splitLine: { lineStyle: { color: palette.splitLine } },
    },
    yAxis: {
      type: 'category',
      // Top to bottom in name order, like the table below.
      inverse: true,
      data: units.map((u) => u.name),
      axisTick: { show: false },
      axisLine: { lineStyle: { color: palette.splitLine } },
      axisLabel: {
        color: palette.text,
        lineHeight: 16,
        formatter: (_value: string, index: number) => {
          const unit = units[index];
          if (!unit) return '';
          const tags = [
            ...(unit.health === 'down' ? ['{down|down}'] : []),
            ...(unit.spare ? ['{spare|spare}'] : []),
          ];
          return `{name|${unit.name}}${tags.length ? ' ' + tags.join(' ') : ''}\n{meta|${formatBytes(unit.totalBytes)}}`;
        },
        rich: {
          name: { color: palette.text, fontWeight: 600, fontSize: 12 },
          meta: { color: palette.subtleText, fontSize: 11 },
          down: { ...pill, backgroundColor: palette.critical },
          spare: { ...pill, backgroundColor: palette.info },
        },
      },
    },
    series: [
      {
        type: 'bar',
        name: 'Used',
        stack: 'capacity',
        barMaxWidth: 22,
        data: used,
        itemStyle: { color: palette.ok },
        markLine: {
          silent: true,
          symbol: 'none',
          // The top end (the category axis is inverted), clear of the percent labels.
          label: { position: 'start' },
          data: [
            thresholdLine('warning', warningPct, palette.warning, 'right'),
            thresholdLine('critical', criticalPct, palette.critical, 'left'),
          ],
        },
      },
      {
        type: 'bar',
        name: 'Free',
        stack: 'capacity',
        barMaxWidth: 22,
        data: free,
        itemStyle: { color: palette.free },
      },
      ...keySeries,
    ],
  };
}
