import { describe, expect, it } from 'vitest';
import { DvsanError } from '../../../../protocol/errors.js';
import { storageVolumeSchema } from '../../../../protocol/storage.js';
import {
  LvmVolumeBackend,
  checkVgName,
  lvcreateArgs,
  lvextendArgs,
  lvremoveArgs,
  lvsArgs,
  parseLvs,
} from '../../../../agents/volumes/index.js';
import { FakeLvm } from './fake-lvm.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof DvsanError) return err.code;
    throw err;
  }
  throw new Error('expected a DvsanError');
}

describe('LVM argv', () => {
  it('builds lvs, lvcreate (thick and thin), lvextend and lvremove as argv arrays', () => {
    expect(lvsArgs('vg0')).toEqual([
      '--reportformat',
      'json',
      '--units',
      'b',
      '--nosuffix',
      '-o',
      'lv_name,lv_size,data_percent,lv_path,pool_lv,vg_extent_size',
      'vg0',
    ]);
    expect(lvcreateArgs('vg0', 'vol-1', GiB, false)).toEqual([
      '--yes',
      '-n',
      'dvsan-vol-1',
      '-L',
      `${GiB}b`,
      'vg0',
    ]);
    expect(lvcreateArgs('vg0', 'vol-1', GiB, true)).toEqual([
      '--yes',
      '-n',
      'dvsan-vol-1',
      '-V',
      `${GiB}b`,
      '--thinpool',
      'dvsan-thin',
      'vg0',
    ]);
    expect(lvextendArgs('vg0', 'vol-1', 2 * GiB)).toEqual(['-L', `${2 * GiB}b`, 'vg0/dvsan-vol-1']);
    expect(lvremoveArgs('vg0', 'vol-1')).toEqual(['-y', 'vg0/dvsan-vol-1']);
  });

  it('refuses names that could read as options or paths, and bad sizes', () => {
    for (const vg of ['-vg', '', 'a b', 'a/b', '..', '.', 'x'.repeat(200)]) {
      expect(() => checkVgName(vg), vg).toThrow(DvsanError);
    }
    expect(checkVgName('vg_data.1+x')).toBe('vg_data.1+x');
    for (const id of ['../x', '-L', 'A', 'a/b', '']) {
      expect(() => lvcreateArgs('vg0', id, GiB, false), id).toThrow(/invalid volume id/);
    }
    expect(() => lvcreateArgs('vg0', 'v', 0, false)).toThrow(/invalid volume size/);
    expect(() => lvextendArgs('vg0', 'v', 1.5)).toThrow(/invalid volume size/);
  });
});

describe('parseLvs', () => {
  it('reads dvsan LVs, thick and thin, and notices the thin pool', () => {
    const json = JSON.stringify({
      report: [
        {
          lv: [
            {
              lv_name: 'root',
              lv_size: '10737418240',
              data_percent: '',
              lv_path: '/dev/vg0/root',
              pool_lv: '',
              vg_extent_size: '4194304',
            },
            {
              lv_name: 'dvsan-thin',
              lv_size: '107374182400',
              data_percent: '3.10',
              lv_path: '',
              pool_lv: '',
              vg_extent_size: '4194304',
            },
            {
              lv_name: 'dvsan-thick',
              lv_size: '1073741824',
              data_percent: '',
              lv_path: '/dev/vg0/dvsan-thick',
              pool_lv: '',
              vg_extent_size: '4194304',
            },
            {
              lv_name: 'dvsan-thin1',
              lv_size: '4294967296B',
              data_percent: '25.00',
              lv_path: '',
              pool_lv: 'dvsan-thin',
              vg_extent_size: '4194304',
            },
            {
              lv_name: 'dvsan-Bad_Name',
              lv_size: '4194304',
              data_percent: '',
              lv_path: '/dev/vg0/dvsan-Bad_Name',
              pool_lv: '',
            },
            { lv_name: 'dvsan-odd', lv_size: '1.5g', data_percent: '', lv_path: '', pool_lv: '' },
            null,
          ],
        },
        { vg: [] },
      ],
    });
    const report = parseLvs(json, 'vg0');
    expect(report.thinPool).toBe(true);
    expect(report.extentBytes).toBe(4 * MiB);
    expect(report.volumes).toEqual([
      {
        id: 'thick',
        name: 'thick',
        pool: 'lvm:vg0',
        sizeBytes: GiB,
        allocatedBytes: GiB,
        backing: '/dev/vg0/dvsan-thick',
        offset: 0,
        exported: false,
      },
      {
        id: 'thin1',
        name: 'thin1',
        pool: 'lvm:vg0',
        sizeBytes: 4 * GiB,
        allocatedBytes: GiB,
        // No lv_path reported: the device node LVM makes for every LV.
        backing: '/dev/vg0/dvsan-thin1',
        offset: 0,
        exported: false,
      },
    ]);
    for (const v of report.volumes) storageVolumeSchema.parse(v);
  });

  it('tolerates empty and odd documents', () => {
    expect(parseLvs('{}', 'vg0')).toEqual({ volumes: [], thinPool: false, extentBytes: null });
    expect(parseLvs('{"report":[{"lv":[]}]}', 'vg0').volumes).toEqual([]);
    expect(() => parseLvs('not json', 'vg0')).toThrow();
  });
});

describe('LvmVolumeBackend', () => {
  it('creates a thick LV, idempotently, and refuses another size', async () => {
    const lvm = new FakeLvm().addVg('vg0', 100 * GiB);
    const backend = new LvmVolumeBackend('vg0', lvm.runner);
    const size = 10 * MiB + 1; // LVM rounds this up to 12 MiB (three 4 MiB extents)
    const volume = await backend.create('vol-1', size, { preallocate: false });
    expect(volume).toMatchObject({
      id: 'vol-1',
      pool: 'lvm:vg0',
      sizeBytes: 12 * MiB,
      allocatedBytes: 12 * MiB,
      backing: '/dev/vg0/dvsan-vol-1',
      exported: false,
    });
    expect(lvm.changes()).toEqual([
      { tool: 'lvcreate', args: ['--yes', '-n', 'dvsan-vol-1', '-L', `${size}b`, 'vg0'] },
    ]);
    expect(lvm.calls[0]).toEqual({ tool: 'lvs', args: lvsArgs('vg0') });

    // The size it was asked for again: the same volume, no second lvcreate.
    await expect(backend.create('vol-1', size, { preallocate: false })).resolves.toEqual(volume);
    await expect(backend.create('vol-1', 12 * MiB, { preallocate: false })).resolves.toEqual(
      volume,
    );
    expect(await codeOf(backend.create('vol-1', 64 * MiB, { preallocate: false }))).toBe(
      'conflict',
    );
    expect(await codeOf(backend.create('vol-1', 4 * MiB, { preallocate: false }))).toBe('conflict');
    expect(lvm.changes()).toHaveLength(1);
    expect(await backend.list()).toEqual([volume]);
  });

  it('creates thin LVs in the dvsan-thin pool, thick when preallocation is asked', async () => {
    const lvm = new FakeLvm().addVg('vg0', 100 * GiB, {
      'dvsan-thin': { sizeBytes: 50 * GiB, dataPercent: '0.00' },
    });
    const backend = new LvmVolumeBackend('vg0', lvm.runner);
    const thin = await backend.create('thin-a', GiB, { preallocate: false });
    expect(thin).toMatchObject({ sizeBytes: GiB, allocatedBytes: 0 });
    await backend.create('thick-b', GiB, { preallocate: true });
    expect(lvm.changes().map((c) => c.args)).toEqual([
      ['--yes', '-n', 'dvsan-thin-a', '-V', `${GiB}b`, '--thinpool', 'dvsan-thin', 'vg0'],
      ['--yes', '-n', 'dvsan-thick-b', '-L', `${GiB}b`, 'vg0'],
    ]);
    // The thin pool is never listed as a volume, and its name cannot be taken.
    expect((await backend.list()).map((v) => v.id)).toEqual(['thin-a', 'thick-b']);
    expect(await codeOf(backend.create('thin', GiB, { preallocate: false }))).toBe(
      'invalid-params',
    );
  });

  it('grows with lvextend, treats the current size as done, and never shrinks', async () => {
    const lvm = new FakeLvm().addVg('vg0', 100 * GiB, { 'dvsan-v': { sizeBytes: GiB } });
    const backend = new LvmVolumeBackend('vg0', lvm.runner);
    const grown = await backend.resize('v', 2 * GiB);
    expect(grown.sizeBytes).toBe(2 * GiB);
    expect(lvm.changes()).toEqual([
      { tool: 'lvextend', args: ['-L', `${2 * GiB}b`, 'vg0/dvsan-v'] },
    ]);
    await expect(backend.resize('v', 2 * GiB)).resolves.toEqual(grown);
    expect(await codeOf(backend.resize('v', GiB))).toBe('invalid-params');
    expect(await codeOf(backend.resize('absent', GiB))).toBe('not-found');
    expect(lvm.changes()).toHaveLength(1);
  });

  it('removes with lvremove -y, and a second remove answers false without a command', async () => {
    const lvm = new FakeLvm().addVg('vg0', 100 * GiB, { 'dvsan-v': {}, root: {} });
    const backend = new LvmVolumeBackend('vg0', lvm.runner);
    expect(await backend.remove('v')).toBe(true);
    expect(await backend.remove('v')).toBe(false);
    expect(lvm.changes()).toEqual([{ tool: 'lvremove', args: ['-y', 'vg0/dvsan-v'] }]);
    // Someone else's LV is not a volume and cannot be reached through one.
    expect(await backend.get('root')).toBeNull();
    expect(await backend.remove('root')).toBe(false);
  });

  it('maps LVM failures: no space is invalid-params, the rest agent-error', async () => {
    const lvm = new FakeLvm().addVg('vg0', 8 * MiB);
    const backend = new LvmVolumeBackend('vg0', lvm.runner);
    const tooBig = backend.create('big', GiB, { preallocate: false });
    await expect(tooBig).rejects.toThrow(/not enough free space: .*insufficient free space/);
    expect(await codeOf(backend.create('big', GiB, { preallocate: false }))).toBe('invalid-params');
    lvm.failNext = { tool: 'lvs', stderr: '  WARNING: Running as a non-root user.\n' };
    expect(await codeOf(backend.list())).toBe('agent-error');
    expect(await codeOf(new LvmVolumeBackend('missing', lvm.runner).list())).toBe('agent-error');
    expect(() => new LvmVolumeBackend('-x', lvm.runner)).toThrow(DvsanError);
  });
});
