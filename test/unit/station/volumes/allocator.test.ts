import { describe, expect, it } from 'vitest';
import type { PoolUnit } from '../../../../protocol/index.js';
import { placeVolume } from '../../../../station/volumes/allocator.js';

const GiB = 1024 ** 3;

const unit = (pools: PoolUnit['pools']): PoolUnit => ({
  nodeId: 'n1',
  name: 'vu1',
  health: 'up',
  spare: false,
  totalBytes: pools.reduce((s, p) => s + p.totalBytes, 0),
  freeBytes: pools.reduce((s, p) => s + p.freeBytes, 0),
  allocatedBytes: 0,
  volumeCount: 0,
  usedPct: 0,
  level: 'ok',
  pools,
  updatedAt: null,
});

describe('placeVolume with LVM volume groups', () => {
  const dir = {
    id: 'dir:/var/lib/dvsan/data',
    kind: 'directory' as const,
    path: '/var/lib/dvsan/data',
  };
  const vg = { id: 'lvm:dvsan', kind: 'lvm-vg' as const, path: 'dvsan' };

  it('puts a volume in the VG when it has the most room', () => {
    const u = unit([
      { ...dir, totalBytes: GiB, freeBytes: GiB / 4 },
      { ...vg, totalBytes: 8 * GiB, freeBytes: 8 * GiB },
    ]);
    expect(placeVolume([u], GiB, 'most-free', 'n1')).toEqual({ unitId: 'n1', pool: 'lvm:dvsan' });
  });

  it('still uses the directory when the VG is fuller', () => {
    const u = unit([
      { ...dir, totalBytes: 8 * GiB, freeBytes: 4 * GiB },
      { ...vg, totalBytes: 8 * GiB, freeBytes: GiB },
    ]);
    expect(placeVolume([u], GiB, 'most-free').pool).toBe('dir:/var/lib/dvsan/data');
  });
});
