import { describe, expect, it } from 'vitest';
import {
  chartHeight,
  poolChartOption,
  unitTooltip,
  type ChartPalette,
} from '../../../renderer/pages/pool/pool-chart.js';
import { samplePool } from './fixtures.js';

const palette: ChartPalette = {
  text: 'text',
  subtleText: 'subtle',
  splitLine: 'split',
  ok: 'green',
  warning: 'orange',
  critical: 'red',
  free: 'pale',
  down: 'grey',
  info: 'blue',
  onColor: 'white',
  tooltipBackground: 'bg',
  tooltipBorder: 'border',
};

interface Bar {
  value: number;
  itemStyle: { color: string; decal?: unknown; borderType?: string };
}
interface Series {
  name: string;
  stack?: string;
  data: Bar[];
  markLine?: { data: { name: string; xAxis: number }[] };
}

function parts(option: ReturnType<typeof poolChartOption>) {
  const series = option.series as Series[];
  const yAxis = option.yAxis as {
    data: string[];
    axisLabel: { formatter: (v: string, i: number) => string };
  };
  const tooltip = option.tooltip as { formatter: (p: unknown) => string };
  return {
    used: series.find((s) => s.name === 'Used')!,
    free: series.find((s) => s.name === 'Free')!,
    names: series.map((s) => s.name),
    series,
    yAxis,
    tooltip,
  };
}

describe('poolChartOption', () => {
  it('draws one used + free bar per unit, in name order, on a 0-100 % axis', () => {
    const { used, free, yAxis } = parts(poolChartOption(samplePool(), palette));
    expect(yAxis.data).toEqual(['unit-01', 'unit-02', 'unit-03', 'unit-04']);
    expect(used.data.map((d) => d.value)).toEqual([40, 40, 95, 10]);
    expect(used.data.map((d, i) => d.value + free.data[i]!.value)).toEqual([100, 100, 100, 100]);
  });

  it('colours used space by level, greys down units and stripes spare ones', () => {
    const { used, free } = parts(poolChartOption(samplePool(), palette));
    expect(used.data.map((d) => d.itemStyle.color)).toEqual(['green', 'grey', 'red', 'green']);
    expect(used.data.map((d) => d.itemStyle.decal !== undefined)).toEqual([
      false,
      false,
      false,
      true,
    ]);
    expect(free.data[1]!.itemStyle.borderType).toBe('dashed');
    expect(free.data[3]!.itemStyle.decal).toBeDefined();
  });

  it('marks both thresholds as vertical lines', () => {
    const pool = samplePool();
    pool.thresholds = { warningPct: 70, criticalPct: 85 };
    const { used } = parts(poolChartOption(pool, palette));
    expect(used.markLine?.data.map((d) => [d.name, d.xAxis])).toEqual([
      ['warning', 70],
      ['critical', 85],
    ]);
  });

  it('adds legend keys for spare and down only when such units exist, in the same stack', () => {
    const all = parts(poolChartOption(samplePool(), palette));
    expect(all.names).toEqual(['Used', 'Free', 'Spare (held back)', 'Down (last report)']);
    expect(new Set(all.series.map((s) => s.stack))).toEqual(new Set(['capacity']));

    const plain = samplePool();
    plain.units = plain.units.filter((u) => !u.spare && u.health !== 'down');
    expect(parts(poolChartOption(plain, palette)).names).toEqual(['Used', 'Free']);
  });

  it('clamps impossible percentages instead of drawing past the axis', () => {
    const pool = samplePool();
    pool.units[0]!.usedPct = 130;
    pool.units[1]!.usedPct = Number.NaN;
    const { used, free } = parts(poolChartOption(pool, palette));
    // units[0] is unit-03 (third by name), units[1] is unit-01 (first).
    expect(used.data[2]!.value).toBe(100);
    expect(free.data[2]!.value).toBe(0);
    expect(used.data[0]!.value).toBe(0);
  });

  it('labels each unit with its size and its state', () => {
    const { yAxis } = parts(poolChartOption(samplePool(), palette));
    const label = (i: number) => yAxis.axisLabel.formatter('', i);
    expect(label(0)).toBe('{name|unit-01}\n{meta|1000 GiB}');
    expect(label(1)).toContain('{down|down}');
    expect(label(3)).toContain('{spare|spare}');
  });

  it('puts the bytes in the tooltip, for the unit under the pointer', () => {
    const pool = samplePool();
    const { tooltip } = parts(poolChartOption(pool, palette));
    const html = tooltip.formatter([{ dataIndex: 2 }]);
    expect(html).toContain('<b>unit-03</b>');
    expect(html).toContain('Used 950 GiB of 1000 GiB (95%, critical)');
    expect(html).toContain('warning at 75%, critical at 90%');
    expect(tooltip.formatter([{ dataIndex: 99 }])).toBe('');
  });

  it('escapes what it puts into tooltip HTML', () => {
    const pool = samplePool();
    const u = { ...pool.units[1]!, name: '<img src=x>' };
    expect(unitTooltip(u, pool)).toContain('&lt;img src=x&gt;');
    expect(unitTooltip(u, pool)).not.toContain('<img');
  });

  it('grows with the number of units', () => {
    expect(chartHeight(0)).toBe(chartHeight(1));
    expect(chartHeight(10)).toBeGreaterThan(chartHeight(2));
  });
});
