import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ExportConflictError,
  InvalidExportError,
  TargetNotFoundError,
} from '../../../../agents/targets/index.js';
import {
  LioRoot,
  StorageObject,
  parseInfo,
  parsePortalDirName,
  portalDirName,
  type LioContext,
} from '../../../../agents/targets/lio/index.js';
import { FakeKernel } from './fake-configfs.js';

let kernel: FakeKernel;
let ctx: LioContext;
let root: LioRoot;
const iqn = 'iqn.2026-11.io.dvsan:u.v';

beforeEach(async () => {
  kernel = await FakeKernel.boot();
  ctx = { fs: kernel, root: kernel.root };
  root = await LioRoot.open(kernel, kernel.root);
});
afterEach(async () => {
  await kernel.dispose();
});

const fileio = (dev: string) => ({ plugin: 'fileio' as const, dev, size: 4096, wwn: 'serial-1' });

describe('create modes', () => {
  it('lookup needs the object, create refuses it, any takes either', async () => {
    const fabric = await root.fabric('any');
    await expect(fabric.target(iqn, 'lookup')).rejects.toBeInstanceOf(TargetNotFoundError);
    expect((await fabric.target(iqn, 'create')).created).toBe(true);
    await expect(fabric.target(iqn, 'create')).rejects.toBeInstanceOf(ExportConflictError);
    const { target, created } = await fabric.target(iqn, 'any');
    expect(created).toBe(false);
    expect(await target.exists()).toBe(true);
    await expect(target.tpg(0, 'any')).rejects.toBeInstanceOf(InvalidExportError);
    await expect(fabric.target('iqn.2026-11.io.dvsan:U', 'create')).rejects.toMatchObject({
      code: 'invalid-params',
    });
  });

  it('storage objects take the lowest free HBA index, whatever the plugin', async () => {
    const a = (await StorageObject.open(ctx, 'fileio', 'a', 'create', fileio('/data/a'))).so;
    const b = (
      await StorageObject.open(ctx, 'block', 'b', 'create', {
        plugin: 'block',
        dev: '/dev/b',
        wwn: 's',
      })
    ).so;
    expect([a.hba.path, b.hba.path].map((p) => path.basename(p))).toEqual(['fileio_0', 'iblock_1']);
    await root.deleteStorageObject(a);
    const c = (await StorageObject.open(ctx, 'fileio', 'c', 'create', fileio('/data/c'))).so;
    expect(path.basename(c.hba.path)).toBe('fileio_0');
    await expect(
      StorageObject.open(ctx, 'fileio', 'c', 'create', fileio('/data/c')),
    ).rejects.toBeInstanceOf(ExportConflictError);
    await expect(StorageObject.open(ctx, 'fileio', 'd', 'any')).rejects.toThrow(
      /needs a fileio configuration/,
    );
    await expect(
      StorageObject.open(ctx, 'fileio', 'bad name', 'any', fileio('/x')),
    ).rejects.toBeInstanceOf(InvalidExportError);
    expect(await c.wwn()).toBe('serial-1');
    expect(await c.sizeBytes()).toBe(4096);
    expect(await c.udevPath()).toBe('/data/c');
  });

  it('a failed configure leaves no half-made storage object', async () => {
    kernel.failOn = (op, rel) => (op === 'write' && rel.endsWith('/enable') ? 'EINVAL' : null);
    await expect(
      StorageObject.open(ctx, 'fileio', 'a', 'create', fileio('/data/a')),
    ).rejects.toMatchObject({ code: 'agent-error' });
    kernel.failOn = null;
    expect(await root.storageObjects()).toEqual([]);
    expect(await kernel.readdir(path.join(kernel.root, 'core'))).toEqual([]);
  });

  it('an existing LUN or mapped LUN is never re-pointed', async () => {
    const one = (await StorageObject.open(ctx, 'fileio', 'one', 'create', fileio('/data/one'))).so;
    const two = (await StorageObject.open(ctx, 'fileio', 'two', 'create', fileio('/data/two'))).so;
    const { target } = await (await root.fabric('any')).target(iqn, 'create');
    const { tpg } = await target.tpg(1, 'create');
    const { lun } = await tpg.lun(0, 'create', one);
    expect((await tpg.lun(0, 'any', one)).created).toBe(false);
    await expect(tpg.lun(0, 'any', two)).rejects.toThrow(
      /serves storage object fileio\/one, not storage object fileio\/two/,
    );
    const { lun: lun1 } = await tpg.lun(1, 'create', two);
    const { acl } = await tpg.nodeAcl('iqn.1993-08.org.debian:01:h', 'create');
    await acl.mappedLun(0, 'create', { tpgLun: lun, writeProtect: true });
    await expect(acl.mappedLun(0, 'any', { tpgLun: lun1, writeProtect: false })).rejects.toThrow(
      /maps TPG LUN 0, not 1/,
    );
    expect(await (await acl.mappedLuns())[0]!.writeProtect()).toBe(true);
    expect((await lun.mappedLuns()).map((m) => m.acl.nodeWwn)).toEqual([
      'iqn.1993-08.org.debian:01:h',
    ]);

    // Deleting a LUN takes the mapped LUNs pointing at it first; deleting the target, the rest.
    await lun.delete();
    expect(await acl.mappedLuns()).toEqual([]);
    await target.delete();
    expect(await target.exists()).toBe(false);
    expect((await root.storageObjects()).map((so) => so.name)).toEqual(['one', 'two']);
  });
});

describe('attributes', () => {
  it('lists by permission, writes only on change, refuses unknown names', async () => {
    const { so } = await StorageObject.open(ctx, 'fileio', 'a', 'create', fileio('/data/a'));
    expect(await so.listAttributes()).toEqual([
      'block_size',
      'emulate_write_cache',
      'hw_block_size',
      'queue_depth',
    ]);
    expect(await so.listAttributes({ writable: false })).toEqual(['hw_block_size']);
    expect(await so.setAttribute('queue_depth', 128)).toBe(false);
    expect(await so.setAttribute('queue_depth', 64)).toBe(true);
    expect(await so.getAttribute('queue_depth')).toBe('64');
    await expect(so.setAttribute('nope', 1)).rejects.toThrow(/has no attribute nope/);
    await expect(so.setAttribute('../enable', 1)).rejects.toThrow(/no attrib name/);
  });
});

describe('helpers', () => {
  it('parse kernel info text as rtslib does', () => {
    const info =
      'Status: ACTIVATED  Max Queue Depth: 128  SectorSize: 512  HwMaxSectors: 16384\n        TCM FILEIO ID: 0        File: /d/v.img  Size: 1048576  Mode: O_DSYNC Async: 1\n';
    expect(parseInfo(info, 'Size')).toBe('1048576');
    expect(parseInfo(info, 'SectorSize')).toBe('512');
    expect(parseInfo(info, 'File')).toBe('/d/v.img');
    expect(parseInfo(info, 'Async')).toBe('1');
    expect(parseInfo(info, 'readonly')).toBeNull();
  });

  it('name portals the way the kernel parses them', () => {
    expect(portalDirName('10.0.0.1', 3260)).toBe('10.0.0.1:3260');
    expect(portalDirName('fd00::1', 3260)).toBe('[fd00::1]:3260');
    expect(parsePortalDirName('[fd00::1]:3260')).toEqual({ address: 'fd00::1', port: 3260 });
    expect(parsePortalDirName('0.0.0.0:3260')).toEqual({ address: '0.0.0.0', port: 3260 });
    expect(parsePortalDirName('junk')).toBeNull();
  });

  it('reports a missing LIO tree as not-found', async () => {
    await expect(LioRoot.open(kernel, path.join(kernel.base, 'nope'))).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringMatching(/target_core_mod/),
    });
  });
});
