// Sample volumes for the Volumes page tests: a generator for the 10,000-row timings and a
// handful with exports, a shared one and an unknown allocation.
import type { VolumeView } from '../../../protocol/volumes.js';

const GiB = 1024 ** 3;

export function volume(name: string, over: Partial<VolumeView> = {}): VolumeView {
  return {
    id: `id-${name}`,
    name,
    unitId: 'u1',
    unitName: 'unit-01',
    pool: 'data',
    sizeBytes: 10 * GiB,
    allocatedBytes: GiB,
    shared: false,
    iqn: `iqn.2025-11.io.dvsan:vol.${name}`,
    exports: [],
    createdAt: '2025-11-25T10:00:00.000Z',
    ...over,
  };
}

export const hostExport = (host: string) => ({
  initiatorIqn: `iqn.1993-08.org.debian:01:${host}`,
  hostId: `id-${host}`,
  hostName: host,
});

export const bareExport = (suffix: string) => ({
  initiatorIqn: `iqn.2005-03.org.open-iscsi:${suffix}`,
  hostId: null,
  hostName: null,
});

/** `n` volumes over four units, a third exported, sizes and dates varied, names unsorted. */
export function manyVolumes(n: number): VolumeView[] {
  const out: VolumeView[] = [];
  for (let i = 0; i < n; i++) {
    // A scrambled order, so sorting has real work to do.
    const k = (i * 7919) % n;
    const name = `vol-${String(k).padStart(5, '0')}`;
    out.push(
      volume(name, {
        id: `v${k}`,
        unitId: `u${k % 4}`,
        unitName: `unit-0${(k % 4) + 1}`,
        sizeBytes: ((k % 97) + 1) * GiB,
        allocatedBytes: k % 5 === 0 ? null : (k % 89) * GiB,
        shared: k % 50 === 0,
        exports: k % 3 === 0 ? [hostExport(`host-${String(k % 20).padStart(2, '0')}`)] : [],
        createdAt: new Date(Date.UTC(2025, 0, 1) + k * 60_000).toISOString(),
      }),
    );
  }
  return out;
}
