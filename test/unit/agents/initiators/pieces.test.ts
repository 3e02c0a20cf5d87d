// The initiator's pure pieces: diagnostics, host IQN, qsd argv, systemd mount units, mount points.
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkMountPointPath,
  classifyIscsiadm,
  classifyLibiscsi,
  ensureHostIqn,
  escapeMountPath,
  hostIqnFor,
  parseInitiatorName,
  qsdArgs,
  qsdFiles,
  renderMountUnit,
} from '../../../../agents/initiators/index.js';
import { prepareMountPoint, removeCreatedDirs } from '../../../../agents/initiators/mount-point.js';
import { failedAttachmentIds } from '../../../../agents/daemon/attachment-health.js';
import { announceBodySchema } from '../../../../protocol/announce.js';
import { attachParamsSchema, mountPointSchema } from '../../../../protocol/initiators.js';
import { iqnSchema } from '../../../../protocol/volumes.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dvsan-initiators-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// What qemu-storage-daemon 7.2 / libiscsi 1.19 printed in the lab for each case.
const qsd = (tail: string) =>
  `qemu-storage-daemon: --blockdev driver=iscsi,node-name=lun,portal=10.99.20.11:3260: iSCSI: Failed to connect to LUN : ${tail}\n`;

describe('login diagnostics', () => {
  it('classifies libiscsi login statuses by number', () => {
    expect(
      classifyLibiscsi(qsd('Failed to log in to target. Status: Authentication failure(513)')),
    ).toEqual({
      reason: 'chap-rejected',
      said: 'Authentication failure (513)',
    });
    expect(
      classifyLibiscsi(qsd('Failed to log in to target. Status: Authorization failure(514)'))
        ?.reason,
    ).toBe('acl-denied');
    expect(
      classifyLibiscsi(qsd('Failed to log in to target. Status: Target not found(515)')),
    ).toEqual({
      reason: 'target-missing',
      said: 'Target not found (515)',
      maybe: 'acl-denied',
    });
    expect(
      classifyLibiscsi(
        qsd(
          'iscsi_service failed with : iscsi_service_reconnect_if_loggedin. Can not reconnect right now.',
        ),
      ),
    ).toBeNull();
  });

  it("classifies iscsiadm's documented exit codes", () => {
    expect(classifyIscsiadm(24, 'x')).toMatchObject({
      reason: 'chap-rejected',
      maybe: 'acl-denied',
    });
    expect(classifyIscsiadm(19, 'x')).toMatchObject({ reason: 'target-missing' });
    expect(classifyIscsiadm(8, 'x')?.reason).toBe('timeout');
    expect(classifyIscsiadm(11, 'x')?.reason).toBe('timeout');
    expect(classifyIscsiadm(4, 'x')?.reason).toBe('portal-unreachable');
    expect(classifyIscsiadm(7, 'x')).toBeNull();
  });
});

describe('host IQN', () => {
  it('makes an RFC 3720 valid name from any hostname', () => {
    expect(hostIqnFor('web-1')).toBe('iqn.2026-11.io.dvsan.host:web-1');
    expect(hostIqnFor('Web_Server 2')).toBe('iqn.2026-11.io.dvsan.host:web-server-2');
    expect(hostIqnFor('.-x')).toBe('iqn.2026-11.io.dvsan.host:x');
    for (const name of ['UPPER', 'a'.repeat(300), '__', 'ü-host'])
      expect(iqnSchema.safeParse(hostIqnFor(name)).success).toBe(true);
  });

  it('reads InitiatorName, and writes a generated one only when unset', async () => {
    expect(
      parseInitiatorName(
        '## comment\n#InitiatorName=iqn.x:no\nInitiatorName=iqn.1993-08.org.debian:01:abc\n',
      ),
    ).toBe('iqn.1993-08.org.debian:01:abc');
    const file = path.join(dir, 'iscsi', 'initiatorname.iscsi');
    expect(await ensureHostIqn(file, 'h1')).toBe('iqn.2026-11.io.dvsan.host:h1');
    expect(await readFile(file, 'utf8')).toContain('InitiatorName=iqn.2026-11.io.dvsan.host:h1\n');
    await writeFile(file, 'InitiatorName=iqn.1993-08.org.debian:01:abc\n');
    expect(await ensureHostIqn(file, 'h1')).toBe('iqn.1993-08.org.debian:01:abc');
  });
});

describe('qemu-storage-daemon argv', () => {
  const spec = {
    attachmentId: 'a1',
    target: {
      iqn: 'iqn.2026-11.io.dvsan:u1.v',
      portal: { address: 'fd00::5', port: 3260 },
      lun: 1,
    },
    initiatorIqn: 'iqn.2026-11.io.dvsan.host:h1',
    chap: { user: 'odd,user', secret: 'Kq7xPm2Rt9vW4yZa' },
    readOnly: true,
    timeoutMs: 20_000,
  };

  it('passes the secret through a file, escapes commas, and exports read-only', () => {
    const files = qsdFiles('/run/dvsan/initiators', 'a1');
    const args = qsdArgs(spec, files);
    expect(args.join(' ')).not.toContain(spec.chap.secret);
    expect(args).toContain('secret,id=chap,file=/run/dvsan/initiators/a1/chap-secret');
    const blockdev = args[args.indexOf('--blockdev') + 1]!;
    expect(blockdev).toContain('portal=[fd00::5]:3260,');
    expect(blockdev).toContain('user=odd,,user,password-secret=chap');
    expect(blockdev).toContain(',read-only=on');
    expect(args[args.indexOf('--export') + 1]).toBe(
      'type=fuse,id=disk,node-name=lun,mountpoint=/run/dvsan/initiators/a1/disk,writable=off',
    );
    const noChap = qsdArgs({ ...spec, chap: null, readOnly: false }, files);
    expect(noChap).not.toContain('--object');
    expect(noChap.join(' ')).toContain('writable=on');
  });
});

describe('systemd mount units', () => {
  it('names units as systemd-escape --path does', () => {
    expect(escapeMountPath('/mnt/my data')).toBe('mnt-my\\x20data');
    expect(escapeMountPath('/mnt/a-b')).toBe('mnt-a\\x2db');
    expect(escapeMountPath('/srv/.x')).toBe('srv-.x');
    expect(escapeMountPath('/mnt/ü')).toBe('mnt-\\xc3\\xbc');
  });

  it('orders the mount after the network and marks it _netdev', () => {
    const unit = renderMountUnit({
      attachmentId: 'a1',
      what: '/dev/disk/by-uuid/1234-abcd',
      where: '/srv/data',
      type: 'xfs',
      readOnly: true,
    });
    expect(unit).toContain('After=network-online.target');
    expect(unit).toContain('Wants=network-online.target');
    expect(unit).toContain('Options=_netdev,ro\n');
    expect(unit).toContain('Where=/srv/data\n');
  });
});

describe('mount points', () => {
  it('refuses relative, unnormalized and system paths', () => {
    for (const bad of ['mnt/x', '/mnt/../etc', '/mnt//x', '/mnt/x/', '/', '/mnt/./x'])
      expect(mountPointSchema.safeParse(bad).success, bad).toBe(false);
    for (const bad of [
      '/etc/x',
      '/proc',
      '/usr/local/data',
      '/var/lib/dvsan/x',
      '/mnt',
      '/home',
      '/run/x',
    ])
      expect(() => checkMountPointPath(bad), bad).toThrow(/mount point/);
    expect(() => checkMountPointPath('/mnt/data')).not.toThrow();
    expect(() => checkMountPointPath('/srv/vol/a')).not.toThrow();
  });

  it('creates a missing directory and removes only what it created', async () => {
    await mkdir(path.join(dir, 'base'));
    const point = path.join(dir, 'base', 'a', 'b');
    const created = await prepareMountPoint(point);
    expect(created).toBe(path.join(dir, 'base', 'a'));
    await removeCreatedDirs(point, created);
    expect(await readdir(path.join(dir, 'base'))).toEqual([]);
  });

  it('refuses a non-empty directory, a file and a path through a symlink', async () => {
    await mkdir(path.join(dir, 'full'));
    await writeFile(path.join(dir, 'full', 'keep'), 'x');
    await expect(prepareMountPoint(path.join(dir, 'full'))).rejects.toThrow(/is not empty/);
    await writeFile(path.join(dir, 'file'), 'x');
    await expect(prepareMountPoint(path.join(dir, 'file'))).rejects.toThrow(/not a directory/);
    await symlink(path.join(dir, 'full'), path.join(dir, 'link'));
    await expect(prepareMountPoint(path.join(dir, 'link', 'x'))).rejects.toThrow(/symbolic link/);
    expect(await readdir(path.join(dir, 'full'))).toEqual(['keep']);
  });
});

describe('attach params', () => {
  it('defaults lun 1, 20 s timeout, writable, not persistent; refuses other filesystems', () => {
    const parsed = attachParamsSchema.parse({
      attachmentId: 'a1',
      target: { iqn: 'iqn.2026-11.io.dvsan:u1.v', portal: { address: '10.0.0.5', port: 3260 } },
      initiatorIqn: 'iqn.2026-11.io.dvsan.host:h1',
      chap: null,
    });
    expect(parsed).toMatchObject({
      readOnly: false,
      persistent: false,
      timeoutMs: 20_000,
      target: { lun: 1 },
    });
    const btrfs = attachParamsSchema.safeParse({
      ...parsed,
      filesystem: { type: 'btrfs', format: 'if-empty' },
    });
    expect(btrfs.success).toBe(false);
    expect(attachParamsSchema.safeParse({ ...parsed, attachmentId: 'A/../x' }).success).toBe(false);
  });
});

describe('heartbeat failedAttachments', () => {
  it('is bounded, sorted, and left out when none failed or the check is slow', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `a${String(i).padStart(2, '0')}`).reverse();
    const ids = await failedAttachmentIds(async () => many, 1000);
    expect(ids).toHaveLength(32);
    expect(ids?.[0]).toBe('a00');
    expect(await failedAttachmentIds(async () => [], 1000)).toBeUndefined();
    expect(await failedAttachmentIds(() => new Promise(() => undefined), 50)).toBeUndefined();
    expect(
      await failedAttachmentIds(async () => Promise.reject(new Error('x')), 50),
    ).toBeUndefined();
    const body = {
      v: 1,
      kind: 'heartbeat',
      nodeId: 'h1',
      hostname: 'h1',
      agentVersion: '1',
      ts: 1,
      nonce: '0'.repeat(32),
      interval: 5,
    };
    expect(announceBodySchema.safeParse({ ...body, failedAttachments: ids }).success).toBe(true);
    expect(announceBodySchema.safeParse({ ...body, failedAttachments: many }).success).toBe(false);
  });
});
