import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { mirrorHealer } from '../../../../agents/daemon/mirror-healing.js';
import type { MirrorFs } from '../../../../agents/initiators/mirror.js';
import {
  planHeal,
  syncPercent,
  type LegSnapshot,
} from '../../../../agents/initiators/mirror-heal.js';
import { MirrorService, mirrorSupport } from '../../../../agents/initiators/mirror-service.js';
import { writeMirror } from '../../../../agents/initiators/mirror-records.js';
import { removeRecord, writeRecord } from '../../../../agents/initiators/records.js';
import { fakeRun, type Rule } from './fake-iscsiadm.js';
import { leg, sha } from './mirror-fixtures.js';

const inSync = (device: string): LegSnapshot => ({
  device,
  member: 'in_sync',
  scsi: 'running',
  attached: true,
});

describe('which lost leg to re-add', () => {
  const lostB = (b: Partial<LegSnapshot>) => ({
    syncAction: 'idle',
    legs: [inSync('/dev/sdb'), { ...inSync('/dev/sdc'), member: 'faulty', ...b }],
  });

  it('takes out a faulty leg and puts it back once its session runs again', () => {
    expect(planHeal(lostB({}))).toEqual({ device: '/dev/sdc', remove: true });
    expect(planHeal(lostB({ member: 'faulty,write_error' }))).toEqual({
      device: '/dev/sdc',
      remove: true,
    });
    // md no longer lists it (an admin removed it): only the re-add is left.
    expect(planHeal(lostB({ member: null }))).toEqual({ device: '/dev/sdc', remove: false });
    // Not a SCSI disk: the read decides.
    expect(planHeal(lostB({ scsi: null }))).toEqual({ device: '/dev/sdc', remove: true });
  });

  it('does nothing while the leg is away, a resync runs, or no leg holds the data alone', () => {
    expect(planHeal({ syncAction: 'idle', legs: [inSync('/dev/sdb'), inSync('/dev/sdc')] })).toBe(
      null,
    );
    expect(planHeal(lostB({ scsi: 'transport-offline' }))).toBeNull();
    expect(planHeal(lostB({ scsi: 'blocked' }))).toBeNull();
    expect(planHeal(lostB({ attached: false }))).toBeNull();
    expect(planHeal({ ...lostB({}), syncAction: 'recover' })).toBeNull();
    expect(planHeal({ ...lostB({}), syncAction: 'resync' })).toBeNull();
    expect(
      planHeal({
        syncAction: 'idle',
        legs: [
          { ...inSync('/dev/sdb'), member: 'faulty' },
          { ...inSync('/dev/sdc'), member: null },
        ],
      }),
    ).toBeNull();
  });

  it("reads md's sync_completed as a percentage", () => {
    expect(syncPercent('512 / 2048\n')).toBe(25);
    expect(syncPercent('1 / 3')).toBe(33.3);
    expect(syncPercent('none\n')).toBeNull();
    expect(syncPercent(null)).toBeNull();
    expect(syncPercent('5 / 0')).toBeNull();
  });
});

const md = '/sys/block/md127/md';
let dir: string;
let files: Record<string, string>;

const fs: MirrorFs = {
  read: async (f) => files[f] ?? null,
  realpath: async (f) => {
    if (f === '/dev/md/db' && files[`${md}/array_state`]) return '/dev/md127';
    throw new Error('ENOENT');
  },
};

function serviceWith(rules: Rule[]) {
  const fake = fakeRun(rules);
  let locks = 0;
  const service = new MirrorService({
    paths: {
      recordDir: join(dir, 'initiators'),
      runDir: join(dir, 'run'),
      lockFile: join(dir, 'lock'),
      initiatorNameFile: join(dir, 'initiatorname.iscsi'),
      unitDir: join(dir, 'units'),
    },
    run: fake.run,
    fs,
    withLock: (fn) => {
      locks++;
      return fn();
    },
    supervisor: async () => 'process',
    support: async () => mirrorSupport(true, true),
  });
  return { service, calls: fake.calls, locks: () => locks };
}

/** md lost /dev/sdc (faulty), and its session has come back. */
const sdcBack = () =>
  Object.assign(files, {
    [`${md}/array_state`]: 'clean\n',
    [`${md}/degraded`]: '1\n',
    [`${md}/sync_action`]: 'idle\n',
    [`${md}/sync_completed`]: 'none\n',
    [`${md}/dev-sdb/state`]: 'in_sync\n',
    [`${md}/dev-sdc/state`]: 'faulty\n',
    '/sys/class/block/sdb/device/state': 'running\n',
    '/sys/class/block/sdc/device/state': 'running\n',
  });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dvsan-heal-'));
  files = {};
  const recordDir = join(dir, 'initiators');
  await writeRecord(recordDir, leg('la', '/dev/sdb'));
  await writeRecord(recordDir, leg('lb', '/dev/sdc'));
  await writeMirror(join(dir, 'mirrors'), {
    mirrorId: 'm1',
    requestKey: sha,
    name: 'db',
    legs: ['la', 'lb'],
    legDevices: ['/dev/sdb', '/dev/sdc'],
    filesystemType: null,
    readOnly: false,
    createdDir: null,
    mountUnit: null,
    result: {
      mirrorId: 'm1',
      device: '/dev/md/db',
      mountPoint: null,
      formatted: false,
      persistent: false,
    },
  });
});

describe('a healing pass on the host', () => {
  it('reads the leg, removes the faulty member and re-adds it, then leaves the recovery alone', async () => {
    const { service, calls } = serviceWith([]);
    sdcBack();
    expect(await service.heal()).toEqual([
      { mirrorId: 'm1', name: 'db', device: '/dev/sdc', done: 're-added' },
    ]);
    expect(calls).toEqual([
      ['dd', 'if=/dev/sdc', 'of=/dev/null', 'bs=4096', 'count=1', 'iflag=direct'],
      ['mdadm', '/dev/md/db', '--remove', '/dev/sdc'],
      ['mdadm', '/dev/md/db', '--re-add', '/dev/sdc'],
    ]);
    // md recovers the re-added leg from the bitmap: still degraded, nothing more to do.
    Object.assign(files, {
      [`${md}/dev-sdc/state`]: 'spare\n',
      [`${md}/sync_action`]: 'recover\n',
      [`${md}/sync_completed`]: '512 / 2048\n',
    });
    expect(await service.heal()).toEqual([]);
    expect(calls).toHaveLength(3);
    const [m] = (await service.list()).mirrors;
    expect(m).toMatchObject({ state: 'degraded', resync: { action: 'recover', percent: 25 } });
    Object.assign(files, {
      [`${md}/degraded`]: '0\n',
      [`${md}/dev-sdc/state`]: 'in_sync\n',
      [`${md}/sync_action`]: 'idle\n',
    });
    expect((await service.list()).mirrors).toMatchObject([
      { state: 'whole', missingLegs: [], resync: null },
    ]);
    expect(await service.heal()).toEqual([]);
    expect(calls).toHaveLength(3);
  });

  const refused = {
    match: ['mdadm', '--re-add'],
    answers: [{ code: 1, stderr: 'mdadm: --re-add for /dev/sdc to /dev/md/db is not possible' }],
  };
  const arrayUuid = { match: ['mdadm', '--detail'], answers: [{ stdout: 'MD_UUID=aa:bb\n' }] };

  it('adds the leg whole when md refuses the re-add', async () => {
    const { service, calls } = serviceWith([
      refused,
      arrayUuid,
      { match: ['mdadm', '--examine'], answers: [{ stdout: 'MD_LEVEL=raid1\nMD_UUID=aa:bb\n' }] },
    ]);
    sdcBack();
    delete files[`${md}/dev-sdc/state`];
    expect(await service.heal()).toMatchObject([{ device: '/dev/sdc', done: 'added' }]);
    expect(calls.slice(1)).toEqual([
      ['mdadm', '/dev/md/db', '--re-add', '/dev/sdc'],
      ['mdadm', '--detail', '--export', '/dev/md/db'],
      ['mdadm', '--examine', '--export', '/dev/sdc'],
      ['mdadm', '--zero-superblock', '/dev/sdc'],
      ['mdadm', '/dev/md/db', '--add', '/dev/sdc'],
    ]);
  });

  it('never overwrites a disk whose superblock is not this mirror’s', async () => {
    const { service, calls } = serviceWith([
      refused,
      arrayUuid,
      { match: ['mdadm', '--examine'], answers: [{ stdout: 'MD_UUID=cc:dd\n' }] },
    ]);
    sdcBack();
    delete files[`${md}/dev-sdc/state`];
    expect(await service.heal()).toMatchObject([
      { device: '/dev/sdc', done: null, error: expect.stringMatching(/not overwriting it/) },
    ]);
    expect(calls.some((c) => c.includes('--zero-superblock') || c.includes('--add'))).toBe(false);
  });

  it('reports a leg that does not read or an mdadm that fails, and tries again next pass', async () => {
    const { service, calls } = serviceWith([
      { match: ['dd'], answers: [{ code: 1, stderr: 'dd: /dev/sdc: Input/output error' }, {}] },
      {
        match: ['mdadm', '--remove'],
        answers: [{ code: 1, stderr: 'mdadm: hot remove failed for /dev/sdc: Device busy' }],
      },
    ]);
    sdcBack();
    expect(await service.heal()).toEqual([
      {
        mirrorId: 'm1',
        name: 'db',
        device: '/dev/sdc',
        done: null,
        error: '/dev/sdc does not read yet (dd exit 1): dd: /dev/sdc: Input/output error',
      },
    ]);
    expect(calls.map((c) => c[0])).toEqual(['dd']);
    expect(await service.heal()).toMatchObject([
      {
        done: null,
        error:
          'mdadm --remove /dev/sdc failed (exit 1): mdadm: hot remove failed for /dev/sdc: Device busy',
      },
    ]);
    expect(calls.map((c) => c.slice(0, 3))).toEqual([
      ['dd', 'if=/dev/sdc', 'of=/dev/null'],
      ['dd', 'if=/dev/sdc', 'of=/dev/null'],
      ['mdadm', '/dev/md/db', '--remove'],
    ]);
  });

  it('runs nothing and takes no lock while the leg is away, detached, or the array is gone', async () => {
    const { service, calls, locks } = serviceWith([]);
    sdcBack();
    files['/sys/class/block/sdc/device/state'] = 'transport-offline\n';
    expect(await service.heal()).toEqual([]);
    files['/sys/class/block/sdc/device/state'] = 'running\n';
    await removeRecord(join(dir, 'initiators'), 'lb');
    expect(await service.heal()).toEqual([]);
    await writeRecord(join(dir, 'initiators'), leg('lb', '/dev/sdd'));
    expect(await service.heal()).toEqual([]);
    files = {};
    expect(await service.heal()).toEqual([]);
    expect(calls).toEqual([]);
    expect(locks()).toBe(0);
  });
});

describe("the daemon's healer", () => {
  it('runs one pass at a time and logs a failure once until it changes', async () => {
    const logged: [string, string, Record<string, unknown> | undefined][] = [];
    const answers = [
      [{ mirrorId: 'm1', name: 'db', device: '/dev/sdc', done: null, error: 'busy' }],
      [{ mirrorId: 'm1', name: 'db', device: '/dev/sdc', done: null, error: 'busy' }],
      [{ mirrorId: 'm1', name: 'db', device: '/dev/sdc', done: 're-added' }],
    ] as const;
    let passes = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const kick = mirrorHealer(
      async () => {
        const n = passes++;
        if (n === 0) await gate;
        return [...answers[Math.min(n, 2)]!];
      },
      (level, msg, fields) => logged.push([level, msg, fields]),
    );
    const first = kick();
    expect(kick()).toBe(first);
    release();
    await first;
    await kick();
    expect(passes).toBe(2);
    expect(logged.map(([level, msg]) => [level, msg])).toEqual([
      ['warn', 're-adding a mirror leg failed; retrying every heartbeat'],
    ]);
    await kick();
    expect(logged.at(-1)).toEqual([
      'info',
      'mirror leg re-added; md resyncs it',
      { mirrorId: 'm1', mirror: 'db', device: '/dev/sdc', how: 're-added' },
    ]);
  });
});
