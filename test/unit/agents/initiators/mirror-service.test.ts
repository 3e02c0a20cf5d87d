import { mkdtempSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Run } from '../../../../agents/initiators/command.js';
import {
  InitiatorService,
  OpenIscsiInitiator,
  byPathName,
  MirrorService,
  mirrorSupport,
} from '../../../../agents/initiators/index.js';
import type { MirrorFs } from '../../../../agents/initiators/mirror.js';
import { writeRecord } from '../../../../agents/initiators/records.js';
import { announceBodySchema } from '../../../../protocol/announce.js';
import { DvsanError } from '../../../../protocol/errors.js';
import { hostApi } from '../../../../protocol/hosts.js';
import { attachParamsSchema } from '../../../../protocol/initiators.js';
import { mirrorCreateParamsSchema } from '../../../../protocol/mirrors.js';
import { fakeRun } from './fake-iscsiadm.js';
import { leg } from './mirror-fixtures.js';

let dir: string;
let calls: string[][];
let files: Record<string, string>;
let service: MirrorService;
let available = true;

const run: Run = async (name, args) => {
  calls.push([name, ...args]);
  // blkid -p on an empty device: no signature.
  return name === 'blkid'
    ? { code: 2, stdout: '', stderr: '' }
    : { code: 0, stdout: '', stderr: '' };
};
const fs: MirrorFs = {
  read: async (f) => files[f] ?? null,
  realpath: async (f) => {
    if (f === '/dev/md/db' && files['/sys/block/md127/md/array_state']) return '/dev/md127';
    throw new Error('ENOENT');
  },
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dvsan-mirror-'));
  calls = [];
  files = {};
  available = true;
  const recordDir = join(dir, 'initiators');
  service = new MirrorService({
    paths: {
      recordDir,
      runDir: join(dir, 'run'),
      lockFile: join(dir, 'lock'),
      initiatorNameFile: join(dir, 'initiatorname.iscsi'),
      unitDir: join(dir, 'units'),
    },
    run,
    fs,
    withLock: (fn) => fn(),
    supervisor: async () => 'process',
    support: async () => mirrorSupport(available, available),
  });
  await writeRecord(recordDir, leg('la', '/dev/sdb'));
  await writeRecord(recordDir, leg('lb', '/dev/sdc'));
});

const create = { mirrorId: 'm1', name: 'db', legs: ['la', 'lb'] as [string, string] };
const whole = () =>
  Object.assign(files, {
    '/sys/block/md127/md/array_state': 'clean\n',
    '/sys/block/md127/md/degraded': '0\n',
    '/sys/block/md127/md/sync_action': 'idle\n',
    '/sys/block/md127/md/dev-sdb/state': 'in_sync\n',
    '/sys/block/md127/md/dev-sdc/state': 'in_sync\n',
  });

describe('mirror.create / remove / list on a host', () => {
  it('builds the array over both legs, formats it only when empty, and records it', async () => {
    const p = mirrorCreateParamsSchema.parse({
      ...create,
      filesystem: { type: 'ext4', format: 'if-empty' },
    });
    expect(await service.create(p)).toEqual({
      mirrorId: 'm1',
      device: '/dev/md/db',
      mountPoint: null,
      formatted: true,
      persistent: false,
    });
    expect(calls.map((c) => c.slice(0, 2))).toEqual([
      ['mdadm', '--create'],
      ['blkid', '-p'],
      ['mkfs.ext4', '-q'],
    ]);
    expect(calls[0]!.slice(-2)).toEqual(['/dev/sdb', '/dev/sdc']);
    // The same request again is the same mirror; nothing runs twice.
    expect((await service.create(p)).device).toBe('/dev/md/db');
    expect(calls).toHaveLength(3);
    await expect(service.create({ ...p, name: 'other' })).rejects.toThrow(/already exists/);
    expect(await readdir(join(dir, 'mirrors'))).toEqual(['m1.json']);
  });

  it('refuses legs that are not attached here, carry a filesystem, or are in use', async () => {
    const p = mirrorCreateParamsSchema.parse({ ...create, legs: ['la', 'nope'] });
    await expect(service.create(p)).rejects.toThrow(/attachment nope is not attached on this host/);
    await writeRecord(join(dir, 'initiators'), leg('lf', '/dev/sdd', { filesystemType: 'ext4' }));
    await expect(
      service.create(mirrorCreateParamsSchema.parse({ ...create, legs: ['la', 'lf'] })),
    ).rejects.toThrow(/attachment lf carries a filesystem/);
    await service.create(mirrorCreateParamsSchema.parse(create));
    await expect(
      service.create(mirrorCreateParamsSchema.parse({ ...create, mirrorId: 'm2', name: 'x' })),
    ).rejects.toThrow(/a leg is already part of mirror db/);
    expect(calls.filter((c) => c[0] === 'mdadm')).toHaveLength(1);
  });

  it('answers a host without md with what to install, before running anything', async () => {
    available = false;
    const err = (await service
      .create(mirrorCreateParamsSchema.parse(create))
      .catch((e: unknown) => e)) as DvsanError;
    expect(err.code).toBe('agent-error');
    expect(err.message).toBe(
      "this host cannot mirror volumes: mdadm is not installed (install the Debian package mdadm); the kernel has no md RAID1 (no /proc/mdstat; it needs the md_mod and raid1 modules, which Debian's kernels have)",
    );
    expect(calls).toEqual([]);
    expect(mirrorSupport(true, true)).toEqual({ available: true, missing: null });
    expect(mirrorSupport(true, false).missing).not.toMatch(/mdadm is not/);
  });

  it('lists health with the lost leg, names degraded mirrors, and removes to nothing', async () => {
    await service.create(mirrorCreateParamsSchema.parse(create));
    whole();
    expect((await service.list()).mirrors).toMatchObject([{ state: 'whole', missingLegs: [] }]);
    expect(await service.degraded()).toEqual([]);
    files['/sys/block/md127/md/degraded'] = '1\n';
    files['/sys/block/md127/md/dev-sdc/state'] = 'faulty\n';
    const [m] = (await service.list()).mirrors;
    expect(m).toMatchObject({ state: 'degraded', missingLegs: ['lb'] });
    expect(m!.error).toMatch(/degraded: 1 of 2/);
    expect(await service.degraded()).toEqual(['m1']);

    expect(await service.remove('m1', false)).toEqual({ removed: true, warnings: [] });
    expect(calls.at(-1)).toEqual(['mdadm', '--stop', '/dev/md/db']);
    expect(await service.remove('m1', false)).toEqual({ removed: false, warnings: [] });
    expect((await service.list()).mirrors).toEqual([]);
  });
});

describe('a leg under a mirror', () => {
  it('is not detached from under md unless forced', async () => {
    await service.create(mirrorCreateParamsSchema.parse(create));
    const logouts: boolean[] = [];
    const initiator = new InitiatorService({
      paths: {
        recordDir: join(dir, 'initiators'),
        runDir: join(dir, 'run'),
        lockFile: join(dir, 'lock'),
        initiatorNameFile: join(dir, 'initiatorname.iscsi'),
        unitDir: join(dir, 'units'),
      },
      run,
      backend: async () => ({
        backend: {
          kind: 'open-iscsi',
          mutualChap: true,
          login: async () => {
            throw new Error('not used');
          },
          logout: async (_ref, force) => {
            logouts.push(force);
            return [];
          },
          afterMount: async () => undefined,
          health: async () => null,
        },
        missing: null,
      }),
      supervisor: async () => 'process',
      withLock: (fn) => fn(),
    });
    const err = (await initiator.detach('lb', false).catch((e: unknown) => e)) as DvsanError;
    expect(err.code).toBe('conflict');
    expect(err.message).toBe('attachment lb is a leg of mirror db: remove the mirror first');
    expect(logouts).toEqual([]);
    await service.remove('m1', false);
    expect((await initiator.detach('lb', false)).detached).toBe(true);
    expect(logouts).toEqual([false]);
  });
});

describe('mirror protocol pieces', () => {
  it('needs two different legs and a plain name', () => {
    expect(() => mirrorCreateParamsSchema.parse({ ...create, legs: ['la', 'la'] })).toThrow(
      /two legs must be different/,
    );
    expect(() => mirrorCreateParamsSchema.parse({ ...create, name: '../x' })).toThrow();
  });

  it('keeps old attach requests and old heartbeats valid', () => {
    const attach = attachParamsSchema.parse({
      attachmentId: 'a1',
      target: { iqn: 'iqn.2026-11.io.dvsan:u.v', portal: { address: '10.0.0.5', port: 3260 } },
      initiatorIqn: 'iqn.2026-11.io.dvsan.host:h1',
      chap: null,
    });
    // Absent, not false: the request key of existing attachments does not change.
    expect('mirrorLeg' in attach).toBe(false);
    const beat = { v: 1, kind: 'heartbeat', nodeId: 'h1', hostname: 'h1', agentVersion: 'v' };
    const rest = { ts: 1, nonce: '0'.repeat(32), interval: 5 };
    expect(announceBodySchema.safeParse({ ...beat, ...rest }).success).toBe(true);
    expect(
      announceBodySchema.safeParse({ ...beat, ...rest, degradedMirrors: ['m1'] }).success,
    ).toBe(true);
    expect(
      announceBodySchema.safeParse({ ...beat, ...rest, degradedMirrors: Array(17).fill('m') })
        .success,
    ).toBe(false);
    expect(hostApi['host/assign'].params.parse({ hostId: 'h1', sizeBytes: 1 << 20 }).mirrored).toBe(
      false,
    );
  });

  it('open-iscsi gives a mirror leg a 5 s replacement timeout, and other sessions the default', async () => {
    const target = {
      iqn: 'iqn.2026-11.io.dvsan:u.v',
      portal: { address: '10.0.0.5', port: 3260 },
      lun: 1,
    };
    const attempt = async (mirrorLeg: boolean) => {
      const fake = fakeRun([
        { match: ['discovery'], answers: [{ stdout: `10.0.0.5:3260,1 ${target.iqn}\n` }] },
      ]);
      const initiator = new OpenIscsiInitiator({
        run: fake.run,
        probe: async () => null,
        fs: {
          exists: async (f) => f === byPathName(target),
          realpath: async () => '/dev/sdc',
          read: async () => '8\n',
          write: async () => undefined,
          list: async () => [],
          isDir: async () => false,
          replace: async () => undefined,
        },
      });
      await initiator.login({
        attachmentId: 'a1',
        target,
        initiatorIqn: 'iqn.2026-11.io.dvsan.host:h1',
        chap: null,
        readOnly: false,
        timeoutMs: 1500,
        mirrorLeg,
      });
      return fake.calls.filter((c) => c.includes('node.session.timeo.replacement_timeout'));
    };
    expect((await attempt(true)).map((c) => c.at(-1))).toEqual(['5']);
    expect(await attempt(false)).toEqual([]);
  });
});
