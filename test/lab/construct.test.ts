// The automatic construct protocol against real lab units: deployed daemons announce over
// UDP, the station enquires each unit over SSH and builds the pool; heartbeats keep units up.
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PoolView, StationClient } from '../../protocol/index.js';
import { waitForTask } from '../../station/cli/client.js';
import { createStation, type Station } from '../../station/index.js';
import { labDown, labUp, nodeExec, type LabState } from '../../station/lab/index.js';
import { createLogger } from '../../station/log.js';
import { within } from './within.js';

const bundlePath = join(import.meta.dirname, '../../dist/agent/dvsan-agent.cjs');
let lab: LabState;
let station: Station;
let client: StationClient;
const ids: Record<string, string> = {};

const pool = () => client.call('pool/get', {});
const unitOf = (p: PoolView, name: string) => p.units.find((u) => u.name === name);
const health = async (name: string) => (await client.call('node/get', { id: ids[name]! })).health;
const daemonPid = async (name: string) =>
  Number((await nodeExec(lab, name, ['cat', '/run/dvsan/daemon.pid'])).stdout.trim());

async function addAndDeploy(names: string[]): Promise<void> {
  for (const name of names) {
    const n = lab.nodes.find((x) => x.name === name)!;
    const added = await client.call('node/add', {
      name,
      role: 'unit',
      address: n.address,
      auth: { kind: 'key', keyPath: lab.keyPath },
      acceptFingerprint: n.hostKeyFingerprint,
    });
    ids[name] = added.id;
  }
  const { taskId } = await client.call('node/deploy', { ids: names.map((n) => ids[n]!) });
  const task = await waitForTask(client, taskId, () => undefined, 60_000);
  expect(task.error).toBeNull();
}

beforeAll(async () => {
  if (!existsSync(bundlePath)) throw new Error('build the agent first: node build/build.mjs agent');
  await labDown({ prefix: 'dvc' });
  lab = await labUp({ units: 4, hosts: 0, prefix: 'dvc', subnet: '10.99.6' });
  station = await createStation({
    dataDir: mkdtempSync(join(tmpdir(), 'dvsan-construct-')),
    agentBundlePath: bundlePath,
    log: createLogger('silent'),
    announce: { listen: { host: '0.0.0.0', port: 0 } },
  });
  client = new StationClient(station.transport);
  await client.call('settings/update', { heartbeatSeconds: 1, missedHeartbeats: 3 });
});

afterAll(async () => {
  await station?.close();
  await labDown({ prefix: 'dvc' });
});

describe('construct protocol in the lab', () => {
  it('builds the pool from three units that announce themselves, with the capacity df reports', async () => {
    await addAndDeploy(['dvc-u1', 'dvc-u2', 'dvc-u3']);
    await within(
      10_000,
      async () =>
        (await pool()).units.length === 3 && (await pool()).units.every((u) => u.health === 'up'),
    );
    const p = await pool();
    for (const u of p.units) {
      const df = (
        await nodeExec(lab, u.name, ['df', '-B1', '--output=size,avail', '/var/lib/dvsan/data'])
      ).stdout
        .split('\n')[1]!
        .trim()
        .split(/\s+/)
        .map(Number);
      expect(u.totalBytes).toBe(df[0]);
      expect(Math.abs(u.freeBytes - df[1]!)).toBeLessThan(df[0]! * 0.01);
      expect(u.pools[0]).toMatchObject({ kind: 'directory', path: '/var/lib/dvsan/data' });
    }
    expect(p.totals.totalBytes).toBe(p.units.reduce((s, u) => s + u.totalBytes, 0));
    expect(p.totals.allocatableBytes).toBe(p.totals.freeBytes);
  });

  it('refuses a replayed packet and one forged with another node’s key', async () => {
    const key = async (name: string) =>
      JSON.parse((await nodeExec(lab, name, ['cat', '/var/lib/dvsan/agent.json'])).stdout)
        .key as string;
    const sign = (keyHex: string, nodeId: string) => {
      const b = JSON.stringify({
        v: 1,
        kind: 'heartbeat',
        nodeId,
        hostname: 'x',
        agentVersion: 'x',
        ts: Date.now(),
        nonce: randomBytes(16).toString('hex'),
        interval: 1,
      });
      return Buffer.from(
        JSON.stringify({
          b,
          m: createHmac('sha256', Buffer.from(keyHex, 'hex')).update(b).digest('hex'),
        }),
      );
    };
    const before = await client.call('announce/stats', {});
    const real = sign(await key('dvc-u3'), ids['dvc-u3']!);
    const forged = sign(await key('dvc-u1'), ids['dvc-u3']!);
    const sock = createSocket('udp4');
    for (const packet of [real, real, forged]) {
      await new Promise<void>((resolve) =>
        sock.send(packet, station.announceAddress!.port, '10.99.6.1', () => resolve()),
      );
    }
    sock.close();
    await within(3000, async () => {
      const s = await client.call('announce/stats', {});
      return (
        s.rejected.replay === before.rejected.replay + 1 &&
        s.rejected.signature === before.rejected.signature + 1
      );
    });
  });

  it('marks a unit down when its daemon is killed, within the heartbeat timeout, with an alert', async () => {
    await nodeExec(lab, 'dvc-u1', ['kill', '-KILL', String(await daemonPid('dvc-u1'))]);
    const took = await within(8000, async () => (await health('dvc-u1')) === 'down');
    expect(took).toBeLessThan(6000);
    const events = await client.call('event/list', { limit: 50 });
    expect(events.find((e) => e.kind === 'node.down' && e.nodeId === ids['dvc-u1'])).toMatchObject({
      severity: 'critical',
      message: expect.stringMatching(/no heartbeat/),
    });
    expect(unitOf(await pool(), 'dvc-u1')?.health).toBe('down');
  });

  it('marks a unit down at once on a clean shutdown, and up again, re-enquired, when it returns', async () => {
    const storageAt = unitOf(await pool(), 'dvc-u2')!.updatedAt;
    await nodeExec(lab, 'dvc-u2', ['kill', '-TERM', String(await daemonPid('dvc-u2'))]);
    expect(await within(3000, async () => (await health('dvc-u2')) === 'down')).toBeLessThan(1500);
    // Deploying again finds the agent current and restarts its daemon.
    const { taskId } = await client.call('node/deploy', { ids: [ids['dvc-u2']!, ids['dvc-u1']!] });
    expect((await waitForTask(client, taskId, () => undefined, 60_000)).state).toBe('succeeded');
    await within(
      8000,
      async () => (await health('dvc-u2')) === 'up' && (await health('dvc-u1')) === 'up',
    );
    await within(5000, async () => unitOf(await pool(), 'dvc-u2')!.updatedAt !== storageAt);
  });

  it('grows the pool when a fourth unit joins, and changes nothing else', async () => {
    const before = await pool();
    await addAndDeploy(['dvc-u4']);
    await within(10_000, async () => unitOf(await pool(), 'dvc-u4')?.health === 'up');
    const after = await pool();
    expect(after.units).toHaveLength(4);
    expect(after.totals.totalBytes).toBeGreaterThan(before.totals.totalBytes);
    expect(unitOf(after, 'dvc-u3')).toEqual(unitOf(before, 'dvc-u3'));
  });
});
