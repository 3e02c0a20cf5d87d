import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeOp } from './fake-configfs.js';
import { chap1, chap2, host1, host2, makeLab, MiB, unit1, type Lab } from './lio-fixture.js';

// The deterministic names dvsan gives one export of unit1 (see aliasFor and unitSerialFor).
const lunAlias = '92543286a6';
const mlunAlias1 = 'ced9c3f280';
const mlunAlias2 = '9fba9924a0';
const unitSerial = 'a75e987b-7332-e02c-8241-a7d75af5fe43';

const so = `core/fileio_0/${unit1}`;
const tpg = `iscsi/${unit1}/tpgt_1`;
const acl1 = `${tpg}/acls/${host1}`;
const acl2 = `${tpg}/acls/${host2}`;

let lab: Lab;
beforeEach(async () => {
  lab = await makeLab();
});
afterEach(async () => {
  await lab.kernel.dispose();
});

const read = (rel: string) => readFile(path.join(lab.kernel.root, rel), 'utf8');
const op = (kind: FakeOp['op'], rel: string): FakeOp => ({ op: kind, path: rel });

describe('LioBackend.ensureExport', () => {
  it('creates exactly the export: storage object, target, TPG, LUN, portal, ACL with CHAP, mapped LUN', async () => {
    await lab.backend.ensureExport(lab.spec());
    const volume = path.join(lab.dataDir, 'vol1.img');

    // Every configfs change, in order. The TPG attributes are not written because the kernel's
    // defaults already are what dvsan wants; the next test starts from other values.
    expect(lab.kernel.ops).toEqual([
      op('mkdir', 'core/fileio_0'),
      op('mkdir', so),
      op('write', `${so}/control`),
      op('write', `${so}/udev_path`),
      op('write', `${so}/enable`),
      op('write', `${so}/wwn/vpd_unit_serial`),
      op('mkdir', 'iscsi'),
      op('mkdir', `iscsi/${unit1}`),
      op('mkdir', tpg),
      op('mkdir', `${tpg}/lun/lun_1`),
      op('symlink', `${tpg}/lun/lun_1/${lunAlias}`),
      op('mkdir', `${tpg}/np/10.99.0.11:3260`),
      op('mkdir', acl1),
      op('write', `${acl1}/auth/userid`),
      op('write', `${acl1}/auth/password`),
      op('write', `${acl1}/auth/userid_mutual`),
      op('write', `${acl1}/auth/password_mutual`),
      op('mkdir', `${acl1}/lun_1`),
      op('symlink', `${acl1}/lun_1/${mlunAlias1}`),
      op('write', `${tpg}/enable`),
    ]);

    // The storage object, as the kernel shows it after rtslib-style configuration.
    expect(await read(`${so}/udev_path`)).toBe(`${volume}\n`);
    expect(await read(`${so}/enable`)).toBe('1\n');
    expect(await read(`${so}/wwn/vpd_unit_serial`)).toBe(
      `T10 VPD Unit Serial Number: ${unitSerial}\n`,
    );
    expect(await read(`${so}/info`)).toContain(`File: ${volume}  Size: ${16 * MiB}`);

    // Deny by default: no demo mode, CHAP enforced.
    expect(await read(`${tpg}/enable`)).toBe('1\n');
    expect(await read(`${tpg}/attrib/authentication`)).toBe('1\n');
    expect(await read(`${tpg}/attrib/generate_node_acls`)).toBe('0\n');
    expect(await read(`${tpg}/attrib/cache_dynamic_acls`)).toBe('0\n');
    expect(await read(`${tpg}/attrib/demo_mode_write_protect`)).toBe('1\n');

    // The LUN serves the storage object; the ACL's mapped LUN 0 is that LUN, writable.
    const root = lab.kernel.root;
    expect(await lab.kernel.realpath(path.join(root, tpg, 'lun/lun_1', lunAlias))).toBe(
      path.join(root, so),
    );
    expect(await lab.kernel.realpath(path.join(root, acl1, 'lun_1', mlunAlias1))).toBe(
      path.join(root, tpg, 'lun/lun_1'),
    );
    expect(await read(`${acl1}/lun_1/write_protect`)).toBe('0\n');

    // CHAP stored exactly as given (no newline added to the secret).
    expect(await read(`${acl1}/auth/userid`)).toBe(`${chap1.user}\n`);
    expect(await read(`${acl1}/auth/password`)).toBe(`${chap1.secret}\n`);
    expect(await read(`${acl1}/auth/userid_mutual`)).toBe(`${chap1.mutualUser}\n`);
    expect(await read(`${acl1}/auth/password_mutual`)).toBe(`${chap1.mutualSecret}\n`);

    // Nothing else: one target, one ACL, one portal, one LUN.
    expect(await lab.kernel.readdir(path.join(root, 'iscsi'))).toEqual([
      'discovery_auth',
      unit1,
      'lio_version',
    ]);
    expect(await lab.kernel.readdir(path.join(root, tpg, 'acls'))).toEqual([host1]);
    expect(await lab.kernel.readdir(path.join(root, tpg, 'np'))).toEqual(['10.99.0.11:3260']);
    expect(await lab.kernel.readdir(path.join(root, tpg, 'lun'))).toEqual(['lun_1']);
  });

  it('turns off demo mode and drops foreign ACLs and portals on a target someone else set up', async () => {
    // What `targetcli /iscsi create` plus demo mode would leave behind.
    const k = lab.kernel;
    const at = (rel: string) => path.join(k.root, rel);
    await k.mkdir(at('iscsi'));
    await k.mkdir(at(`iscsi/${unit1}`));
    await k.mkdir(at(tpg));
    await k.mkdir(at(`${tpg}/np/0.0.0.0:3260`));
    await k.mkdir(at(`${tpg}/acls/iqn.2000-01.com.example:stranger`));
    for (const [name, value] of [
      ['authentication', '0'],
      ['generate_node_acls', '1'],
      ['cache_dynamic_acls', '1'],
      ['demo_mode_write_protect', '0'],
    ])
      await k.write(at(`${tpg}/attrib/${name}`), value!);

    await lab.backend.ensureExport(lab.spec());
    expect(await read(`${tpg}/attrib/authentication`)).toBe('1\n');
    expect(await read(`${tpg}/attrib/generate_node_acls`)).toBe('0\n');
    expect(await read(`${tpg}/attrib/cache_dynamic_acls`)).toBe('0\n');
    expect(await read(`${tpg}/attrib/demo_mode_write_protect`)).toBe('1\n');
    expect(await k.readdir(at(`${tpg}/acls`))).toEqual([host1]);
    expect(await k.readdir(at(`${tpg}/np`))).toEqual(['10.99.0.11:3260']);
  });

  it('finishes a storage object a crash left half-made', async () => {
    await lab.kernel.mkdir(path.join(lab.kernel.root, 'core/fileio_0'));
    await lab.kernel.mkdir(path.join(lab.kernel.root, so));
    await lab.backend.ensureExport(lab.spec());
    expect(await read(`${so}/enable`)).toBe('1\n');
    expect((await lab.backend.listTargets())[0]!.luns[0]!.backing).toMatchObject({ kind: 'file' });
  });

  it('is idempotent: a second call changes nothing and succeeds', async () => {
    await lab.backend.ensureExport(lab.spec());
    const tree = await lab.kernel.snapshot();
    const ops = lab.kernel.ops.length;
    await lab.backend.ensureExport(lab.spec());
    expect(lab.kernel.ops.length).toBe(ops);
    expect(await lab.kernel.snapshot()).toEqual(tree);
  });

  it('adds a second ACL without touching the first, and removes ACLs no longer listed', async () => {
    await lab.backend.ensureExport(lab.spec());
    const before = lab.kernel.ops.length;
    await lab.backend.ensureExport(
      lab.spec({
        acls: [
          { initiatorIqn: host1, chap: chap1 },
          { initiatorIqn: host2, chap: chap2 },
        ],
      }),
    );
    const added = lab.kernel.ops.slice(before);
    expect(added).toEqual([
      op('mkdir', acl2),
      op('write', `${acl2}/auth/userid`),
      op('write', `${acl2}/auth/password`),
      op('mkdir', `${acl2}/lun_1`),
      op('symlink', `${acl2}/lun_1/${mlunAlias2}`),
    ]);
    expect(await read(`${acl2}/auth/password`)).toBe(`${chap2.secret}\n`);
    expect(await read(`${acl2}/auth/userid_mutual`)).toBe('\n');

    const mark = lab.kernel.ops.length;
    await lab.backend.ensureExport(lab.spec({ acls: [{ initiatorIqn: host2, chap: chap2 }] }));
    expect(lab.kernel.ops.slice(mark)).toEqual([
      op('unlink', `${acl1}/lun_1/${mlunAlias1}`),
      op('rmdir', `${acl1}/lun_1`),
      op('rmdir', acl1),
    ]);
  });

  it('changes CHAP in place and clears mutual CHAP with NULL', async () => {
    await lab.backend.ensureExport(lab.spec());
    const newChap = { user: 'dvsan-host1', secret: 'NewSecret123' };
    await lab.backend.ensureExport(lab.spec({ acls: [{ initiatorIqn: host1, chap: newChap }] }));
    expect(await read(`${acl1}/auth/password`)).toBe('NewSecret123\n');
    expect(await read(`${acl1}/auth/userid_mutual`)).toBe('NULL\n');
    const [info] = await lab.backend.listTargets();
    expect(info!.acls[0]).toMatchObject({ chapUser: 'dvsan-host1', mutual: false });
  });

  it('exports a block device through an iblock storage object', async () => {
    const dev = await lab.file('lv0.blk', 64 * MiB);
    await lab.backend.ensureExport(
      lab.spec({ backing: { kind: 'block', path: dev, sizeBytes: 64 * MiB } }),
    );
    const blockSo = `core/iblock_0/${unit1}`;
    expect(lab.kernel.ops.slice(0, 7)).toEqual([
      op('mkdir', 'core/iblock_0'),
      op('mkdir', blockSo),
      op('write', `${blockSo}/udev_path`),
      op('write', `${blockSo}/control`),
      op('write', `${blockSo}/control`),
      op('write', `${blockSo}/enable`),
      op('write', `${blockSo}/wwn/vpd_unit_serial`),
    ]);
    expect(await read(`${blockSo}/info`)).toContain(`UDEV PATH: ${dev}  readonly: 0`);
    const [info] = await lab.backend.listTargets();
    expect(info!.luns).toEqual([
      { index: 1, backing: { kind: 'block', path: dev, sizeBytes: 64 * MiB } },
    ]);
  });

  it('names an IPv6 portal in brackets and reports it without them', async () => {
    await lab.backend.ensureExport(lab.spec({ portal: { address: 'FD00:0:0::11', port: 3261 } }));
    expect(await lab.kernel.readdir(path.join(lab.kernel.root, tpg, 'np'))).toEqual([
      '[fd00::11]:3261',
    ]);
    expect((await lab.backend.listTargets())[0]!.portals).toEqual([
      { address: 'fd00::11', port: 3261 },
    ]);
  });

  it('exports without CHAP only when no ACL has it (authentication off for that TPG)', async () => {
    await lab.backend.ensureExport(lab.spec({ acls: [{ initiatorIqn: host1, chap: null }] }));
    expect(await read(`${tpg}/attrib/authentication`)).toBe('0\n');
    expect(await read(`${tpg}/attrib/generate_node_acls`)).toBe('0\n');
    expect(await read(`${acl1}/auth/userid`)).toBe('\n');
  });
});

describe('LioBackend.listTargets', () => {
  it('reports targets, LUN backing, ACLs (CHAP user, never the secret) and portals', async () => {
    expect(await lab.backend.listTargets()).toEqual([]);
    await lab.backend.ensureExport(
      lab.spec({
        acls: [
          { initiatorIqn: host1, chap: chap1 },
          { initiatorIqn: host2, chap: chap2 },
        ],
      }),
    );
    const list = await lab.backend.listTargets();
    expect(list).toEqual([
      {
        iqn: unit1,
        enabled: true,
        luns: [
          {
            index: 1,
            backing: {
              kind: 'file',
              path: path.join(lab.dataDir, 'vol1.img'),
              sizeBytes: 16 * MiB,
            },
          },
        ],
        acls: [
          { initiatorIqn: host1, chapUser: chap1.user, mutual: true, mappedLuns: [1] },
          { initiatorIqn: host2, chapUser: chap2.user, mutual: false, mappedLuns: [1] },
        ],
        portals: [{ address: '10.99.0.11', port: 3260 }],
      },
    ]);
    expect(JSON.stringify(list)).not.toContain(chap1.secret);
  });
});

describe('LioBackend.removeExport', () => {
  it('deletes children before parents and leaves no trace of the IQN', async () => {
    const before = await lab.kernel.snapshot();
    await lab.backend.ensureExport(
      lab.spec({
        acls: [
          { initiatorIqn: host1, chap: chap1 },
          { initiatorIqn: host2, chap: chap2 },
        ],
      }),
    );
    await lab.file('vol2.img', 16 * MiB);
    const other = 'iqn.2026-11.io.dvsan:unit1.vol2';
    await lab.backend.ensureExport(
      lab.spec({
        iqn: other,
        backing: { kind: 'file', path: path.join(lab.dataDir, 'vol2.img'), sizeBytes: 16 * MiB },
      }),
    );
    const mark = lab.kernel.ops.length;
    await lab.backend.removeExport(unit1);
    const removal = lab.kernel.ops.slice(mark);

    // Only removals, and nothing is removed after its parent (the fake kernel would also have
    // refused an rmdir with hand-made children left: ENOTEMPTY).
    expect(
      removal.every((o) => o.op === 'rmdir' || o.op === 'unlink' || o.path.endsWith('/enable')),
    ).toBe(true);
    removal.forEach((o, i) => {
      for (const later of removal.slice(i + 1))
        expect(later.path.startsWith(`${o.path}/`)).toBe(false);
    });
    expect(removal[0]).toEqual(op('write', `${tpg}/enable`));
    expect(removal.map((o) => `${o.op} ${o.path}`)).toEqual([
      `write ${tpg}/enable`,
      `unlink ${acl1}/lun_1/${mlunAlias1}`,
      `rmdir ${acl1}/lun_1`,
      `rmdir ${acl1}`,
      `unlink ${acl2}/lun_1/${mlunAlias2}`,
      `rmdir ${acl2}/lun_1`,
      `rmdir ${acl2}`,
      `unlink ${tpg}/lun/lun_1/${lunAlias}`,
      `rmdir ${tpg}/lun/lun_1`,
      `rmdir ${tpg}/np/10.99.0.11:3260`,
      `rmdir ${tpg}`,
      `rmdir iscsi/${unit1}`,
      `rmdir ${so}`,
      'rmdir core/fileio_0',
    ]);

    const tree = await lab.kernel.snapshot();
    expect(tree.filter((line) => line.includes(unit1))).toEqual([]);
    expect(tree.some((line) => line.includes(other))).toBe(true);
    expect(JSON.stringify(await lab.saved())).not.toContain(unit1);

    // Idempotent, and removing the other export too gets back to the tree we started from
    // (plus the iscsi fabric directory, which stays as rtslib leaves it).
    await lab.backend.removeExport(unit1);
    await lab.backend.removeExport(other);
    expect((await lab.kernel.snapshot()).filter((line) => !line.startsWith('iscsi'))).toEqual(
      before,
    );
  });

  it('removes a storage object left behind without its target', async () => {
    await lab.backend.ensureExport(lab.spec());
    const k = lab.kernel;
    const at = (rel: string) => path.join(k.root, rel);
    // Take the target down by hand, as a crash halfway through a removal would leave it.
    await k.unlink(at(`${acl1}/lun_1/${mlunAlias1}`));
    await k.rmdir(at(`${acl1}/lun_1`));
    await k.rmdir(at(acl1));
    await k.unlink(at(`${tpg}/lun/lun_1/${lunAlias}`));
    await k.rmdir(at(`${tpg}/lun/lun_1`));
    await k.rmdir(at(`${tpg}/np/10.99.0.11:3260`));
    await k.rmdir(at(tpg));
    await k.rmdir(at(`iscsi/${unit1}`));
    await lab.backend.removeExport(unit1);
    expect((await lab.kernel.snapshot()).filter((line) => line.includes(unit1))).toEqual([]);
  });

  it('rejects a malformed IQN without touching anything', async () => {
    await expect(lab.backend.removeExport('iqn.2026-11.io.dvsan:Unit1.vol1')).rejects.toMatchObject(
      {
        code: 'invalid-params',
      },
    );
    expect(lab.kernel.ops).toEqual([]);
  });
});
