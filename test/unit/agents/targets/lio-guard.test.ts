import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigfsError,
  ExportConflictError,
  InvalidExportError,
  TargetError,
  type ExportSpec,
} from '../../../../agents/targets/index.js';
import { chap1, chap2, host1, host2, makeLab, MiB, unit1, type Lab } from './lio-fixture.js';

let lab: Lab;
beforeEach(async () => {
  lab = await makeLab();
});
afterEach(async () => {
  await lab.kernel.dispose();
});

/** Runs `fn`, expects it to fail, and checks that neither configfs nor saveconfig changed. */
async function refusedWithoutChange(fn: () => Promise<unknown>): Promise<TargetError> {
  const tree = await lab.kernel.snapshot();
  const ops = lab.kernel.ops.length;
  const savedBefore = await lab.saved().catch(() => null);
  const err = await fn().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TargetError);
  expect(lab.kernel.ops.length).toBe(ops);
  expect(await lab.kernel.snapshot()).toEqual(tree);
  expect(await lab.saved().catch(() => null)).toEqual(savedBefore);
  return err as TargetError;
}

describe('bad input is refused with a clear error and changes nothing', () => {
  const cases: [string, (lab: Lab) => Promise<Partial<ExportSpec> | ExportSpec>, RegExp][] = [
    [
      'a backing file outside the data directory',
      async () => ({ backing: { kind: 'file', path: '/etc/passwd', sizeBytes: 512 } }),
      /outside the file directories/,
    ],
    [
      'a path with ..',
      async (l) => ({
        backing: { kind: 'file', path: `${l.dataDir}/../vol1.img`, sizeBytes: 512 },
      }),
      /absolute and normalized/,
    ],
    [
      'a relative path',
      async () => ({ backing: { kind: 'file', path: 'vol1.img', sizeBytes: 512 } }),
      /absolute/,
    ],
    [
      'a comma in the path (would inject control options)',
      async (l) => ({
        backing: { kind: 'file', path: `${l.dataDir}/a,fd_dev_size=1`, sizeBytes: 512 },
      }),
      /may only use/,
    ],
    [
      'a symlink leading out of the data directory',
      async (l) => {
        await symlink('/etc/hostname', path.join(l.dataDir, 'escape.img'));
        return {
          backing: { kind: 'file', path: path.join(l.dataDir, 'escape.img'), sizeBytes: 512 },
        };
      },
      /resolves outside/,
    ],
    [
      'a missing backing file',
      async (l) => ({
        backing: { kind: 'file', path: path.join(l.dataDir, 'nope.img'), sizeBytes: 512 },
      }),
      /does not exist/,
    ],
    [
      'a directory as backing file',
      async (l) => {
        await mkdir(path.join(l.dataDir, 'dir.img'));
        return { backing: { kind: 'file', path: path.join(l.dataDir, 'dir.img'), sizeBytes: 512 } };
      },
      /not a regular file/,
    ],
    [
      'a plain file given as block device',
      async (l) => {
        await writeFile(path.join(l.devDir, 'plain.img'), 'x'.repeat(512));
        return {
          backing: { kind: 'block', path: path.join(l.devDir, 'plain.img'), sizeBytes: 512 },
        };
      },
      /not a block device/,
    ],
    [
      'size 0',
      async (l) => ({
        backing: { kind: 'file', path: path.join(l.dataDir, 'vol1.img'), sizeBytes: 0 },
      }),
      /positive/,
    ],
    [
      'a size that is not whole sectors',
      async (l) => ({
        backing: { kind: 'file', path: path.join(l.dataDir, 'vol1.img'), sizeBytes: 1000 },
      }),
      /multiple of 512/,
    ],
    [
      'a size larger than the file',
      async (l) => ({
        backing: { kind: 'file', path: path.join(l.dataDir, 'vol1.img'), sizeBytes: 32 * MiB },
      }),
      /less than/,
    ],
    [
      'an IQN with uppercase',
      async () => ({ iqn: 'iqn.2026-11.io.dvsan:Unit1.vol1' }),
      /target IQN .* uppercase/,
    ],
    [
      'an IQN with spaces',
      async () => ({ iqn: 'iqn.2026-11.io.dvsan:unit1 vol1' }),
      /target IQN .* whitespace/,
    ],
    [
      'an initiator IQN with uppercase',
      async () => ({ acls: [{ initiatorIqn: 'iqn.1993-08.org.debian:01:HOST', chap: chap1 }] }),
      /acls\[0\]\.initiatorIqn .* uppercase/,
    ],
    [
      'the same initiator twice',
      async () => ({
        acls: [
          { initiatorIqn: host1, chap: chap1 },
          { initiatorIqn: host1, chap: chap1 },
        ],
      }),
      /listed twice/,
    ],
    [
      'CHAP on some ACLs only',
      async () => ({
        acls: [
          { initiatorIqn: host1, chap: chap1 },
          { initiatorIqn: host2, chap: null },
        ],
      }),
      /every ACL .* or none/,
    ],
    [
      'half of mutual CHAP',
      async () => ({ acls: [{ initiatorIqn: host1, chap: { ...chap2, mutualUser: 'tgt' } }] }),
      /needs both/,
    ],
    [
      'a mutual secret equal to the secret',
      async () => ({
        acls: [
          { initiatorIqn: host1, chap: { ...chap2, mutualUser: 't', mutualSecret: chap2.secret } },
        ],
      }),
      /must differ/,
    ],
    [
      'a portal that is no IP',
      async () => ({ portal: { address: 'unit1.example.com', port: 3260 } }),
      /not an IP address/,
    ],
    ['port 0', async () => ({ portal: { address: '10.0.0.1', port: 0 } }), /portal\.port/],
    [
      'an unknown field',
      async (l) => ({ ...l.spec(), extra: 1 }) as ExportSpec,
      /Unrecognized key/,
    ],
  ];

  it.each(cases)('%s', async (_name, make, message) => {
    const overrides = await make(lab);
    const err = await refusedWithoutChange(() => lab.backend.ensureExport(lab.spec(overrides)));
    expect(err).toBeInstanceOf(InvalidExportError);
    expect(err.code).toBe('invalid-params');
    expect(err.message).toMatch(message);
  });

  it('never echoes a CHAP secret in a validation error', async () => {
    const secret = 'short!';
    const err = await refusedWithoutChange(() =>
      lab.backend.ensureExport(
        lab.spec({ acls: [{ initiatorIqn: host1, chap: { user: 'u', secret } }] }),
      ),
    );
    expect(err.message).toMatch(/acls\.0\.chap\.secret/);
    expect(JSON.stringify(err.toShape())).not.toContain(secret);
  });
});

describe('conflicts are refused and change nothing', () => {
  it('will not re-point an export at other storage', async () => {
    await lab.backend.ensureExport(lab.spec());
    const other = await lab.file('other.img', 16 * MiB);
    const err = await refusedWithoutChange(() =>
      lab.backend.ensureExport(
        lab.spec({ backing: { kind: 'file', path: other, sizeBytes: 16 * MiB } }),
      ),
    );
    expect(err).toBeInstanceOf(ExportConflictError);
    expect(err.code).toBe('conflict');
    expect(err.message).toMatch(/already serves fileio .*vol1\.img/);
  });

  it('will not export one file twice', async () => {
    await lab.backend.ensureExport(lab.spec());
    const err = await refusedWithoutChange(() =>
      lab.backend.ensureExport(lab.spec({ iqn: 'iqn.2026-11.io.dvsan:unit1.copy' })),
    );
    expect(err.message).toMatch(
      /already exported as storage object fileio\/iqn\.2026-11\.io\.dvsan:unit1\.vol1/,
    );
  });

  it('refuses to change anything while LIO holds objects dvsan cannot save', async () => {
    await lab.kernel.mkdir(path.join(lab.kernel.root, 'loopback'));
    await lab.kernel.mkdir(path.join(lab.kernel.root, 'loopback', 'naa.5001405abcdef012'));
    const err = await refusedWithoutChange(() => lab.backend.ensureExport(lab.spec()));
    expect(err.code).toBe('conflict');
    expect(err.message).toMatch(/loopback\/naa\.5001405abcdef012/);
  });
});

describe('failures halfway', () => {
  it('take a new export down again, and the error names the file but not the secret', async () => {
    const before = await lab.kernel.snapshot();
    lab.kernel.failOn = (op, rel) =>
      op === 'write' && rel.endsWith('/auth/password') ? 'EINVAL' : null;
    const err = await lab.backend.ensureExport(lab.spec()).then(
      () => null,
      (e: unknown) => e as ConfigfsError,
    );
    expect(err).toBeInstanceOf(ConfigfsError);
    if (!err) return;
    expect(err.code).toBe('agent-error');
    expect(err.message).toBe(
      `configfs: write iscsi/${unit1}/tpgt_1/acls/${host1}/auth/password failed (EINVAL)`,
    );
    expect(JSON.stringify(err.toShape())).not.toContain(chap1.secret);
    // Everything made for the export is gone again; only the iscsi fabric directory stays.
    expect((await lab.kernel.snapshot()).filter((line) => !line.startsWith('iscsi'))).toEqual(
      before,
    );
    expect((await lab.kernel.snapshot()).some((line) => line.includes(unit1))).toBe(false);
  });

  it('leave an existing export in place for a retry', async () => {
    await lab.backend.ensureExport(lab.spec());
    lab.kernel.failOn = (op, rel) => (op === 'mkdir' && rel.endsWith(host2) ? 'ENOMEM' : null);
    await expect(
      lab.backend.ensureExport(
        lab.spec({
          acls: [
            { initiatorIqn: host1, chap: chap1 },
            { initiatorIqn: host2, chap: chap1 },
          ],
        }),
      ),
    ).rejects.toMatchObject({ code: 'agent-error' });
    lab.kernel.failOn = null;
    expect((await lab.backend.listTargets()).map((t) => t.iqn)).toEqual([unit1]);
  });
});

describe('logs', () => {
  it('never contain CHAP secrets', async () => {
    await lab.backend.ensureExport(
      lab.spec({
        acls: [
          { initiatorIqn: host1, chap: chap1 },
          { initiatorIqn: host2, chap: chap2 },
        ],
      }),
    );
    await lab.backend.removeExport(unit1);
    expect(lab.logs.map((l) => l.msg)).toEqual(['lio export ensured', 'lio export removed']);
    const text = JSON.stringify(lab.logs);
    for (const secret of [chap1.secret, chap1.mutualSecret, chap2.secret])
      expect(text).not.toContain(secret);
  });
});

describe('saveconfig directory', () => {
  it('holds no temp files after successful saves', async () => {
    await lab.backend.ensureExport(lab.spec());
    await lab.backend.ensureExport(lab.spec());
    expect(await readdir(path.dirname(lab.saveFile))).toEqual(['saveconfig.json']);
  });
});
