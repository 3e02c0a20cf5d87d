import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditRepo } from '../../../../station/db/audit-repo.js';
import { CapacityRepo } from '../../../../station/db/capacity-repo.js';
import { Database } from '../../../../station/db/database.js';
import { NodesRepo } from '../../../../station/db/nodes-repo.js';
import { VolumesRepo } from '../../../../station/db/volumes-repo.js';
import { unitRecord } from '../fixtures.js';

/** A secret planted wherever the station keeps one; no report may ever contain it. */
export const planted = 'PLANTED-chap-secret-9f3c1d';

export const now = new Date('2026-11-20T12:00:00.000Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600_000).toISOString();

const inventory = (hostname: string) => ({
  hostname,
  os: {
    id: 'debian',
    version: '13',
    prettyName: 'Debian GNU/Linux 13',
    kernel: '6.12.0',
    arch: 'x64',
  },
  cpu: { model: 'Test CPU', cores: 4 },
  memoryBytes: 8 * 2 ** 30,
  nics: [
    {
      name: 'eth0',
      mac: '02:00:00:00:00:01',
      speedMbps: 1000,
      addresses: [{ address: '10.99.1.11', family: 'IPv4' as const, cidr: '10.99.1.11/24' }],
    },
  ],
  disks: [{ name: 'sda', sizeBytes: 100 * 2 ** 30, type: 'disk', model: null, mountpoint: null }],
  dataDir: { path: '/var/lib/dvsan/data', totalBytes: 100 * 2 ** 30, freeBytes: 60 * 2 ** 30 },
  tools: {
    tgtadm: '/usr/sbin/tgtadm',
    targetcli: null,
    iscsiadm: null,
    'iscsi-ls': null,
    'qemu-storage-daemon': null,
    lsblk: '/usr/bin/lsblk',
  },
  agent: { version: '0.1.0', node: 'v20' },
});

const storage = (totalGiB: number, freeGiB: number) => ({
  pools: [
    {
      id: 'data',
      kind: 'directory' as const,
      path: '/var/lib/dvsan/data',
      totalBytes: totalGiB * 2 ** 30,
      freeBytes: freeGiB * 2 ** 30,
    },
  ],
  volumes: [],
});

/**
 * A station database with two units, a host, volumes, exports, events, tasks, audit entries
 * and capacity samples, plus a secret planted in every secret column.
 */
export async function reportDatabase(volumeCount = 5) {
  const dir = mkdtempSync(join(tmpdir(), 'dvsan-reports-'));
  const db = await Database.open(join(dir, 'station.db'));
  const nodes = new NodesRepo(db);
  await nodes.insert(
    unitRecord('u1', {
      name: 'unit-a',
      health: 'up',
      secretEnc: planted,
      inventory: inventory('unit-a'),
      storage: storage(100, 60),
      storageAt: hoursAgo(1),
    }),
  );
  await nodes.insert(
    unitRecord('u2', {
      name: 'unit-b',
      address: '10.99.1.12',
      health: 'down',
      announceKeyEnc: planted,
      inventory: null,
      storage: storage(50, 45),
      storageAt: hoursAgo(1),
    }),
  );
  await nodes.insert(
    unitRecord('h1', {
      name: 'host-1',
      role: 'host',
      address: '10.99.1.21',
      inventory: inventory('host-1'),
    }),
  );
  // insert() records identity only; what agents reported arrives as updates.
  await nodes.update('u1', {
    health: 'up',
    agentVersion: '0.1.0',
    inventory: inventory('unit-a'),
    storage: storage(100, 60),
    storageAt: hoursAgo(1),
  });
  await nodes.update('u2', {
    health: 'down',
    storage: storage(50, 45),
    storageAt: hoursAgo(1),
  });
  await nodes.update('h1', { inventory: inventory('host-1') });
  const volumes = new VolumesRepo(db);
  for (let i = 0; i < volumeCount; i += 1) {
    const name = `vol-${String(i).padStart(5, '0')}`;
    await volumes.insert({
      id: `v${i}`,
      name,
      unitId: i % 2 ? 'u2' : 'u1',
      pool: 'data',
      sizeBytes: (i + 1) * 2 ** 30,
      shared: false,
      iqn: `iqn.2026-11.io.dvsan:u.${name}`,
      createdAt: hoursAgo(2),
    });
  }
  await volumes.addExport({
    volumeId: 'v0',
    initiatorIqn: 'iqn.2026-11.com.example:host-1',
    hostId: 'h1',
  });
  await volumes.addExport({
    volumeId: 'v1',
    initiatorIqn: 'iqn.2026-11.com.example:host-1',
    hostId: 'h1',
  });
  await volumes.addExport({
    volumeId: 'v0',
    initiatorIqn: 'iqn.2026-11.com.example:other',
    hostId: null,
  });
  await volumes.saveChap('initiator', {
    owner: 'iqn.2026-11.com.example:host-1',
    user: 'host-1',
    secretEnc: planted,
  });
  await volumes.saveChap('unit', { owner: 'u1', user: 'unit-a', secretEnc: planted });
  for (const [h, severity, message] of [
    [30, 'info', 'unit-a is up'],
    [20, 'critical', 'unit-b is down'],
    [300, 'warning', 'too old for the period'],
  ] as const)
    await db.run(
      'INSERT INTO events (at, severity, kind, node_id, message) VALUES (?, ?, ?, ?, ?)',
      [hoursAgo(h), severity, 'node.health', 'u1', message],
    );
  for (const [h, id, state] of [
    [10, 't1', 'succeeded'],
    [5, 't2', 'failed'],
    [400, 't0', 'succeeded'],
  ] as const)
    await db.run(
      `INSERT INTO tasks (id, kind, targets_json, state, progress, error_json, created_at, updated_at) VALUES (?, 'node.deploy', '["u1"]', ?, 100, ?, ?, ?)`,
      [
        id,
        state,
        state === 'failed' ? '{"name":"DvsanError","code":"internal","message":"it broke"}' : null,
        hoursAgo(h),
        hoursAgo(h),
      ],
    );
  const audit = new AuditRepo(db);
  await audit.record({
    at: hoursAgo(3),
    user: 'local',
    action: 'node/add',
    target: 'unit-c',
    source: 'http',
    result: 'ok',
    details: { params: { name: 'unit-c', auth: { kind: 'password', password: planted } } },
  });
  await audit.record({
    at: hoursAgo(2),
    user: 'local',
    action: 'volume/export',
    target: 'v0',
    source: 'local',
    result: 'failed',
    details: { chapSecret: planted },
  });
  const capacity = new CapacityRepo(db);
  for (let h = 48; h >= 1; h -= 1)
    await capacity.add([
      {
        at: hoursAgo(h),
        scope: 'pool',
        name: 'pool',
        totalBytes: 150 * 2 ** 30,
        freeBytes: (105 - h / 4) * 2 ** 30,
        allocatedBytes: 10 * 2 ** 30,
        usedPct: 30 + h / 10,
      },
    ]);
  return { db, dir };
}
