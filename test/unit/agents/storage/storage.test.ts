import { execFileSync } from 'node:child_process';
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  rm,
  stat,
  symlink,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { impossibleStorage, storageInventorySchema } from '../../../../protocol/storage.js';
import {
  collectStorage,
  listFileVolumes,
  listVolumeGroups,
  parseVgs,
} from '../../../../agents/storage/index.js';
import { FakeLvm } from '../volumes/fake-lvm.js';

const GiB = 1024 ** 3;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'dvsan-storage-'));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('collectStorage', () => {
  it('reports the data dir as a pool and sparse .img files in volumes/ as volumes', async () => {
    const dataDir = path.join(root, 'data');
    const volumes = path.join(dataDir, 'volumes');
    await mkdir(volumes, { recursive: true });
    await writeFile(path.join(volumes, 'vol-b.img'), '');
    await truncate(path.join(volumes, 'vol-b.img'), GiB);
    await writeFile(path.join(volumes, 'vol-a.img'), Buffer.alloc(64 * 1024, 1));
    // Not volumes: other suffixes, a bare ".img", a directory, a symlink.
    await writeFile(path.join(volumes, 'notes.txt'), 'x');
    await writeFile(path.join(volumes, '.img'), 'x');
    await mkdir(path.join(volumes, 'dir.img'));
    await symlink('/etc/hostname', path.join(volumes, 'link.img'));

    const inventory = await collectStorage({ DVSAN_DATA_DIR: dataDir, PATH: '' });
    expect(storageInventorySchema.parse(inventory)).toEqual(inventory);
    expect(impossibleStorage(inventory)).toBeNull();

    const dirPool = inventory.pools[0]!;
    expect(dirPool).toMatchObject({ id: `dir:${dataDir}`, kind: 'directory', path: dataDir });
    // The same numbers df prints for that filesystem.
    const df = execFileSync('df', ['-B1', '--output=size,avail', dataDir], { encoding: 'utf8' });
    const [size, avail] = df.trim().split('\n')[1]!.trim().split(/\s+/).map(Number);
    expect(dirPool.totalBytes).toBe(size);
    // Free space moves while other tests write; allow 64 MiB of drift.
    expect(Math.abs(dirPool.freeBytes - avail!)).toBeLessThan(64 * 1024 ** 2);

    expect(inventory.volumes.map((v) => v.id)).toEqual(['vol-a', 'vol-b']);
    const sparse = inventory.volumes[1]!;
    expect(sparse).toMatchObject({
      id: 'vol-b',
      name: 'vol-b',
      pool: dirPool.id,
      sizeBytes: GiB,
      backing: path.join(volumes, 'vol-b.img'),
      offset: 0,
      exported: false,
    });
    expect(sparse.allocatedBytes).toBeLessThan(GiB / 100);
    expect(inventory.volumes[0]!.allocatedBytes).toBeGreaterThanOrEqual(64 * 1024);
  });

  it('creates nothing: a missing data dir is measured through its parent, with no volumes', async () => {
    const dataDir = path.join(root, 'absent', 'data');
    const inventory = await collectStorage({ DVSAN_DATA_DIR: dataDir, PATH: '' });
    expect(inventory.pools).toHaveLength(1);
    expect(inventory.pools[0]!.totalBytes).toBeGreaterThan(0);
    expect(inventory.volumes).toEqual([]);
    await expect(listFileVolumes(dataDir, 'dir:x')).resolves.toEqual([]);
    await expect(stat(path.join(root, 'absent'))).rejects.toThrow();
  });
});

describe('collectStorage with LVM and exports', () => {
  it('lists dvsan LVs of every VG beside the file volumes, and flags exported backings', async () => {
    const dataDir = path.join(root, 'lvm-data');
    await mkdir(path.join(dataDir, 'volumes'), { recursive: true });
    await writeFile(path.join(dataDir, 'volumes', 'file-1.img'), '');
    await truncate(path.join(dataDir, 'volumes', 'file-1.img'), GiB);
    const lvm = new FakeLvm()
      .addVg('vg0', 100 * GiB, {
        root: { sizeBytes: 10 * GiB },
        'dvsan-thin': { sizeBytes: 50 * GiB, dataPercent: '2.00' },
        'dvsan-db': { sizeBytes: 4 * GiB, pool: 'dvsan-thin', dataPercent: '50.00' },
        'dvsan-logs': { sizeBytes: GiB },
      })
      .addVg('vg1', 10 * GiB);

    const inventory = await collectStorage(
      { DVSAN_DATA_DIR: dataDir, PATH: '' },
      {
        runner: lvm.runner,
        exportedBackings: new Set([
          '/dev/vg0/dvsan-db',
          path.join(dataDir, 'volumes', 'file-1.img'),
        ]),
      },
    );
    expect(storageInventorySchema.parse(inventory)).toEqual(inventory);
    expect(impossibleStorage(inventory)).toBeNull();
    expect(inventory.pools.map((p) => p.id)).toEqual([`dir:${dataDir}`, 'lvm:vg0', 'lvm:vg1']);
    expect(inventory.volumes.map((v) => [v.id, v.pool, v.exported])).toEqual([
      ['file-1', `dir:${dataDir}`, true],
      ['db', 'lvm:vg0', true],
      ['logs', 'lvm:vg0', false],
    ]);
    expect(inventory.volumes[1]).toMatchObject({
      sizeBytes: 4 * GiB,
      allocatedBytes: 2 * GiB,
      backing: '/dev/vg0/dvsan-db',
    });
  });

  it('keeps a VG whose lvs fails as a pool without volumes, and never lists partials', async () => {
    const dataDir = path.join(root, 'partial-data');
    const volumes = path.join(dataDir, 'volumes');
    await mkdir(volumes, { recursive: true });
    await writeFile(path.join(volumes, 'new.img.partial'), 'x');
    await writeFile(path.join(volumes, 'crashed.img.partial'), 'x');
    const old = new Date(Date.now() - 5 * 60_000);
    await utimes(path.join(volumes, 'crashed.img.partial'), old, old);
    const lvm = new FakeLvm().addVg('vg0', GiB, { 'dvsan-a': {} });
    lvm.failNext = { tool: 'lvs', stderr: '  Permission denied' };

    const inventory = await collectStorage(
      { DVSAN_DATA_DIR: dataDir, PATH: '' },
      { runner: lvm.runner },
    );
    expect(inventory.pools.map((p) => p.id)).toEqual([`dir:${dataDir}`, 'lvm:vg0']);
    expect(inventory.volumes).toEqual([]);
    // The crashed create's leftover is cleared; the one that may still be running stays.
    expect(await readdir(volumes)).toEqual(['new.img.partial']);
  });
});

describe('parseVgs', () => {
  it('reads VG names and byte sizes into lvm pools', () => {
    const json = JSON.stringify({
      report: [
        {
          vg: [
            { vg_name: 'vg0', vg_size: '1000204886016', vg_free: '500102443008' },
            { vg_name: 'data', vg_size: '4096B', vg_free: '0' },
          ],
        },
      ],
    });
    expect(parseVgs(json)).toEqual([
      {
        id: 'lvm:vg0',
        kind: 'lvm-vg',
        path: 'vg0',
        totalBytes: 1000204886016,
        freeBytes: 500102443008,
      },
      { id: 'lvm:data', kind: 'lvm-vg', path: 'data', totalBytes: 4096, freeBytes: 0 },
    ]);
  });

  it('skips unusable entries and tolerates odd documents', () => {
    const json = JSON.stringify({
      report: [
        {
          vg: [
            { vg_name: '', vg_size: '1', vg_free: '0' },
            { vg_name: 'x', vg_size: '1.5g', vg_free: '0' },
            { vg_name: 'y', vg_size: '10', vg_free: '11' },
            null,
            { vg_name: 'ok', vg_size: 10, vg_free: 5 },
          ],
        },
        { lv: [] },
      ],
      log: [{ log_message: 'x' }],
    });
    expect(parseVgs(json).map((p) => p.id)).toEqual(['lvm:ok']);
    expect(parseVgs('{}')).toEqual([]);
    expect(parseVgs('{"report":[{"vg":[]}]}')).toEqual([]);
  });
});

describe('listVolumeGroups', () => {
  async function fakeVgs(name: string, script: string): Promise<string> {
    const file = path.join(root, name);
    await writeFile(file, `#!/bin/sh\n${script}\n`);
    await chmod(file, 0o755);
    return file;
  }

  it('runs vgs with JSON, byte units and no suffix', async () => {
    const vgs = await fakeVgs(
      'vgs-ok',
      `[ "$*" = "--reportformat json --units b --nosuffix -o vg_name,vg_size,vg_free" ] || exit 9
echo '{"report":[{"vg":[{"vg_name":"vg0","vg_size":"100","vg_free":"40"}]}]}'`,
    );
    expect(await listVolumeGroups(vgs)).toEqual([
      { id: 'lvm:vg0', kind: 'lvm-vg', path: 'vg0', totalBytes: 100, freeBytes: 40 },
    ]);
  });

  it('gives no pools when vgs is missing, fails, prints junk or hangs', async () => {
    expect(await listVolumeGroups(null)).toEqual([]);
    expect(await listVolumeGroups(await fakeVgs('vgs-fail', 'echo denied >&2; exit 5'))).toEqual(
      [],
    );
    expect(await listVolumeGroups(await fakeVgs('vgs-junk', 'echo "  VG #PV"'))).toEqual([]);
    expect(await listVolumeGroups(await fakeVgs('vgs-hang', 'exec sleep 10'), 200)).toEqual([]);
  });
});
