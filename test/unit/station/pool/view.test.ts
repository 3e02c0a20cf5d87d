import { describe, expect, it } from 'vitest';
import type { NodeRecord } from '../../../../station/db/nodes-repo.js';
import { defaultSettings } from '../../../../station/db/settings-repo.js';
import { buildPoolView, levelChanges, levelFor } from '../../../../station/pool/view.js';
import { impossibleStorage } from '../../../../protocol/index.js';

const GiB = 1024 ** 3;
const unit = (
  id: string,
  total: number,
  free: number,
  over: Partial<NodeRecord> = {},
): NodeRecord =>
  ({
    id,
    name: id,
    role: 'unit',
    health: 'up',
    spare: false,
    storageAt: '2026-11-25T00:00:00Z',
    storage: {
      pools: [
        {
          id: 'dir:/d',
          kind: 'directory',
          path: '/d',
          totalBytes: total * GiB,
          freeBytes: free * GiB,
        },
      ],
      volumes: [
        {
          id: 'v',
          name: 'v',
          pool: 'dir:/d',
          sizeBytes: GiB,
          allocatedBytes: GiB / 2,
          backing: '/d/v.img',
          offset: 0,
          exported: false,
        },
      ],
    },
    ...over,
  }) as NodeRecord;

describe('buildPoolView', () => {
  it('sums units, holds spare capacity back and does not offer a down unit’s free space', () => {
    const view = buildPoolView(
      [
        unit('u1', 100, 50),
        unit('u2', 100, 5, { health: 'down' }),
        unit('u3', 200, 200, { spare: true }),
        unit('h1', 10, 10, { role: 'host' }),
      ],
      defaultSettings,
    );
    expect(view.units.map((u) => u.name)).toEqual(['u1', 'u2', 'u3']);
    expect(view.totals).toMatchObject({
      totalBytes: 200 * GiB,
      freeBytes: 55 * GiB,
      allocatableBytes: 50 * GiB,
      allocatedBytes: GiB,
      usedPct: 72.5,
      level: 'ok',
    });
    expect(view.spareBytes).toBe(200 * GiB);
    expect(view.units.find((u) => u.name === 'u2')).toMatchObject({
      usedPct: 95,
      level: 'critical',
    });
  });

  it('reports threshold crossings once, both ways', () => {
    const a = buildPoolView([unit('u1', 100, 50)], defaultSettings);
    const b = buildPoolView([unit('u1', 100, 15)], defaultSettings);
    expect(levelChanges(a, b)).toEqual([
      { nodeId: 'u1', name: 'u1', from: 'ok', to: 'warning', usedPct: 85 },
      { nodeId: null, name: 'the pool', from: 'ok', to: 'warning', usedPct: 85 },
    ]);
    expect(levelChanges(b, b)).toEqual([]);
    expect(levelChanges(b, a).map((c) => c.to)).toEqual(['ok', 'ok']);
    expect(levelFor(90, defaultSettings.thresholds)).toBe('critical');
  });
});

describe('impossibleStorage', () => {
  const ok = unit('u', 10, 5).storage!;
  it('accepts real numbers and names impossible ones', () => {
    expect(impossibleStorage(ok)).toBeNull();
    expect(impossibleStorage({ ...ok, pools: [{ ...ok.pools[0]!, freeBytes: 11 * GiB }] })).toMatch(
      /more free/,
    );
    expect(
      impossibleStorage({ ...ok, volumes: [{ ...ok.volumes[0]!, allocatedBytes: 3 * GiB }] }),
    ).toMatch(/more than its size/);
    expect(impossibleStorage({ ...ok, volumes: [{ ...ok.volumes[0]!, pool: 'x' }] })).toMatch(
      /unknown pool/,
    );
  });
});
