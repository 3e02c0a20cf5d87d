import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signAnnounce } from '../../../../agents/daemon/packet.js';
import {
  DvsanError,
  StationClient,
  type AgentMethod,
  type AgentParams,
  type AgentResult,
  type MirrorStatus,
  type Task,
} from '../../../../protocol/index.js';
import { waitForTask } from '../../../../station/cli/client.js';
import { Database } from '../../../../station/db/database.js';
import { type NodeRecord, NodesRepo } from '../../../../station/db/nodes-repo.js';
import { createStation, type Station } from '../../../../station/index.js';
import { createLogger } from '../../../../station/log.js';
import { unitRecord } from '../fixtures.js';
import { FakeUnit } from '../volumes/fake-unit.js';
import { FakeHost } from './fake-host.js';

const MiB = 1024 * 1024;

/** A host agent that also serves mirror.*: md is there unless `missing` says what is not. */
class MirrorHost extends FakeHost {
  readonly mirrors = new Map<string, AgentParams<'mirror.create'>>();
  readonly attachCalls: AgentParams<'initiator.attach'>[] = [];
  missing: string | null = null;
  lost = new Map<string, string[]>();

  override async call<M extends AgentMethod>(
    method: M,
    params: AgentParams<M>,
  ): Promise<AgentResult<M>> {
    if (method === 'initiator.attach')
      this.attachCalls.push(params as AgentParams<'initiator.attach'>);
    if (!method.startsWith('mirror.') || this.down || this.failNext.has(method))
      return super.call(method, params);
    const result = ((): unknown => {
      if (method === 'mirror.list')
        return {
          available: this.missing === null,
          missing: this.missing,
          mirrors: [...this.mirrors.values()].map((m): MirrorStatus => ({
            mirrorId: m.mirrorId,
            name: m.name,
            device: `/dev/md/${m.name}`,
            legs: m.legs,
            mountPoint: m.mountPoint ?? null,
            state: this.lost.has(m.mirrorId) ? 'degraded' : 'whole',
            missingLegs: this.lost.get(m.mirrorId) ?? [],
            error: this.lost.has(m.mirrorId) ? `mirror ${m.name} is degraded` : null,
          })),
        };
      if (method === 'mirror.create') {
        const p = params as AgentParams<'mirror.create'>;
        for (const leg of p.legs)
          if (!this.attached.has(leg)) throw new DvsanError('invalid-params', `${leg} not here`);
        this.mirrors.set(p.mirrorId, p);
        return {
          mirrorId: p.mirrorId,
          device: `/dev/md/${p.name}`,
          mountPoint: p.mountPoint ?? null,
          formatted: true,
          persistent: false,
        };
      }
      const { mirrorId } = params as AgentParams<'mirror.remove'>;
      return { removed: this.mirrors.delete(mirrorId), warnings: [] };
    })();
    return result as AgentResult<M>;
  }
}

let station: Station;
let client: StationClient;
let units: Record<string, FakeUnit>;
let h1: MirrorHost;
const key = randomBytes(32);

async function open(unitIds: string[]): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dvsan-mirrors-'));
  const db = await Database.open(join(dataDir, 'station.db'));
  const repo = new NodesRepo(db);
  for (const [i, id] of unitIds.entries()) {
    await repo.insert(unitRecord(id, { address: `10.99.1.${11 + i}` }));
    await repo.update(id, {
      health: 'up',
      storage: (await units[id]!.call('storage.inventory', {})) as NodeRecord['storage'],
      storageAt: 'now',
    });
  }
  await repo.insert(unitRecord('h1', { role: 'host', address: '10.99.1.101' }));
  await repo.update('h1', { health: 'up' });
  await db.close();
  station = await createStation({
    dataDir,
    log: createLogger('silent'),
    connectAgent: async (id) => (id === 'h1' ? h1 : units[id]!),
  });
  station.setAnnounceKey('h1', key);
  client = new StationClient(station.transport);
}

const run = async (start: Promise<{ taskId: string }>): Promise<Task> =>
  waitForTask(client, (await start).taskId, () => undefined, 10_000);

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: DvsanError) => e,
  );

const assign = { hostId: 'h1', name: 'db', sizeBytes: 64 * MiB, mirrored: true } as const;

function heartbeat(degradedMirrors?: string[]) {
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
        ...(degradedMirrors ? { degradedMirrors } : {}),
      },
      key.toString('hex'),
    ),
  );
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
  expect(await check()).toBe(true);
}

beforeEach(() => {
  units = { u1: new FakeUnit(10 * 1024 * MiB), u2: new FakeUnit(5 * 1024 * MiB) };
  h1 = new MirrorHost('iqn.2026-11.io.dvsan.test:h1');
});
afterEach(() => station.close());

describe('mirrored assign', () => {
  it('makes two volumes on two units, attaches both raw as fast-failing legs, and mirrors them', async () => {
    await open(['u1', 'u2']);
    const task = await run(
      client.call('host/assign', { ...assign, filesystem: 'ext4', mountPoint: '/mnt/db' }),
    );
    expect(task.error).toBeNull();
    expect(task.steps.map((s) => s.state)).toEqual(Array(7).fill('succeeded'));
    expect([...units.u1!.volumes.keys(), ...units.u2!.volumes.keys()].sort()).toEqual([
      'db-a',
      'db-b',
    ]);
    expect(units.u1!.volumes.size).toBe(1);
    expect(h1.attachCalls.map((a) => [a.mirrorLeg, a.filesystem, a.mountPoint])).toEqual([
      [true, undefined, undefined],
      [true, undefined, undefined],
    ]);
    const [made] = [...h1.mirrors.values()];
    expect(made).toMatchObject({
      name: 'db',
      filesystem: { type: 'ext4', format: 'if-empty' },
      mountPoint: '/mnt/db',
    });
    const [view] = await client.call('host/list', {});
    expect(view!.mirrors).toMatchObject([
      { name: 'db', state: 'whole', device: '/dev/md/db', mountPoint: '/mnt/db' },
    ]);
    expect(view!.mirrors![0]!.legs.map((l) => l.unitName).sort()).toEqual(['u1', 'u2']);
    expect(view!.attachments.map((a) => a.mirrorId)).toEqual([made!.mirrorId, made!.mirrorId]);
    // Its mount point is taken, for another mirror and for a plain volume alike.
    for (const again of [
      { ...assign, name: 'db2', filesystem: 'ext4' as const, mountPoint: '/mnt/db' },
      {
        ...assign,
        name: 'db3',
        mirrored: false,
        filesystem: 'ext4' as const,
        mountPoint: '/mnt/db',
      },
    ])
      expect((await errorOf(client.call('host/assign', again))).message).toMatch(
        /\/mnt\/db on h1 already holds another dvsan volume/,
      );
  });

  it('undoes every step when the mirror cannot be made on the host', async () => {
    await open(['u1', 'u2']);
    h1.failNext.add('mirror.create');
    const task = await run(client.call('host/assign', assign));
    expect(task.state).toBe('failed');
    expect(units.u1!.volumes.size + units.u2!.volumes.size).toBe(0);
    expect(units.u1!.exports.size + units.u2!.exports.size).toBe(0);
    expect(h1.attached.size).toBe(0);
    expect(await client.call('volume/list', {})).toEqual([]);
    const [view] = await client.call('host/list', {});
    expect(view!.attachments).toEqual([]);
    expect(view!.mirrors).toEqual([]);
  });

  it('refuses up front a host without md and a pool with one unit, changing nothing', async () => {
    await open(['u1']);
    const one = await errorOf(client.call('host/assign', assign));
    expect(one.code).toBe('invalid-params');
    expect(one.message).toMatch(
      /a mirrored volume needs two units with 0\.1 GiB free each, and only u1 has it/,
    );
    h1.missing = 'this host cannot mirror volumes: mdadm is not installed';
    const noMd = await errorOf(client.call('host/assign', assign));
    expect(noMd.code).toBe('invalid-params');
    expect(noMd.message).toBe(
      'h1 cannot hold a mirrored volume: this host cannot mirror volumes: mdadm is not installed',
    );
    expect(await client.call('volume/list', {})).toEqual([]);
    expect(await client.call('task/list', {})).toEqual([]);
    expect((await client.call('host/list', {}))[0]!.mirrors).toEqual([]);
  });
});

describe('a mirror on its host', () => {
  it('warns when it degrades, naming the lost leg and its unit, and tells when it is whole again', async () => {
    await open(['u1', 'u2']);
    await run(client.call('host/assign', { ...assign, unitId: 'u2' }));
    const [view] = await client.call('host/list', {});
    const mirror = view!.mirrors![0]!;
    const onU2 = mirror.legs.find((l) => l.unitName === 'u2')!;
    expect(onU2.volumeName).toBe('db-a');
    h1.lost.set(mirror.id, [onU2.attachmentId]);
    heartbeat([mirror.id]);
    const state = async () => (await client.call('host/list', {}))[0]!.mirrors![0]!;
    await until(async () => (await state()).state === 'degraded');
    expect((await state()).legs.find((l) => l.unitName === 'u2')!.missing).toBe(true);
    const [warned] = await client.call('event/list', { limit: 5 });
    expect(warned).toMatchObject({ severity: 'warning', kind: 'host.mirror', nodeId: 'h1' });
    expect(warned!.message).toMatch(/^h1: mirror db is degraded: volume db-a \(on u2\) is missing/);

    h1.lost.clear();
    heartbeat();
    await until(async () => (await state()).state === 'whole');
    const [back] = await client.call('event/list', { limit: 5 });
    expect(back).toMatchObject({ severity: 'info', message: 'h1: mirror db is whole again' });
  });

  it('detaching one leg removes the mirror and detaches both legs in one task', async () => {
    await open(['u1', 'u2']);
    await run(client.call('host/assign', assign));
    const [view] = await client.call('host/list', {});
    const task = await run(
      client.call('host/detach', { attachmentId: view!.attachments[1]!.id, force: false }),
    );
    expect(task.error).toBeNull();
    expect(task.steps.map((s) => s.name)).toEqual([
      'remove mirror on host',
      'detach volume 1',
      'unexport volume 1',
      'detach volume 2',
      'unexport volume 2',
    ]);
    expect(h1.mirrors.size).toBe(0);
    expect(h1.attached.size).toBe(0);
    expect(units.u1!.exports.size + units.u2!.exports.size).toBe(0);
    const [after] = await client.call('host/list', {});
    expect(after!.attachments).toEqual([]);
    expect(after!.mirrors).toEqual([]);
    // The data stays: both volumes are still in the pool.
    expect((await client.call('volume/list', {})).map((v) => v.name).sort()).toEqual([
      'db-a',
      'db-b',
    ]);
  });
});
