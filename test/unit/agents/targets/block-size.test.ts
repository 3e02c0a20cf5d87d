import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { blockDeviceBytes, deviceNumber } from '../../../../agents/targets/spec.js';

describe('block device size', () => {
  it('splits dev_t as glibc does, for small and large numbers', () => {
    expect(deviceNumber(1792)).toBe('7:0');
    expect(deviceNumber(66305)).toBe('259:1');
    expect(deviceNumber(1050624)).toBe('8:256');
  });

  it('reads the sector count by the kernel name of the device', async () => {
    const sysfs = await mkdtemp(path.join(tmpdir(), 'dvsan-sysfs-'));
    await mkdir(path.join(sysfs, 'class/block/dm-0'), { recursive: true });
    await writeFile(path.join(sysfs, 'class/block/dm-0/size'), '131072\n');
    expect(await blockDeviceBytes('/dev/dm-0', sysfs)).toBe(64 * 1024 * 1024);
  });

  it('falls back to the device number when the node has a name sysfs does not know', async () => {
    // /dev/null is a character device 1:3; what matters is that its number is looked up.
    const sysfs = await mkdtemp(path.join(tmpdir(), 'dvsan-sysfs-'));
    await mkdir(path.join(sysfs, 'dev/block/1:3'), { recursive: true });
    await writeFile(path.join(sysfs, 'dev/block/1:3/size'), '2048\n');
    expect(await blockDeviceBytes('/dev/null', sysfs)).toBe(1024 * 1024);
  });
});
