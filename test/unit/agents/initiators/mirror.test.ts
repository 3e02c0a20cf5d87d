import { describe, expect, it } from 'vitest';
import type { Run } from '../../../../agents/initiators/command.js';
import {
  MdMirror,
  createArgs,
  describeHealth,
  type MirrorFs,
} from '../../../../agents/initiators/mirror.js';
import { DvsanError } from '../../../../protocol/errors.js';

function fakes(files: Record<string, string>, code = 0) {
  const calls: string[][] = [];
  const run: Run = async (name, args) => {
    calls.push([name, ...args]);
    return { code, stdout: '', stderr: code ? 'mdadm: cannot open /dev/sdz' : '' };
  };
  const fs: MirrorFs = {
    read: async (f) => files[f] ?? null,
    realpath: async (f) => {
      if (f === '/dev/md/m1') return '/dev/md127';
      throw new Error('ENOENT');
    },
  };
  return { mirror: new MdMirror(run, fs), calls };
}

const sysfs = (state: string, degraded: string) => ({
  '/sys/block/md127/md/array_state': `${state}\n`,
  '/sys/block/md127/md/degraded': `${degraded}\n`,
  '/sys/block/md127/md/sync_action': 'idle\n',
});

describe('md RAID1 mirrors', () => {
  it('creates RAID1 over exactly two devices with a write-intent bitmap, no questions asked', async () => {
    const { mirror, calls } = fakes({});
    expect(await mirror.create('m1', ['/dev/sda', '/dev/sdb'])).toBe('/dev/md/m1');
    expect(calls).toEqual([
      [
        'mdadm',
        '--create',
        '/dev/md/m1',
        '--run',
        '--level=1',
        '--raid-devices=2',
        '--metadata=1.2',
        '--bitmap=internal',
        '/dev/sda',
        '/dev/sdb',
      ],
    ]);
  });

  it('refuses bad names and members before running anything', () => {
    expect(() => createArgs('../x', ['/dev/sda', '/dev/sdb'])).toThrow(DvsanError);
    expect(() => createArgs('m1', ['/dev/sda'])).toThrow(/exactly two/);
    expect(() => createArgs('m1', ['/dev/sda', '/dev/sda'])).toThrow(/exactly two/);
    expect(() => createArgs('m1', ['/dev/sda', '--force'])).toThrow(/not a device/);
    expect(() => createArgs('m1', ['/dev/sda', '/dev/../etc/passwd'])).toThrow(/not a device/);
  });

  it('reports a whole mirror as healthy and a lost member as degraded', async () => {
    expect(await fakes(sysfs('clean', '0')).mirror.check('m1')).toBeNull();
    expect(await fakes(sysfs('active', '0')).mirror.check('m1')).toBeNull();
    expect(await fakes(sysfs('clean', '1')).mirror.check('m1')).toBe(
      'mirror m1 is degraded: 1 of 2 members missing (state clean)',
    );
    expect(await fakes({}).mirror.check('m2')).toMatch(/gone/);
    expect(describeHealth('m1', { state: 'inactive', missing: 0, syncAction: 'idle' })).toMatch(
      /not running/,
    );
  });

  it('turns a failing mdadm into an error with its first line, and a missing one into a package', async () => {
    await expect(fakes({}, 1).mirror.stop('m1')).rejects.toThrow(
      'mdadm --stop m1 failed (exit 1): mdadm: cannot open /dev/sdz',
    );
    await expect(fakes({}, 127).mirror.stop('m1')).rejects.toMatchObject({
      details: { packages: ['mdadm'] },
    });
  });
});
