import { describe, expect, it } from 'vitest';
import {
  exportsSummary,
  filterVolumes,
  planBulkDelete,
  planBulkUnexport,
  runEach,
  sortVolumes,
  volumeSorters,
} from '../../../renderer/pages/volumes/volume-list.js';
import { bareExport, hostExport, manyVolumes, volume } from './volume-fixtures.js';

describe('volume list helpers', () => {
  const db = volume('db-01', { exports: [hostExport('host-01')] });
  const web = volume('web-01', {
    unitId: 'u2',
    unitName: 'unit-02',
    exports: [bareExport('5a3c9e1f')],
  });
  const shared = volume('cluster-fs', {
    shared: true,
    exports: [hostExport('host-01'), hostExport('host-02'), hostExport('host-03')],
  });
  const idle = volume('scratch', { allocatedBytes: null });
  const all = [db, web, shared, idle];

  it('says who a volume is exported to: names, IQNs, a count when many', () => {
    expect(exportsSummary(idle)).toBe('—');
    expect(exportsSummary(db)).toBe('host-01');
    expect(exportsSummary(web)).toBe('iqn.2005-03.org.open-iscsi:5a3c9e1f');
    expect(exportsSummary(volume('two', { exports: [hostExport('a'), bareExport('b')] }))).toBe(
      'a, iqn.2005-03.org.open-iscsi:b',
    );
    expect(exportsSummary(shared)).toBe('3 initiators');
  });

  it('searches name, unit, target IQN, initiator IQN and host name, every word', () => {
    const names = (q: string) => filterVolumes(all, q).map((v) => v.name);
    expect(filterVolumes(all, '  ')).toBe(all);
    expect(names('DB')).toEqual(['db-01']);
    expect(names('unit-02')).toEqual(['web-01']);
    expect(names('vol.scratch')).toEqual(['scratch']);
    expect(names('open-iscsi:5a3c')).toEqual(['web-01']);
    expect(names('host-02')).toEqual(['cluster-fs']);
    expect(names('host-01 unit-01')).toEqual(['db-01', 'cluster-fs']);
    expect(names('host-01 web')).toEqual([]);
  });

  it('sorts by every column, unknown allocation lowest, names in natural order', () => {
    const list = [volume('vol-10'), volume('vol-9'), volume('vol-100')];
    expect(sortVolumes(list, 'name').map((v) => v.name)).toEqual(['vol-9', 'vol-10', 'vol-100']);
    expect(sortVolumes(all, 'allocatedBytes')[0]!.name).toBe('scratch');
    expect(sortVolumes(all, 'exports', 'descend')[0]!.name).toBe('cluster-fs');
    expect(sortVolumes(all, 'unitName', 'descend')[0]!.name).toBe('web-01');
    expect(sortVolumes(all, 'shared', 'descend')[0]!.name).toBe('cluster-fs');
    // The input is left alone: the store's list is shared by every page.
    expect(all.map((v) => v.name)).toEqual(['db-01', 'web-01', 'cluster-fs', 'scratch']);
    for (const key of Object.keys(volumeSorters) as (keyof typeof volumeSorters)[])
      expect(sortVolumes(all, key)).toHaveLength(4);
  });

  it('filters and sorts 10,000 volumes (bench/console measures the speed)', () => {
    const many = manyVolumes(10_000);
    // First search builds the cached search text; later keystrokes only compare.
    const first = filterVolumes(many, 'vol-0999');
    const narrow = filterVolumes(many, 'vol-0999');
    const wide = filterVolumes(many, 'unit-02 host-1');
    const bySize = sortVolumes(many, 'sizeBytes', 'descend');
    const byName = sortVolumes(many, 'name');
    const byUnit = sortVolumes(wide, 'unitName');

    expect(first).toHaveLength(10);
    expect(narrow.map((v) => v.name)).toEqual(first.map((v) => v.name));
    expect(wide.length).toBeGreaterThan(100);
    expect(wide.every((v) => v.unitName === 'unit-02' && v.exports.length)).toBe(true);
    expect(bySize[0]!.sizeBytes).toBe(97 * 1024 ** 3);
    expect(byName[0]!.name).toBe('vol-00000');
    expect(byName[9999]!.name).toBe('vol-09999');
    expect(byUnit).toHaveLength(wide.length);
  });

  it('plans a bulk delete: exported volumes are refused and named', () => {
    const plan = planBulkDelete(all);
    expect(plan.deletable.map((v) => v.name)).toEqual(['scratch']);
    expect(plan.exported.map((v) => v.name)).toEqual(['db-01', 'web-01', 'cluster-fs']);
  });

  it('plans a bulk unexport: one call per volume and initiator', () => {
    const plan = planBulkUnexport(all);
    expect(plan.map((p) => `${p.volume.name} ${p.label}`)).toEqual([
      'db-01 host-01',
      'web-01 iqn.2005-03.org.open-iscsi:5a3c9e1f',
      'cluster-fs host-01',
      'cluster-fs host-02',
      'cluster-fs host-03',
    ]);
    expect(plan[0]!.initiatorIqn).toBe('iqn.1993-08.org.debian:01:host-01');
  });

  it('runs bulk work a few at a time and keeps going past failures', async () => {
    let running = 0;
    let peak = 0;
    const progress: number[] = [];
    const failures = await runEach(
      [1, 2, 3, 4, 5, 6, 7],
      async (n) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running -= 1;
        if (n % 3 === 0) throw new Error(`no ${n}`);
      },
      3,
      (done) => progress.push(done),
    );
    expect(peak).toBe(3);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(failures.map((f) => [f.item, (f.error as Error).message])).toEqual([
      [3, 'no 3'],
      [6, 'no 6'],
    ]);
    expect(await runEach([], async () => {})).toEqual([]);
  });
});
