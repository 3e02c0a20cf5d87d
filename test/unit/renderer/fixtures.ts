// Sample pool data shared by the renderer tests: a healthy unit, a down one, a spare one and
// one over the critical threshold.
import type { EventRecord, PoolUnit, PoolView } from '../../../protocol/pool.js';

const GiB = 1024 ** 3;

export function unit(name: string, over: Partial<PoolUnit> = {}): PoolUnit {
  const totalBytes = over.totalBytes ?? 1000 * GiB;
  const freeBytes = over.freeBytes ?? 600 * GiB;
  return {
    nodeId: `id-${name}`,
    name,
    health: 'up',
    spare: false,
    totalBytes,
    freeBytes,
    allocatedBytes: 300 * GiB,
    volumeCount: 3,
    usedPct: Math.round(((totalBytes - freeBytes) / totalBytes) * 1000) / 10,
    level: 'ok',
    pools: [],
    updatedAt: '2025-11-25T10:00:00.000Z',
    ...over,
  };
}

export function samplePool(): PoolView {
  const units = [
    unit('unit-03', { freeBytes: 50 * GiB, usedPct: 95, level: 'critical' }),
    unit('unit-01'),
    unit('unit-02', { health: 'down' }),
    unit('unit-04', { spare: true, freeBytes: 900 * GiB, usedPct: 10 }),
  ];
  return {
    totals: {
      totalBytes: 4000 * GiB,
      freeBytes: 2150 * GiB,
      allocatableBytes: 650 * GiB,
      allocatedBytes: 1200 * GiB,
      usedPct: 46.3,
      level: 'ok',
    },
    spareBytes: 900 * GiB,
    units,
    thresholds: { warningPct: 75, criticalPct: 90 },
  };
}

export function eventRecord(id: number, over: Partial<EventRecord> = {}): EventRecord {
  return {
    id,
    at: new Date(Date.UTC(2025, 10, 25, 10, 0, id)).toISOString(),
    severity: 'info',
    kind: 'node.up',
    nodeId: 'n1',
    message: `event ${id}`,
    details: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    ...over,
  };
}
