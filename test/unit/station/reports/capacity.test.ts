import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoolView } from '../../../../protocol/index.js';
import { CapacityRepo } from '../../../../station/db/capacity-repo.js';
import { Database } from '../../../../station/db/database.js';
import { EventBus } from '../../../../station/events.js';
import { createLogger } from '../../../../station/log.js';
import { CapacitySampler } from '../../../../station/reports/sampler.js';

let db: Database;
let repo: CapacityRepo;
beforeAll(async () => {
  db = await Database.open(join(mkdtempSync(join(tmpdir(), 'dvsan-cap-')), 's.db'));
  repo = new CapacityRepo(db);
});
afterAll(() => db?.close());

const unit = {
  nodeId: 'u1',
  name: 'unit-a',
  health: 'up',
  spare: false,
  pools: [],
  updatedAt: null,
};
const pool = (freeBytes: number): PoolView => ({
  totals: {
    totalBytes: 100,
    freeBytes,
    allocatableBytes: freeBytes,
    allocatedBytes: 100 - freeBytes,
    usedPct: 100 - freeBytes,
    level: 'ok',
  },
  spareBytes: 0,
  units: [
    {
      ...unit,
      health: 'up',
      totalBytes: 100,
      freeBytes,
      allocatedBytes: 100 - freeBytes,
      volumeCount: 1,
      usedPct: 100 - freeBytes,
      level: 'ok',
    },
  ],
  thresholds: { warningPct: 80, criticalPct: 90 },
});
const period = { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' };

describe('capacity samples', () => {
  it('stores the pool and each unit on a change, at most once per gap, and prunes old ones', async () => {
    const bus = new EventBus();
    const sampler = new CapacitySampler(repo, async () => pool(0), bus, createLogger('silent'), {
      minGapMs: 60_000,
      retentionDays: 30,
    });
    await sampler.start(false);
    const t0 = Date.parse('2026-01-10T00:00:00Z');
    sampler.offer(pool(50), new Date(t0));
    sampler.offer(pool(40), new Date(t0 + 30_000)); // inside the gap: dropped
    sampler.offer(pool(30), new Date(t0 + 61_000));
    sampler.offer(pool(20), new Date(t0 + 40 * 24 * 3600_000)); // prunes the first two
    await sampler.close();
    const stored = await repo.list(
      { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' },
      null,
      100,
    );
    expect(stored.map((s) => [s.scope, s.freeBytes])).toEqual([
      ['pool', 20],
      ['u1', 20],
    ]);
  });

  it('thins a long trend to at most the points a chart needs, keeping the ends', async () => {
    await db.run('DELETE FROM capacity_samples');
    const start = Date.parse(period.from);
    const samples = Array.from({ length: 24 * 31 }, (_, h) => ({
      at: new Date(start + h * 3600_000).toISOString(),
      scope: 'pool',
      name: 'pool',
      totalBytes: 100,
      freeBytes: 100 - (h % 100),
      allocatedBytes: 0,
      usedPct: h % 100,
    }));
    await repo.add(samples);
    const trend = await repo.poolTrend(period, 50);
    expect(trend.length).toBeLessThanOrEqual(50);
    expect(trend.length).toBeGreaterThan(40);
    expect(trend.at(-1)?.at).toBe(samples.at(-1)?.at);
    expect(trend.map((s) => s.at)).toEqual([...trend.map((s) => s.at)].sort());
  });
});
