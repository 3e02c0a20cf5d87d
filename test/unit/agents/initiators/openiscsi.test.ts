import { describe, expect, it } from 'vitest';
import {
  OpenIscsiInitiator,
  byPathName,
  sessionHost,
  type OpenIscsiFs,
} from '../../../../agents/initiators/index.js';
import type { LoginSpec } from '../../../../agents/initiators/index.js';
import { DvsanError } from '../../../../protocol/errors.js';
import { fakeRun, type Rule } from './fake-iscsiadm.js';

const target = {
  iqn: 'iqn.2026-11.io.dvsan:u1.vol-a',
  portal: { address: '10.0.0.5', port: 3260 },
  lun: 1,
};
const spec: LoginSpec = {
  attachmentId: 'a1',
  target,
  initiatorIqn: 'iqn.2026-11.io.dvsan.host:h1',
  chap: {
    user: 'dvsan-h1',
    secret: 'Kq7xPm2Rt9vW4yZa',
    mutualUser: 'dvsan-t-h1',
    mutualSecret: 'Mn3bV8cX5zL2jH6g',
  },
  readOnly: false,
  timeoutMs: 1500,
};
const link = byPathName(target);
const discovered = { stdout: `10.0.0.5:3260,1 ${target.iqn}\n` };

const recordDir = `/etc/iscsi/nodes/${target.iqn}/10.0.0.5,3260,1`;
const recordFile = `${recordDir}/default`;
const record = [
  '# BEGIN RECORD 2.1.8',
  `node.name = ${target.iqn}`,
  'node.session.auth.authmethod = CHAP',
  'node.session.auth.password = old-secret',
  '# END RECORD',
  '',
].join('\n');

/**
 * A filesystem where the by-path link appears after `appearAfter` exists() calls, with the
 * target's node record in Debian's node database.
 */
function fakeFs(appearAfter = 0): OpenIscsiFs & {
  writes: [string, string][];
  records: Map<string, string>;
} {
  let checks = 0;
  const writes: [string, string][] = [];
  const records = new Map([[recordFile, record]]);
  return {
    writes,
    records,
    exists: async (file) => file === link && checks++ >= appearAfter,
    realpath: async () => '/dev/sdc',
    read: async (file) =>
      file === '/sys/class/block/sdc/size' ? '2097152\n' : (records.get(file) ?? null),
    write: async (file, data) => {
      writes.push([file, data]);
    },
    list: async (dir) =>
      dir === `/etc/iscsi/nodes/${target.iqn}`
        ? ['10.0.0.5,3260,1', '10.0.0.6,3260,1']
        : dir === recordDir
          ? ['default']
          : [],
    isDir: async (file) => file === recordDir,
    replace: async (file, data) => {
      records.set(file, data);
    },
  };
}

const reachable = async () => null;

function backend(rules: Rule[], fs = fakeFs(), extra = {}) {
  const fake = fakeRun(rules);
  const initiator = new OpenIscsiInitiator({ run: fake.run, fs, probe: reachable, ...extra });
  return { initiator, calls: fake.calls };
}

const node = ['iscsiadm', '-m', 'node', '-T', target.iqn, '-p', '10.0.0.5:3260'];

describe('open-iscsi backend', () => {
  it('runs discovery, a node record with mutual CHAP, login, and finds the LUN by path', async () => {
    const fs = fakeFs();
    const { initiator, calls } = backend([{ match: ['discovery'], answers: [discovered] }], fs);
    const session = await initiator.login(spec);
    expect(session).toEqual({
      device: '/dev/sdc',
      sizeBytes: 2097152 * 512,
      pid: null,
      mutualChap: true,
    });
    expect(calls).toEqual([
      [
        'iscsiadm',
        '-m',
        'discovery',
        '-t',
        'sendtargets',
        '-p',
        '10.0.0.5:3260',
        '-o',
        'nonpersistent',
      ],
      [...node, '-o', 'new'],
      [...node, '-o', 'update', '-n', 'node.startup', '-v', 'manual'],
      [...node, '-o', 'update', '-n', 'node.conn[0].timeo.login_timeout', '-v', '2'],
      [...node, '-o', 'update', '-n', 'node.session.auth.authmethod', '-v', 'CHAP'],
      [...node, '--login'],
    ]);
    // The secrets never pass through an argv: they are written into the record file.
    expect(fs.records.get(recordFile)).toBe(
      [
        '# BEGIN RECORD 2.1.8',
        `node.name = ${target.iqn}`,
        'node.session.auth.authmethod = CHAP',
        'node.session.auth.username = dvsan-h1',
        'node.session.auth.password = Kq7xPm2Rt9vW4yZa',
        'node.session.auth.username_in = dvsan-t-h1',
        'node.session.auth.password_in = Mn3bV8cX5zL2jH6g',
        '# END RECORD',
        '',
      ].join('\n'),
    );
  });

  it('passes CHAP through iscsiadm where it finds no node record file to write', async () => {
    const fs = { ...fakeFs(), list: async () => [] };
    const { initiator, calls } = backend([{ match: ['discovery'], answers: [discovered] }], fs);
    await initiator.login(spec);
    expect(calls).toContainEqual([
      ...node,
      '-o',
      'update',
      '-n',
      'node.session.auth.password',
      '-v',
      'Kq7xPm2Rt9vW4yZa',
    ]);
    expect(fs.records.get(recordFile)).toBe(record);
  });

  it('takes exit 15 (session exists) as logged in', async () => {
    const { initiator } = backend([
      { match: ['discovery'], answers: [discovered] },
      { match: ['--login'], answers: [{ code: 15, stderr: 'session exists' }] },
    ]);
    expect((await initiator.login({ ...spec, chap: null })).device).toBe('/dev/sdc');
  });

  it('retries exit 6 (node database busy) a bounded number of times', async () => {
    const busy = { code: 6, stderr: 'could not lock db' };
    const ok = backend(
      [
        { match: ['discovery'], answers: [discovered] },
        { match: ['--login'], answers: [busy, busy, {}] },
      ],
      fakeFs(),
      { idbmAttempts: 3 },
    );
    await ok.initiator.login(spec);
    expect(ok.calls.filter((c) => c.includes('--login'))).toHaveLength(3);

    const failing = backend(
      [
        { match: ['discovery'], answers: [discovered] },
        { match: ['--login'], answers: [busy] },
      ],
      fakeFs(),
      { idbmAttempts: 3 },
    );
    await expect(failing.initiator.login(spec)).rejects.toThrow(/--login failed \(exit 6\)/);
    expect(failing.calls.filter((c) => c.includes('--login'))).toHaveLength(3);
    // The node record it made is removed again.
    expect(failing.calls.at(-1)).toEqual([...node, '-o', 'delete']);
  });

  it('turns login exit codes into reasons and cleans up the node record', async () => {
    const cases: [number, string][] = [
      [24, 'chap-rejected'],
      [19, 'target-missing'],
      [8, 'timeout'],
      [4, 'portal-unreachable'],
    ];
    for (const [code, reason] of cases) {
      const { initiator, calls } = backend([
        { match: ['discovery'], answers: [discovered] },
        { match: ['--login'], answers: [{ code, stderr: 'iscsiadm: Login failed' }] },
      ]);
      const err = await initiator.login(spec).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DvsanError);
      expect((err as DvsanError).code).toBe('login-failed');
      expect((err as DvsanError).details?.reason).toBe(reason);
      expect((err as DvsanError).message).not.toContain(spec.chap!.secret);
      expect(calls.slice(-2)).toEqual([
        [...node, '--logout'],
        [...node, '-o', 'delete'],
      ]);
    }
  });

  it('reports a target discovery does not list, without creating a node record', async () => {
    const { initiator, calls } = backend([{ match: ['discovery'], answers: [{ stdout: '' }] }]);
    const err = (await initiator.login(spec).catch((e: unknown) => e)) as DvsanError;
    expect(err.details).toMatchObject({ reason: 'target-missing', maybe: 'acl-denied' });
    expect(calls).toHaveLength(1);
  });

  it('reports an unreachable portal before running iscsiadm', async () => {
    const fake = fakeRun([]);
    const initiator = new OpenIscsiInitiator({
      run: fake.run,
      fs: fakeFs(),
      probe: async () => ({ reason: 'portal-unreachable', said: 'connection refused' }),
    });
    const err = (await initiator.login(spec).catch((e: unknown) => e)) as DvsanError;
    expect(err.details?.reason).toBe('portal-unreachable');
    expect(err.message).toMatch(/cannot reach the unit's iSCSI portal 10\.0\.0\.5:3260/);
    expect(fake.calls).toEqual([]);
  });

  it('rescans only the wanted LUN when it is slow, and gives up at the timeout', async () => {
    const sessions = {
      stdout: `Target: ${target.iqn} (non-flash)\n\tCurrent Portal: 10.0.0.5:3260,1\n\t\tHost Number: 7\tState: running\n`,
    };
    const fs = fakeFs(Number.POSITIVE_INFINITY);
    const { initiator, calls } = backend(
      [
        { match: ['discovery'], answers: [discovered] },
        { match: ['session'], answers: [sessions] },
      ],
      fs,
      { rescanAfterMs: 200 },
    );
    const started = Date.now();
    const err = (await initiator.login(spec).catch((e: unknown) => e)) as DvsanError;
    const took = Date.now() - started;
    expect(err.details?.reason).toBe('timeout');
    expect(err.message).toContain(link);
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(3000);
    expect(fs.writes).toEqual([['/sys/class/scsi_host/host7/scan', '0 0 1']]);
    expect(calls.slice(-2)).toEqual([
      [...node, '--logout'],
      [...node, '-o', 'delete'],
    ]);
  });

  it('logs out and deletes the record; 21 (nothing there) is not an error', async () => {
    const { initiator, calls } = backend([
      { match: ['--logout'], answers: [{ code: 21 }] },
      { match: ['delete'], answers: [{ code: 21 }] },
    ]);
    const ref = { attachmentId: 'a1', target, device: '/dev/sdc', pid: null };
    expect(await initiator.logout(ref, false)).toEqual([]);
    expect(calls).toEqual([
      ['blockdev', '--flushbufs', '/dev/sdc'],
      [...node, '--logout'],
      [...node, '-o', 'delete'],
    ]);
    const failed = backend([
      { match: ['--logout'], answers: [{ code: 10, stderr: 'logout failed' }] },
    ]);
    expect(await failed.initiator.logout(ref, true)).toEqual([
      expect.stringMatching(/--logout from .* failed \(exit 10\)/),
    ]);
  });

  it('finds the SCSI host of a session in iscsiadm -P 3 output', () => {
    const text =
      'iSCSI Transport Class version 2.0-870\n' +
      'Target: iqn.other (non-flash)\n\tCurrent Portal: 10.0.0.5:3260,1\n\t\tHost Number: 3\n' +
      `Target: ${target.iqn} (non-flash)\n\tCurrent Portal: 10.0.0.5:3260,1\n\t\tHost Number: 9\n`;
    expect(sessionHost(text, target.iqn, '10.0.0.5:3260')).toBe(9);
    expect(sessionHost(text, target.iqn, '10.0.0.6:3260')).toBeNull();
  });
});
