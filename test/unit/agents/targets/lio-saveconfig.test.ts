import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidExportError, SaveConfigError } from '../../../../agents/targets/index.js';
import {
  debianSaveConfigPath,
  defaultSaveConfigPath,
  nodeSaveFileOps,
  readSaveConfig,
  serializeSaveConfig,
  upstreamSaveConfigPath,
  writeSaveConfig,
} from '../../../../agents/targets/lio/index.js';
import { chap1, chap2, host1, host2, makeLab, MiB, unit1, type Lab } from './lio-fixture.js';

let lab: Lab;
beforeEach(async () => {
  lab = await makeLab();
});
afterEach(async () => {
  await lab.kernel.dispose();
});

describe('saveconfig.json after a change', () => {
  it('is rtslib-fb format, written by hand here, 0600, keys sorted and indented as rtslib does', async () => {
    await lab.backend.ensureExport(lab.spec());
    const expected = {
      fabric_modules: [],
      storage_objects: [
        {
          aio: false,
          alua_tpgs: [],
          attributes: { block_size: 512, emulate_write_cache: 0, queue_depth: 128 },
          dev: path.join(lab.dataDir, 'vol1.img'),
          name: unit1,
          plugin: 'fileio',
          size: 16 * MiB,
          write_back: false,
          wwn: 'a75e987b-7332-e02c-8241-a7d75af5fe43',
        },
      ],
      targets: [
        {
          fabric: 'iscsi',
          tpgs: [
            {
              attributes: {
                authentication: 1,
                cache_dynamic_acls: 0,
                default_cmdsn_depth: 64,
                demo_mode_write_protect: 1,
                generate_node_acls: 0,
                prod_mode_write_protect: 0,
              },
              enable: true,
              luns: [
                {
                  alias: '92543286a6',
                  alua_tg_pt_gp_name: 'default_tg_pt_gp',
                  index: 1,
                  storage_object: `/backstores/fileio/${unit1}`,
                },
              ],
              node_acls: [
                {
                  attributes: { dataout_timeout: 3, nopin_timeout: 15 },
                  chap_mutual_password: 'MutualTgt1pw',
                  chap_mutual_userid: 'dvsan-target',
                  chap_password: 'S3cretHost1pw',
                  chap_userid: 'dvsan-host1',
                  mapped_luns: [
                    { alias: 'ced9c3f280', index: 1, tpg_lun: 1, write_protect: false },
                  ],
                  node_wwn: host1,
                },
              ],
              parameters: {
                AuthMethod: 'CHAP,None',
                HeaderDigest: 'CRC32C,None',
                MaxConnections: '1',
              },
              portals: [{ ip_address: '10.99.0.11', iser: false, offload: false, port: 3260 }],
              tag: 1,
            },
          ],
          wwn: unit1,
        },
      ],
    };
    expect(await lab.saved()).toEqual(expected);
    expect(await lab.backend.dump()).toEqual(expected);

    const text = await readFile(lab.saveFile, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n').slice(0, 3)).toEqual([
      '{',
      '  "fabric_modules": [],',
      '  "storage_objects": [',
    ]);
    expect(text).toBe(serializeSaveConfig(expected as never));
    expect((await stat(lab.saveFile)).mode & 0o777).toBe(0o600);
  });

  it('is replaced atomically: a failed rename leaves the old file intact and no temp file', async () => {
    await lab.backend.ensureExport(lab.spec());
    const old = await readFile(lab.saveFile);
    const crashing = lab.with({
      saveFileOps: {
        ...nodeSaveFileOps,
        rename: async () => {
          throw Object.assign(new Error('simulated crash'), { code: 'EIO' });
        },
      },
    });
    const err = await crashing
      .ensureExport(
        lab.spec({
          acls: [
            { initiatorIqn: host1, chap: chap1 },
            { initiatorIqn: host2, chap: chap2 },
          ],
        }),
      )
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(SaveConfigError);
    expect((err as SaveConfigError).code).toBe('agent-error');
    expect((err as SaveConfigError).message).toMatch(
      /could not write .*saveconfig\.json \(EIO\); the previous file is unchanged/,
    );
    expect(await readFile(lab.saveFile)).toEqual(old);
    expect(await readdir(path.dirname(lab.saveFile))).toEqual(['saveconfig.json']);

    // The next successful change (or a retry) brings the file up to date.
    await lab.backend.ensureExport(
      lab.spec({
        acls: [
          { initiatorIqn: host1, chap: chap1 },
          { initiatorIqn: host2, chap: chap2 },
        ],
      }),
    );
    expect(JSON.stringify(await lab.saved())).toContain(host2);
  });

  it('fails when the written file does not read back the same', async () => {
    const file = path.join(lab.kernel.base, 'check', 'saveconfig.json');
    const config = { storage_objects: [], targets: [], fabric_modules: [] };
    await writeSaveConfig(file, config);
    expect(await readSaveConfig(file)).toEqual(config);
    const lying = { ...nodeSaveFileOps, read: async () => '{"storage_objects": [1]}' };
    await expect(writeSaveConfig(file, config, lying)).rejects.toThrow(/read back differs/);
    const garbage = { ...nodeSaveFileOps, read: async () => '{' };
    await expect(writeSaveConfig(file, config, garbage)).rejects.toThrow(
      /does not read back as JSON/,
    );
  });

  it('lives where rtslib looks for it on this distribution', async () => {
    expect(await defaultSaveConfigPath(path.join(lab.kernel.base, 'no-such-file'))).toBe(
      upstreamSaveConfigPath,
    );
    await writeFile(path.join(lab.kernel.base, 'debian_version'), '12.0\n');
    expect(await defaultSaveConfigPath(path.join(lab.kernel.base, 'debian_version'))).toBe(
      debianSaveConfigPath,
    );
  });
});

describe('dump, clear, restore', () => {
  it('restores exactly the tree that was dumped', async () => {
    await lab.backend.ensureExport(
      lab.spec({
        acls: [
          { initiatorIqn: host1, chap: chap1 },
          { initiatorIqn: host2, chap: chap2 },
        ],
      }),
    );
    const dev = await lab.file('lv0.blk', 64 * MiB);
    await lab.backend.ensureExport(
      lab.spec({
        iqn: 'iqn.2026-11.io.dvsan:unit1.lv0',
        backing: { kind: 'block', path: dev, sizeBytes: 64 * MiB },
        portal: { address: 'fd00::11', port: 3260 },
        acls: [{ initiatorIqn: host2, chap: null }],
      }),
    );
    // Discovery auth as an administrator might have set it with targetcli.
    const auth = path.join(lab.kernel.root, 'iscsi', 'discovery_auth');
    await lab.kernel.write(path.join(auth, 'userid'), 'discover');
    await lab.kernel.write(path.join(auth, 'password'), 'DiscoverPw12');
    await lab.kernel.write(path.join(auth, 'enforce_discovery_auth'), '1');

    const tree = await lab.kernel.snapshot();
    const saved = await lab.backend.dump();
    expect(saved.fabric_modules).toEqual([
      {
        name: 'iscsi',
        discovery_enable_auth: true,
        discovery_userid: 'discover',
        discovery_password: 'DiscoverPw12',
      },
    ]);

    await lab.backend.clear();
    const cleared = await lab.kernel.snapshot();
    expect(cleared.filter((line) => /^core\/.+_\d+/.test(line) || line.includes('iqn.'))).toEqual(
      [],
    );
    expect(await lab.backend.listTargets()).toEqual([]);

    // A round trip through the file, as targetctl restore would read it.
    const restoreFrom = JSON.parse(serializeSaveConfig(saved));
    expect(await lab.backend.restore(restoreFrom)).toEqual([]);
    expect(await lab.kernel.snapshot()).toEqual(tree);
    expect(await lab.backend.dump()).toEqual(saved);
  });

  it('refuses to restore over a running configuration unless told to clear it', async () => {
    await lab.backend.ensureExport(lab.spec());
    const saved = await lab.backend.dump();
    const tree = await lab.kernel.snapshot();
    await expect(lab.backend.restore(saved)).rejects.toMatchObject({ code: 'conflict' });
    expect(await lab.kernel.snapshot()).toEqual(tree);
    await lab.backend.restore(saved, { clearExisting: true });
    expect(await lab.kernel.snapshot()).toEqual(tree);
  });

  it('rejects a config it cannot restore before touching anything', async () => {
    const tree = await lab.kernel.snapshot();
    const bad = [
      { targets: [{ wwn: 'naa.5001405abcdef012', fabric: 'loopback', tpgs: [] }] },
      {
        targets: [
          {
            wwn: unit1,
            fabric: 'iscsi',
            tpgs: [{ tag: 1, luns: [{ index: 0, storage_object: '/backstores/fileio/nope' }] }],
          },
        ],
      },
      { storage_objects: [{ name: 'x', plugin: 'fileio', dev: '/tmp/x' }] },
      { storage_objects: [{ name: 'x', plugin: 'ramdisk', size: 1 }] },
      'not an object',
    ];
    for (const config of bad)
      await expect(lab.backend.restore(config)).rejects.toBeInstanceOf(InvalidExportError);
    expect(await lab.kernel.snapshot()).toEqual(tree);
    expect(lab.kernel.ops).toEqual([]);
  });

  it('restores a file targetcli wrote, skipping attributes this kernel lacks', async () => {
    const disk = await lab.file('disk1.img', MiB);
    const targetcliFile = {
      fabric_modules: [],
      storage_objects: [
        {
          aio: false,
          alua_tpgs: [
            {
              alua_access_state: 0,
              alua_access_status: 0,
              alua_access_type: 3,
              name: 'default_tg_pt_gp',
              tg_pt_gp_id: 0,
            },
          ],
          attributes: { block_size: 512, emulate_write_cache: 1, queue_depth: 128, emulate_tpu: 0 },
          dev: disk,
          name: 'disk1',
          plugin: 'fileio',
          size: MiB,
          write_back: true,
          wwn: '0b5a2f3e-1c4d-4e6f-8a9b-0c1d2e3f4a5b',
        },
      ],
      targets: [
        {
          fabric: 'iscsi',
          tpgs: [
            {
              attributes: {
                authentication: 0,
                generate_node_acls: 0,
                cache_dynamic_acls: 0,
                demo_mode_write_protect: 1,
              },
              enable: true,
              luns: [
                {
                  alias: '8f2c0d1e4b',
                  alua_tg_pt_gp_name: 'default_tg_pt_gp',
                  index: 0,
                  storage_object: '/backstores/fileio/disk1',
                },
              ],
              node_acls: [
                {
                  mapped_luns: [
                    { alias: '3e9a7b6c5d', index: 0, tpg_lun: 0, write_protect: false },
                  ],
                  node_wwn: 'iqn.1994-05.com.redhat:client1',
                },
              ],
              parameters: { AuthMethod: 'CHAP,None' },
              portals: [{ ip_address: '0.0.0.0', iser: false, offload: false, port: 3260 }],
              tag: 1,
            },
          ],
          wwn: 'iqn.2003-01.org.linux-iscsi.unit1.x8664:sn.5c6e8f0a1b2c',
        },
      ],
    };
    await writeFile(path.join(lab.kernel.base, 'targetcli.json'), JSON.stringify(targetcliFile));
    const parsed = await readSaveConfig(path.join(lab.kernel.base, 'targetcli.json'));
    const warnings = await lab.backend.restore(parsed);
    expect(warnings).toEqual([
      'storage object fileio/disk1: no attribute emulate_tpu on this kernel, skipped',
    ]);
    expect(await lab.backend.listTargets()).toEqual([
      {
        iqn: 'iqn.2003-01.org.linux-iscsi.unit1.x8664:sn.5c6e8f0a1b2c',
        enabled: true,
        luns: [{ index: 0, backing: { kind: 'file', path: disk, sizeBytes: MiB } }],
        acls: [
          {
            initiatorIqn: 'iqn.1994-05.com.redhat:client1',
            chapUser: null,
            mutual: false,
            mappedLuns: [0],
          },
        ],
        portals: [{ address: '0.0.0.0', port: 3260 }],
      },
    ]);
    const so = (await lab.backend.dump()).storage_objects[0]!;
    expect(so).toMatchObject({
      name: 'disk1',
      write_back: true,
      wwn: '0b5a2f3e-1c4d-4e6f-8a9b-0c1d2e3f4a5b',
    });
    expect(
      await readFile(path.join(lab.kernel.root, 'core/fileio_0/disk1/info'), 'utf8'),
    ).toContain('Buffered-WCE');
  });
});
