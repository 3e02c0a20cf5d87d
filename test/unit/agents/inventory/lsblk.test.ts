import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diskSchema } from '../../../../protocol/inventory.js';
import { listDisks, parseLsblk } from '../../../../agents/inventory/lsblk.js';

// util-linux 2.38 (Debian 12), as printed: numeric sizes, null for empty columns, nested children.
const server = `{
   "blockdevices": [
      {"name":"loop0", "size":67108864, "type":"loop", "model":null, "mountpoint":null},
      {"name":"sda", "size":4000787030016, "type":"disk", "model":"ST4000NM0035-1V4107", "mountpoint":null,
         "children": [
            {"name":"sda1", "size":4000785964544, "type":"part", "model":null, "mountpoint":null,
               "children": [
                  {"name":"md0", "size":4000650887168, "type":"raid1", "model":null, "mountpoint":"/srv/dvsan"}
               ]
            }
         ]
      },
      {"name":"sdb", "size":4000787030016, "type":"disk", "model":"ST4000NM0035-1V4107", "mountpoint":null,
         "children": [
            {"name":"sdb1", "size":4000785964544, "type":"part", "model":null, "mountpoint":null,
               "children": [
                  {"name":"md0", "size":4000650887168, "type":"raid1", "model":null, "mountpoint":"/srv/dvsan"}
               ]
            }
         ]
      },
      {"name":"nvme0n1", "size":512110190592, "type":"disk", "model":"Samsung SSD 970 EVO Plus 500GB          ", "mountpoint":null,
         "children": [
            {"name":"nvme0n1p1", "size":536870912, "type":"part", "model":null, "mountpoint":"/boot/efi"},
            {"name":"nvme0n1p2", "size":511571189760, "type":"part", "model":null, "mountpoint":null,
               "children": [
                  {"name":"vg0-root", "size":107374182400, "type":"lvm", "model":null, "mountpoint":"/"},
                  {"name":"vg0-swap", "size":8589934592, "type":"lvm", "model":null, "mountpoint":"[SWAP]"}
               ]
            }
         ]
      },
      {"name":"sr0", "size":1073741312, "type":"rom", "model":"QEMU DVD-ROM", "mountpoint":null}
   ]
}
`;

// util-linux 2.32 (CentOS 8): sizes as strings even with -b, empty strings for missing models.
const older = `{
   "blockdevices": [
      {"name": "vda", "size": "21474836480", "type": "disk", "model": "", "mountpoint": null,
         "children": [
            {"name": "vda1", "size": "21473787904", "type": "part", "model": null, "mountpoint": "/"}
         ]
      }
   ]
}
`;

describe('parseLsblk', () => {
  it('flattens children depth-first and lists a RAID array once', () => {
    const disks = parseLsblk(server);
    expect(disks.map((d) => d.name)).toEqual([
      'loop0',
      'sda',
      'sda1',
      'md0',
      'sdb',
      'sdb1',
      'nvme0n1',
      'nvme0n1p1',
      'nvme0n1p2',
      'vg0-root',
      'vg0-swap',
      'sr0',
    ]);
    for (const disk of disks) diskSchema.parse(disk);
    expect(disks.find((d) => d.name === 'nvme0n1')).toEqual({
      name: 'nvme0n1',
      sizeBytes: 512110190592,
      type: 'disk',
      model: 'Samsung SSD 970 EVO Plus 500GB',
      mountpoint: null,
    });
    expect(disks.find((d) => d.name === 'md0')?.mountpoint).toBe('/srv/dvsan');
  });

  it('reads string sizes and empty models from older lsblk', () => {
    expect(parseLsblk(older)).toEqual([
      { name: 'vda', sizeBytes: 21474836480, type: 'disk', model: null, mountpoint: null },
      { name: 'vda1', sizeBytes: 21473787904, type: 'part', model: null, mountpoint: '/' },
    ]);
  });

  it('takes the first mountpoint from a MOUNTPOINTS array and skips nameless entries', () => {
    const json = JSON.stringify({
      blockdevices: [
        { name: 'sdc', size: 1, type: 'disk', mountpoints: [null, '/mnt/a', '/mnt/b'] },
        { size: 5 },
        null,
      ],
    });
    expect(parseLsblk(json)).toEqual([
      { name: 'sdc', sizeBytes: 1, type: 'disk', model: null, mountpoint: '/mnt/a' },
    ]);
  });

  it('returns nothing for an empty document and throws on non-JSON', () => {
    expect(parseLsblk('{}')).toEqual([]);
    expect(() => parseLsblk('lsblk: unknown column')).toThrow();
  });
});

describe('listDisks', () => {
  it('reports no disks without lsblk, or when lsblk fails or prints garbage', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dvsan-lsblk-'));
    const failing = path.join(dir, 'lsblk-fail');
    const garbage = path.join(dir, 'lsblk-garbage');
    await writeFile(failing, '#!/bin/sh\nexit 32\n');
    await writeFile(garbage, '#!/bin/sh\necho not json\n');
    await chmod(failing, 0o755);
    await chmod(garbage, 0o755);
    expect(await listDisks(null)).toEqual([]);
    expect(await listDisks(path.join(dir, 'absent'))).toEqual([]);
    expect(await listDisks(failing)).toEqual([]);
    expect(await listDisks(garbage)).toEqual([]);
  });

  it('passes its argv to lsblk and parses the answer', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dvsan-lsblk-'));
    const fake = path.join(dir, 'lsblk');
    // Echoes its arguments back as a device model, proving argv reached it unjoined.
    await writeFile(
      fake,
      `#!/bin/sh\nprintf '{"blockdevices":[{"name":"sda","size":1,"type":"disk","model":"%s|%s|%s|%s","mountpoint":null}]}' "$1" "$2" "$3" "$4"\n`,
    );
    await chmod(fake, 0o755);
    expect(await listDisks(fake)).toEqual([
      {
        name: 'sda',
        sizeBytes: 1,
        type: 'disk',
        model: '-J|-b|-o|NAME,SIZE,TYPE,MODEL,MOUNTPOINT',
        mountpoint: null,
      },
    ]);
  });

  it('gives up on an lsblk that hangs', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dvsan-lsblk-'));
    const hang = path.join(dir, 'lsblk');
    await writeFile(hang, '#!/bin/sh\nexec sleep 30\n');
    await chmod(hang, 0o755);
    const started = Date.now();
    expect(await listDisks(hang, 200)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
