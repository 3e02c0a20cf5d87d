import { CapacityRepo, type CapacitySample } from '../../db/capacity-repo.js';
import { NodesRepo } from '../../db/nodes-repo.js';
import { SettingsRepo } from '../../db/settings-repo.js';
import { buildPoolView } from '../../pool/view.js';
import { paged } from '../paged.js';
import type { Period, ReportChart, ReportDefinition, Row } from '../types.js';

const gib = (n: number) => Math.round((n / 2 ** 30) * 10) / 10;

/** The pool and each unit now, and the pool's trend over the period from stored samples. */
export const capacityReport: ReportDefinition = {
  kind: 'capacity',
  title: 'Capacity',
  periodic: true,
  async build({ db, period }) {
    // The same merge the console's Pool page shows, so the numbers agree.
    const pool = buildPoolView(await new NodesRepo(db).list(), await new SettingsRepo(db).get());
    const samples = new CapacityRepo(db);
    const trend = await samples.poolTrend(period, 200);
    const t = pool.totals;
    const { warningPct, criticalPct } = pool.thresholds;
    const now: Row[] = [
      {
        scope: 'pool',
        name: 'pool',
        health: null,
        spare: false,
        totalBytes: t.totalBytes,
        allocatedBytes: t.allocatedBytes,
        freeBytes: t.freeBytes,
        usedPct: t.usedPct,
        level: t.level,
        volumes: pool.units.filter((u) => !u.spare).reduce((s, u) => s + u.volumeCount, 0),
        warningPct,
        criticalPct,
      },
      ...pool.units.map((u) => ({
        scope: 'unit',
        name: u.name,
        health: u.health,
        spare: u.spare,
        totalBytes: u.totalBytes,
        allocatedBytes: u.allocatedBytes,
        freeBytes: u.freeBytes,
        usedPct: u.usedPct,
        level: u.level,
        volumes: u.volumeCount,
        warningPct,
        criticalPct,
      })),
    ];
    return {
      summary: [
        { key: 'totalBytes', label: 'Pool total', value: t.totalBytes, type: 'bytes' },
        { key: 'allocatedBytes', label: 'Allocated', value: t.allocatedBytes, type: 'bytes' },
        { key: 'freeBytes', label: 'Free', value: t.freeBytes, type: 'bytes' },
        {
          key: 'allocatableBytes',
          label: 'Allocatable now',
          value: t.allocatableBytes,
          type: 'bytes',
        },
        { key: 'usedPct', label: 'Used', value: t.usedPct, type: 'percent' },
        { key: 'level', label: 'Level', value: t.level },
        {
          key: 'spareBytes',
          label: 'Held back on spare units',
          value: pool.spareBytes,
          type: 'bytes',
        },
        { key: 'units', label: 'Units', value: pool.units.length, type: 'number' },
      ],
      charts: [
        ...(trend.length ? [trendChart(trend, period, warningPct, criticalPct)] : []),
        ...(pool.units.length
          ? [
              {
                title: 'Per unit: used and free (GiB)',
                option: {
                  legend: { data: ['used', 'free'], top: 4, right: 8 },
                  xAxis: { type: 'category', data: pool.units.map((u) => u.name) },
                  yAxis: { type: 'value', name: 'GiB' },
                  series: [
                    {
                      name: 'used',
                      type: 'bar',
                      stack: 'all',
                      data: pool.units.map((u) => gib(u.totalBytes - u.freeBytes)),
                    },
                    {
                      name: 'free',
                      type: 'bar',
                      stack: 'all',
                      data: pool.units.map((u) => gib(u.freeBytes)),
                    },
                  ],
                },
              },
            ]
          : []),
      ],
      tables: [
        {
          name: 'capacity',
          title: 'Pool and units now',
          columns: [
            { key: 'scope', label: 'Scope' },
            { key: 'name', label: 'Name' },
            { key: 'health', label: 'Health' },
            { key: 'spare', label: 'Spare', type: 'bool' },
            { key: 'totalBytes', label: 'Total', type: 'bytes' },
            { key: 'allocatedBytes', label: 'Allocated', type: 'bytes' },
            { key: 'freeBytes', label: 'Free', type: 'bytes' },
            { key: 'usedPct', label: 'Used', type: 'percent' },
            { key: 'level', label: 'Level' },
            { key: 'volumes', label: 'Volumes', type: 'number' },
            { key: 'warningPct', label: 'Warning at', type: 'percent' },
            { key: 'criticalPct', label: 'Critical at', type: 'percent' },
          ],
          rows: async function* () {
            yield* now;
          },
        },
        {
          name: 'samples',
          title: 'Stored samples in the period',
          columns: [
            { key: 'at', label: 'At', type: 'time' },
            { key: 'name', label: 'Pool or unit' },
            { key: 'totalBytes', label: 'Total', type: 'bytes' },
            { key: 'allocatedBytes', label: 'Allocated', type: 'bytes' },
            { key: 'freeBytes', label: 'Free', type: 'bytes' },
            { key: 'usedPct', label: 'Used', type: 'percent' },
          ],
          rows: async function* () {
            const all = paged<CapacitySample>((after, limit) => samples.list(period, after, limit));
            for await (const s of all)
              yield {
                at: s.at,
                name: s.name,
                totalBytes: s.totalBytes,
                allocatedBytes: s.allocatedBytes,
                freeBytes: s.freeBytes,
                usedPct: s.usedPct,
              };
          },
        },
      ],
    };
  },
};

function trendChart(
  trend: CapacitySample[],
  period: Period,
  warning: number,
  critical: number,
): ReportChart {
  return {
    title: 'Pool used over the period (%)',
    option: {
      // The whole period, however few samples fall in it.
      xAxis: { type: 'time', min: period.from, max: period.to },
      yAxis: { type: 'value', min: 0, max: 100, name: '%' },
      series: [
        {
          type: 'line',
          showSymbol: trend.length < 40,
          data: trend.map((s) => [s.at, s.usedPct]),
          markLine: {
            symbol: 'none',
            label: { formatter: '{b}', position: 'insideEndTop' },
            data: [
              { name: 'warning', yAxis: warning, lineStyle: { color: '#d08a00' } },
              { name: 'critical', yAxis: critical, lineStyle: { color: '#c62828' } },
            ],
          },
        },
      ],
    },
  };
}
