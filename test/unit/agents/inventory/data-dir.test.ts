import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  dataDirPath,
  dataDirSpace,
  defaultDataDir,
  parseDfPosix,
} from '../../../../agents/inventory/data-dir.js';

describe('dataDirPath', () => {
  it('uses DVSAN_DATA_DIR when set, resolved, else the default', () => {
    expect(dataDirPath({ DVSAN_DATA_DIR: '/srv/dvsan/../dvsan/data' })).toBe('/srv/dvsan/data');
    expect(dataDirPath({ DVSAN_DATA_DIR: '' })).toBe(defaultDataDir);
    expect(dataDirPath({})).toBe(defaultDataDir);
  });
});

describe('parseDfPosix', () => {
  it('reads total and available 1K blocks, even with spaces in the filesystem name', () => {
    const out =
      'Filesystem     1024-blocks     Used Available Capacity Mounted on\n' +
      'map auto_home    41152736 12345678  26693592      32% /srv/my data\n';
    expect(parseDfPosix(out)).toEqual({ totalBytes: 41152736 * 1024, freeBytes: 26693592 * 1024 });
    expect(parseDfPosix('df: /x: No such file or directory\n')).toBeNull();
  });
});

describe('dataDirSpace', () => {
  it('creates a missing data dir owner-only and measures its filesystem', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'dvsan-data-'));
    const dir = path.join(root, 'nested', 'data');
    const space = await dataDirSpace(dir);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(space.path).toBe(dir);
    expect(space.totalBytes).toBeGreaterThan(0);
    expect(space.freeBytes).toBeGreaterThanOrEqual(0);
    expect(space.freeBytes).toBeLessThanOrEqual(space.totalBytes);
  });

  it('measures the nearest existing parent when the dir cannot be created', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'dvsan-data-'));
    const blocker = path.join(root, 'file');
    await writeFile(blocker, '');
    const space = await dataDirSpace(path.join(blocker, 'data'));
    expect(space.path).toBe(path.join(blocker, 'data'));
    expect(space.totalBytes).toBeGreaterThan(0);
  });
});
