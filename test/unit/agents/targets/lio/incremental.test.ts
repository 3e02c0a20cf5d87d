import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LioRoot,
  serializeSaveConfig,
  type ConfigFs,
  type LioBackend,
} from '../../../../../agents/targets/lio/index.js';
import { chap1, chap2, host1, host2, makeLab, MiB, unit1, type Lab } from '../lio-fixture.js';

// The LIO backend keeps a model of the running configuration and writes saveconfig.json from
// it, re-reading only what each change touched. These tests hold it to two promises: the file
// is always what a full dump of configfs would write, and one change costs the same number of
// configfs reads however many exports LIO holds.

let lab: Lab;
beforeEach(async () => {
  lab = await makeLab();
});
afterEach(async () => {
  await lab.kernel.dispose();
});

const iqn = (name: string) => `iqn.2026-11.io.dvsan:unit1.${name}`;

async function fileSpec(name: string, acls = [{ initiatorIqn: host1, chap: chap1 }]) {
  const file = await lab.file(`${name}.img`, 16 * MiB);
  return lab.spec({
    iqn: iqn(name),
    backing: { kind: 'file', path: file, sizeBytes: 16 * MiB },
    acls,
  });
}

/** saveconfig.json as written, and as a full read of configfs gives it now. */
async function expectFileIsFullDump(): Promise<void> {
  const full = await LioRoot.open(lab.kernel, lab.kernel.root).then((root) => root.dump());
  expect(await lab.saved()).toEqual(JSON.parse(serializeSaveConfig(full)));
}

describe('saveconfig.json written from the kept model', () => {
  it('equals a full dump after every kind of change, including ones by other tools', async () => {
    const { backend } = lab;
    await backend.ensureExport(lab.spec());
    await expectFileIsFullDump();
    await backend.ensureExport(await fileSpec('v2'));
    const dev = await lab.file('lv0.blk', 64 * MiB);
    await backend.ensureExport(
      lab.spec({
        iqn: iqn('lv0'),
        backing: { kind: 'block', path: dev, sizeBytes: 64 * MiB },
        portal: { address: 'fd00::11', port: 3260 },
        acls: [{ initiatorIqn: host2, chap: null }],
      }),
    );
    await expectFileIsFullDump();

    // An idempotent repeat changes nothing in configfs and rewrites the same file.
    const ops = lab.kernel.ops.length;
    const before = await lab.saved();
    await backend.ensureExport(lab.spec());
    expect(lab.kernel.ops.length).toBe(ops);
    expect(await lab.saved()).toEqual(before);

    // A change inside an existing export: a second ACL.
    await backend.ensureExport(
      lab.spec({
        acls: [
          { initiatorIqn: host1, chap: chap1 },
          { initiatorIqn: host2, chap: chap2 },
        ],
      }),
    );
    await expectFileIsFullDump();

    // A new export that fails half-way is undone; the next change still writes the truth.
    lab.kernel.failOn = (op, rel) =>
      op === 'write' && rel.includes('v3') && rel.endsWith('/auth/password') ? 'EINVAL' : null;
    await expect(backend.ensureExport(await fileSpec('v3'))).rejects.toMatchObject({
      code: 'agent-error',
    });
    lab.kernel.failOn = null;
    expect((await lab.kernel.snapshot()).some((line) => line.includes('v3'))).toBe(false);
    await backend.removeExport(iqn('v2'));
    await expectFileIsFullDump();
    expect((await backend.listTargets()).map((t) => t.iqn)).toEqual([iqn('lv0'), unit1]);
  });

  it('notices another dvsan agent process by the generation file', async () => {
    await lab.backend.ensureExport(lab.spec());
    await lab.backend.ensureExport(await fileSpec('v2'));
    // Another process adds an ACL inside unit1: no configfs name changes, and (saving to a
    // file of its own here) saveconfig.json stays as it was, so only the generation tells.
    const twoAcls = lab.spec({
      acls: [
        { initiatorIqn: host1, chap: chap1 },
        { initiatorIqn: host2, chap: chap2 },
      ],
    });
    const elsewhere = path.join(lab.kernel.base, 'other-saveconfig.json');
    await lab.with({ saveConfigPath: elsewhere }).ensureExport(twoAcls);
    await lab.backend.ensureExport(await fileSpec('v3'));
    await expectFileIsFullDump();
    expect(JSON.stringify(await lab.saved())).toContain(host2);

    // The check is what saw it: a writer that skips the generation goes unseen (the limit
    // stamp.ts documents): the kept model still writes the removed ACL into the file.
    await lab
      .with({ saveConfigPath: elsewhere, generationFile: `${elsewhere}.gen` })
      .ensureExport(lab.spec());
    await lab.backend.ensureExport(await fileSpec('v4'));
    expect(JSON.stringify(await lab.saved())).toContain(host2);
  });

  it('notices targetcli by saveconfig.json changing under it', async () => {
    await lab.backend.ensureExport(lab.spec());
    await lab.backend.ensureExport(await fileSpec('v2'));
    // targetcli, holding the same lock, changes an attribute inside unit1 (no name changes)
    // and saves on exit.
    const tpg = path.join(lab.kernel.root, 'iscsi', unit1, 'tpgt_1');
    await lab.kernel.write(path.join(tpg, 'attrib', 'default_cmdsn_depth'), '32');
    const full = await LioRoot.open(lab.kernel, lab.kernel.root).then((root) => root.dump());
    await writeFile(lab.saveFile, serializeSaveConfig(full), { mode: 0o600 });

    await lab.backend.ensureExport(await fileSpec('v3'));
    await expectFileIsFullDump();
    expect(JSON.stringify(await lab.saved())).toContain('"default_cmdsn_depth":32');
  });

  it('notices a storage object or target made by hand by the names in configfs', async () => {
    await lab.backend.ensureExport(lab.spec());
    // A second tool makes a target without saving: the iscsi/ names change.
    const other = path.join(lab.kernel.root, 'iscsi', iqn('byhand'));
    await lab.kernel.mkdir(other);
    await lab.kernel.mkdir(path.join(other, 'tpgt_1'));
    expect((await lab.backend.listTargets()).map((t) => t.iqn)).toEqual([iqn('byhand'), unit1]);
    await lab.backend.ensureExport(await fileSpec('v2'));
    await expectFileIsFullDump();
    // And a conflict check sees a storage object made by hand, which serves the file of v4.
    const v4 = await fileSpec('v4');
    const hba = path.join(lab.kernel.root, 'core', 'fileio_9');
    await lab.kernel.mkdir(hba);
    await lab.kernel.mkdir(path.join(hba, 'byhand'));
    await lab.kernel.write(
      path.join(hba, 'byhand', 'control'),
      `fd_dev_name=${v4.backing.path},fd_dev_size=${v4.backing.sizeBytes}`,
    );
    await lab.kernel.write(path.join(hba, 'byhand', 'udev_path'), v4.backing.path);
    await lab.kernel.write(path.join(hba, 'byhand', 'enable'), '1');
    await expect(lab.backend.ensureExport(v4)).rejects.toThrow(/already exported as/);
  });
});

describe('questions while LIO holds what the model cannot', () => {
  it('are answered by walking configfs, and a change is refused until it is gone', async () => {
    await lab.backend.ensureExport(lab.spec());
    const loop = path.join(lab.kernel.root, 'loopback');
    await lab.kernel.mkdir(loop);
    await lab.kernel.mkdir(path.join(loop, 'naa.5001405abcdef012'));
    expect((await lab.backend.listTargets()).map((t) => t.iqn)).toEqual([unit1]);
    expect(await lab.backend.exportedBackings()).toEqual(
      new Set([path.join(lab.dataDir, 'vol1.img')]),
    );
    await expect(lab.backend.ensureExport(await fileSpec('v2'))).rejects.toThrow(
      /loopback\/naa\.5001405abcdef012/,
    );
    await lab.kernel.rmdir(path.join(loop, 'naa.5001405abcdef012'));
    await lab.backend.ensureExport(await fileSpec('v2'));
    await expectFileIsFullDump();
  });
});

/** A ConfigFs that counts the reads (stat, readdir, read) made through it. */
function counting(fs: ConfigFs): { fs: ConfigFs; reads: () => number } {
  let reads = 0;
  const wrapped: ConfigFs = {
    stat: (file) => (reads++, fs.stat(file)),
    readdir: (dir) => (reads++, fs.readdir(dir)),
    read: (file) => (reads++, fs.read(file)),
    write: (file, data) => fs.write(file, data),
    mkdir: (dir) => fs.mkdir(dir),
    rmdir: (dir) => fs.rmdir(dir),
    symlink: (target, link) => fs.symlink(target, link),
    unlink: (link) => fs.unlink(link),
    realpath: (file) => fs.realpath(file),
  };
  return { fs: wrapped, reads: () => reads };
}

describe('configfs reads per operation', () => {
  /** Reads of each operation on one export, with `count` other exports in place. */
  async function readsWith(count: number): Promise<Record<string, number>> {
    const meter = counting(lab.kernel);
    const backend: LioBackend = lab.with({ fs: meter.fs });
    for (let i = 0; i < count; i++) await backend.ensureExport(await fileSpec(`n${i}`));
    const spec = await fileSpec('measured', [
      { initiatorIqn: host1, chap: chap1 },
      { initiatorIqn: host2, chap: chap1 },
    ]);
    const out: Record<string, number> = {};
    const measure = async (name: string, fn: () => Promise<unknown>) => {
      const start = meter.reads();
      await fn();
      out[name] = meter.reads() - start;
    };
    await measure('create', () => backend.ensureExport(spec));
    await measure('repeat', () => backend.ensureExport(spec));
    await measure('describe', () => backend.describeTarget(spec.iqn));
    await measure('backings', () => backend.exportedBackings());
    await measure('list', () => backend.listTargets());
    await measure('remove', () => backend.removeExport(spec.iqn));
    return out;
  }

  it('does not grow from 5 to 50 exports', async () => {
    const small = await readsWith(5);
    await lab.kernel.dispose();
    lab = await makeLab();
    const large = await readsWith(50);
    expect(large).toEqual(small);
    // A question answered from the model reads only the handful of directories it checks.
    expect(small.describe).toBeLessThanOrEqual(4);
    await expectFileIsFullDump();
  }, 60_000);
});
