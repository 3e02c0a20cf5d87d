import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signAnnounce } from '../../../../agents/daemon/packet.js';
import { DvsanError, StationClient, type Task } from '../../../../protocol/index.js';
import { waitForTask } from '../../../../station/cli/client.js';
import { Database } from '../../../../station/db/database.js';
import { type NodeRecord, NodesRepo } from '../../../../station/db/nodes-repo.js';
import { createStation, type Station } from '../../../../station/index.js';
import { createLogger } from '../../../../station/log.js';
import { unitRecord } from '../fixtures.js';
import { FakeUnit } from '../volumes/fake-unit.js';
import { FakeHost } from './fake-host.js';

const MiB = 1024 * 1024;
let station: Station;
let client: StationClient;
let u1: FakeUnit;
let hosts: Record<string, FakeHost>;
const key = randomBytes(32);

const errorOf = async (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: DvsanError) => e,
  );

async function run(start: Promise<{ taskId: string }>): Promise<Task> {
  const { taskId } = await start;
  return waitForTask(client, taskId, () => undefined, 10_000);
}

async function open(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dvsan-hosts-'));
  const db = await Database.open(join(dataDir, 'station.db'));
  const repo = new NodesRepo(db);
  await repo.insert(unitRecord('u1', { address: '10.99.1.11' }));
  await repo.update('u1', {
    health: 'up',
    storage: (await u1.call('storage.inventory', {})) as NodeRecord['storage'],
    storageAt: 'now',
  });
  for (const id of ['h1', 'h2']) {
    await repo.insert(
      unitRecord(id, { role: 'host', address: `10.99.1.${id === 'h1' ? 101 : 102}` }),
    );
    await repo.update(id, { health: 'up' });
  }
  await db.close();
  station = await createStation({
    dataDir,
    log: createLogger('silent'),
    connectAgent: async (id) => (id === 'u1' ? u1 : hosts[id]!),
  });
  for (const id of ['h1', 'h2']) station.setAnnounceKey(id, key);
  client = new StationClient(station.transport);
}

/** A host's `dvsan-agent request`, as the datagram its agent sends. */
function announceRequest(
  hostId: string,
  request: { id: string; sizeBytes: number; mountPoint?: string },
) {
  station.injectAnnounce(
    signAnnounce(
      {
        v: 1,
        kind: 'request',
        nodeId: hostId,
        hostname: hostId,
        agentVersion: 'v',
        ts: Date.now(),
        nonce: randomBytes(16).toString('hex'),
        interval: 5,
        request,
      },
      key.toString('hex'),
    ),
  );
}

beforeEach(async () => {
  u1 = new FakeUnit(10 * 1024 * MiB);
  hosts = {
    h1: new FakeHost('iqn.2026-11.io.dvsan.test:h1'),
    h2: new FakeHost('iqn.2026-11.io.dvsan.test:h2'),
  };
  await open();
});
afterEach(() => station.close());

describe('attach and detach', () => {
  it('exports to the host initiator, attaches, and detaches back to nothing', async () => {
    const v = await client.call('volume/create', { name: 'v1', sizeBytes: 64 * MiB });
    const task = await run(
      client.call('host/attach', {
        volumeId: v.id,
        hostId: 'h1',
        filesystem: 'ext4',
        mountPoint: '/mnt/v1',
      }),
    );
    expect(task.state).toBe('succeeded');
    expect(task.locks.map((l) => `${l.mode} ${l.kind}`).sort()).toEqual([
      'read unit',
      'write host',
      'write volume',
    ]);
    expect(u1.exports.get(v.iqn)!.acls.map((a) => a.initiatorIqn)).toEqual([hosts.h1!.iqn]);
    const [sent] = [...hosts.h1!.attached.values()];
    expect(sent!.target).toEqual({
      iqn: v.iqn,
      portal: { address: '10.99.1.11', port: 3260 },
      lun: 1,
    });
    // The userspace initiator cannot check the target: no mutual secret is sent to it.
    expect(Object.keys(sent!.chap!).sort()).toEqual(['secret', 'user']);
    const [h1] = await client.call('host/list', {});
    expect(h1!.attachments).toMatchObject([
      { volumeName: 'v1', state: 'attached', device: '/dev/loop0', mountPoint: '/mnt/v1' },
    ]);
    expect(JSON.stringify(h1)).not.toContain(sent!.chap!.secret);

    expect(
      (await run(client.call('host/detach', { attachmentId: h1!.attachments[0]!.id }))).state,
    ).toBe('succeeded');
    expect(hosts.h1!.attached.size).toBe(0);
    expect(u1.exports.has(v.iqn)).toBe(false);
    expect((await client.call('host/list', {}))[0]!.attachments).toEqual([]);
  });

  it('refuses a second host for an unshared volume and bad mount points, before any task', async () => {
    const v = await client.call('volume/create', { name: 'v1', sizeBytes: 64 * MiB });
    await run(client.call('host/attach', { volumeId: v.id, hostId: 'h1' }));
    const second = await errorOf(client.call('host/attach', { volumeId: v.id, hostId: 'h2' }));
    expect(second.code).toBe('conflict');
    expect(second.message).toMatch(/not shared/);
    const w = await client.call('volume/create', { name: 'v2', sizeBytes: 64 * MiB });
    for (const mountPoint of ['data', '/mnt/../etc', '/mnt/x/'])
      expect(
        (
          await errorOf(
            client.call('host/attach', {
              volumeId: w.id,
              hostId: 'h2',
              filesystem: 'ext4',
              mountPoint,
            }),
          )
        ).code,
      ).toBe('invalid-params');
    expect(
      (
        await errorOf(
          client.call('host/attach', { volumeId: w.id, hostId: 'h2', mountPoint: '/mnt/w' }),
        )
      ).message,
    ).toMatch(/needs a filesystem/);
    expect(
      (await client.call('task/list', {})).filter((t) => t.kind === 'host.attach'),
    ).toHaveLength(1);
    expect(hosts.h2!.attached.size).toBe(0);
  });

  it('shares a volume with two hosts, but never mounted read-write on both', async () => {
    const v = await client.call('volume/create', { name: 's1', sizeBytes: 64 * MiB, shared: true });
    const p = { volumeId: v.id, filesystem: 'ext4' as const, mountPoint: '/mnt/s' };
    expect((await run(client.call('host/attach', { ...p, hostId: 'h1' }))).state).toBe('succeeded');
    expect((await errorOf(client.call('host/attach', { ...p, hostId: 'h2' }))).message).toMatch(
      /read-write on another host/,
    );
    expect(
      (await run(client.call('host/attach', { ...p, hostId: 'h2', readOnly: true }))).state,
    ).toBe('succeeded');
    expect(u1.exports.get(v.iqn)!.acls).toHaveLength(2);
  });

  it('starts one detach when two are asked for at once', async () => {
    const v = await client.call('volume/create', { name: 'v1', sizeBytes: 64 * MiB });
    await run(client.call('host/attach', { volumeId: v.id, hostId: 'h1' }));
    const id = (await client.call('host/list', {}))[0]!.attachments[0]!.id;
    const outcomes = await Promise.allSettled([
      client.call('host/detach', { attachmentId: id }),
      client.call('host/detach', { attachmentId: id }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    await station.idle();
    expect(
      (await client.call('task/list', {})).filter((t) => t.kind === 'host.detach'),
    ).toHaveLength(1);
  });

  it('undoes the export when the host cannot log in, and says why', async () => {
    const v = await client.call('volume/create', { name: 'v1', sizeBytes: 64 * MiB });
    hosts.h1!.failNext.add('initiator.attach');
    const task = await run(client.call('host/attach', { volumeId: v.id, hostId: 'h1' }));
    expect(task.state).toBe('failed');
    expect(task.error?.code).toBe('login-failed');
    expect(u1.exports.has(v.iqn)).toBe(false);
    expect((await client.call('host/list', {}))[0]!.attachments).toEqual([]);
    expect((await client.call('volume/list', {}))[0]!.exports).toEqual([]);
  });

  it('force-detaches from a dead host and says what may be lost', async () => {
    const v = await client.call('volume/create', { name: 'v1', sizeBytes: 64 * MiB });
    await run(
      client.call('host/attach', {
        volumeId: v.id,
        hostId: 'h1',
        filesystem: 'ext4',
        mountPoint: '/mnt/v1',
      }),
    );
    const id = (await client.call('host/list', {}))[0]!.attachments[0]!.id;
    hosts.h1!.down = true;
    const plain = await run(client.call('host/detach', { attachmentId: id }));
    expect(plain.state).toBe('failed');
    const forced = await run(client.call('host/detach', { attachmentId: id, force: true }));
    expect(forced.state).toBe('succeeded');
    expect(forced.log.find((l) => l.level === 'warn')?.message).toMatch(
      /may still have v1 attached at \/mnt\/v1/,
    );
    expect(u1.exports.has(v.iqn)).toBe(false);
  });

  it('turns a failing attachment into a critical event naming the volume, and back', async () => {
    const v = await client.call('volume/create', { name: 'v1', sizeBytes: 64 * MiB });
    await run(client.call('host/attach', { volumeId: v.id, hostId: 'h1' }));
    const id = (await client.call('host/list', {}))[0]!.attachments[0]!.id;
    hosts.h1!.failing.set(id, 'I/O errors in qemu-storage-daemon log');
    const beat = (failed: string[]) =>
      station.injectAnnounce(
        signAnnounce(
          {
            v: 1,
            kind: 'heartbeat',
            nodeId: 'h1',
            hostname: 'h1',
            agentVersion: 'v',
            ts: Date.now(),
            nonce: randomBytes(16).toString('hex'),
            interval: 5,
            failedAttachments: failed,
          },
          key.toString('hex'),
        ),
      );
    beat([id]);
    beat([id]);
    await expect
      .poll(async () => (await client.call('host/list', {}))[0]!.attachments[0]!.state)
      .toBe('failed');
    const events = (await client.call('event/list', {})).filter((e) => e.kind === 'host.io');
    expect(events).toHaveLength(1);
    expect(events[0]!.severity).toBe('critical');
    expect(events[0]!.message).toMatch(/volume v1 \(on u1\) fails: I\/O errors/);
    beat([]);
    await expect
      .poll(async () => (await client.call('host/list', {}))[0]!.attachments[0]!.state)
      .toBe('attached');
  });
});

describe('host requests', () => {
  const rid = (n: number) => n.toString(16).padStart(32, '0');

  it('grants small requests by policy, queues larger ones, denies over quota', async () => {
    await client.call('settings/update', {
      requestPolicy: { autoGrantBytes: 64 * MiB, hostQuotaBytes: 256 * MiB },
    });
    announceRequest('h1', { id: rid(1), sizeBytes: 32 * MiB, mountPoint: '/mnt/a' });
    await expect.poll(() => hosts.h1!.statuses.at(-1)?.state, { timeout: 5000 }).toBe('done');
    expect(hosts.h1!.statuses.at(-1)!.result).toMatchObject({
      device: '/dev/loop0',
      mountPoint: '/mnt/a',
    });
    // A resent datagram of the same request is answered again, not granted twice.
    announceRequest('h1', { id: rid(1), sizeBytes: 32 * MiB, mountPoint: '/mnt/a' });
    await expect.poll(() => hosts.h1!.statuses.length).toBeGreaterThan(3);
    expect((await client.call('volume/list', {})).length).toBe(1);

    announceRequest('h1', { id: rid(2), sizeBytes: 128 * MiB });
    await expect
      .poll(async () => (await client.call('request/list', { state: 'pending' })).length)
      .toBe(1);
    expect(hosts.h1!.statuses.at(-1)!.message).toMatch(/waiting for an administrator/);
    await client.call('request/approve', { id: rid(2) });
    await expect.poll(() => hosts.h1!.statuses.at(-1)?.state, { timeout: 5000 }).toBe('done');
    expect((await errorOf(client.call('request/approve', { id: rid(2) }))).message).toMatch(
      /already done/,
    );

    announceRequest('h1', { id: rid(3), sizeBytes: 128 * MiB });
    await expect.poll(() => hosts.h1!.statuses.at(-1)?.state).toBe('denied');
    expect(hosts.h1!.statuses.at(-1)!.message).toMatch(
      /over the host's quota: it holds 160 MiB of 256 MiB and asks for 128 MiB/,
    );
    expect((await client.call('volume/list', {})).length).toBe(2);
  });

  it('decides a request once when two admins act at the same moment', async () => {
    announceRequest('h2', { id: rid(7), sizeBytes: 16 * MiB });
    await expect
      .poll(async () => (await client.call('request/list', { state: 'pending' })).length)
      .toBe(1);
    const outcomes = await Promise.allSettled([
      client.call('request/approve', { id: rid(7) }),
      client.call('request/approve', { id: rid(7) }),
      client.call('request/deny', { id: rid(7) }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    await station.idle();
    expect((await client.call('volume/list', {})).length).toBeLessThanOrEqual(1);
  });

  it('lets an admin deny with a reason, which the host hears', async () => {
    announceRequest('h2', { id: rid(9), sizeBytes: 16 * MiB });
    await expect
      .poll(async () => (await client.call('request/list', { state: 'pending' })).length)
      .toBe(1);
    const denied = await client.call('request/deny', {
      id: rid(9),
      reason: 'use the shared scratch volume',
    });
    expect(denied.state).toBe('denied');
    await expect.poll(() => hosts.h2!.statuses.at(-1)?.message).toMatch(/shared scratch/);
    expect((await client.call('volume/list', {})).length).toBe(0);
  });
});
