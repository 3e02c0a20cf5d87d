// The walking skeleton against real daemons: a lab of 2 units + 1 host (each a network
// namespace with its own sshd), a real station core, the real agent bundle pushed over SSH.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DvsanError, type NodeView, StationClient, type Task } from '../../protocol/index.js';
import { createStation, type Station } from '../../station/index.js';
import { createLogger } from '../../station/log.js';
import {
  labDown,
  labUp,
  nodeExec,
  regenerateHostKey,
  type LabState,
} from '../../station/lab/index.js';
import { waitForTask } from '../../station/cli/client.js';

const bundlePath = join(import.meta.dirname, '../../dist/agent/dvsan-agent.cjs');
let lab: LabState;
let station: Station;
let client: StationClient;
const dataDir = mkdtempSync(join(tmpdir(), 'dvsan-station-'));
const nodes: Record<string, NodeView> = {};

const open = async () => {
  station = await createStation({
    dataDir,
    agentBundlePath: bundlePath,
    log: createLogger('silent'),
  });
  client = new StationClient(station.transport);
};
const labNode = (name: string) => lab.nodes.find((n) => n.name === name)!;
const errorOf = async (p: Promise<unknown>): Promise<DvsanError> => {
  try {
    await p;
  } catch (err) {
    return err as DvsanError;
  }
  throw new Error('expected the call to fail');
};
const deploy = async (ids: string[]): Promise<Task> => {
  const { taskId } = await client.call('node/deploy', { ids });
  return waitForTask(client, taskId, () => undefined, 110_000);
};

beforeAll(async () => {
  if (!existsSync(bundlePath)) throw new Error('build the agent first: node build/build.mjs agent');
  await labDown({ prefix: 'dvt' });
  lab = await labUp({
    units: 2,
    hosts: 1,
    prefix: 'dvt',
    subnet: '10.99.2',
    withoutNode: ['dvt-h1'],
  });
  await open();
});

afterAll(async () => {
  await station?.close();
  await labDown({ prefix: 'dvt' });
});

describe('station against the lab', () => {
  it('adds every node through the StationApi and records the host key the node really has', async () => {
    for (const n of lab.nodes) {
      const added = await client.call('node/add', {
        name: n.name,
        role: n.role,
        address: n.address,
        auth: { kind: 'key', keyPath: lab.keyPath },
      });
      expect(added.hostKey).toEqual({ fingerprint: n.hostKeyFingerprint, state: 'pending' });
      nodes[n.name] = added;
    }
    expect(await client.call('node/list', {})).toHaveLength(3);
  });

  it('refuses to deploy before the admin confirms the host keys', async () => {
    const err = await errorOf(client.call('node/deploy', { ids: [nodes['dvt-u1']!.id] }));
    expect(err.code).toBe('host-key-unconfirmed');
  });

  it('confirms keys, deploys all three at once, and pushes a runtime to the node without Node', async () => {
    for (const n of Object.values(nodes)) {
      await client.call('node/trustHostKey', { id: n.id, fingerprint: n.hostKey.fingerprint });
    }
    const task = await deploy(Object.values(nodes).map((n) => n.id));
    expect(task.error).toBeNull();
    expect(task.state).toBe('succeeded');
    const outcomes = task.result?.nodes as Record<
      string,
      { pushedRuntime: boolean; runtime: string }
    >;
    expect(outcomes['dvt-h1']).toMatchObject({
      pushedRuntime: true,
      runtime: expect.stringContaining('/opt/dvsan/runtime/node-v20.20.2/bin/node'),
    });
    expect(outcomes['dvt-u1']).toMatchObject({
      pushedRuntime: false,
      runtime: expect.stringContaining('/usr/bin/node'),
    });
    for (const n of await client.call('node/list', {})) expect(n.state).toBe('ready');
  });

  it('reads inventories that match what each namespace really has', async () => {
    for (const n of lab.nodes) {
      const inv = await client.call('node/inventory', { id: nodes[n.name]!.id, refresh: true });
      const hostname = (await nodeExec(lab, n.name, ['hostname'])).stdout.trim();
      expect(inv.hostname).toBe(hostname);
      expect(inv.hostname).toBe(n.name);
      const eth0 = inv.nics.find((nic) => nic.name === 'eth0');
      expect(eth0?.addresses.map((a) => a.address)).toContain(n.address);
      const mac = (
        await nodeExec(lab, n.name, ['cat', '/sys/class/net/eth0/address'])
      ).stdout.trim();
      expect(eth0?.mac).toBe(mac);
      const df = (
        await nodeExec(lab, n.name, ['df', '-B1', '--output=size', inv.dataDir.path])
      ).stdout.split('\n')[1];
      expect(inv.dataDir.totalBytes).toBe(Number(df));
      expect(inv.tools.tgtadm).toBe('/usr/sbin/tgtadm');
    }
  });

  it("keeps each node's agent in its own private /opt/dvsan, 0700", async () => {
    const version = (await client.call('node/get', { id: nodes['dvt-u1']!.id })).agent.version!;
    const ls = await nodeExec(lab, 'dvt-u1', [
      'stat',
      '-c',
      '%a %n',
      `/opt/dvsan/agent/${version}`,
      `/opt/dvsan/agent/${version}/dvsan-agent.cjs`,
    ]);
    expect(ls.stdout).toContain(`700 /opt/dvsan/agent/${version}\n`);
    expect(existsSync(`/opt/dvsan/agent/${version}`)).toBe(false);
  });

  it('redeploys a current node in one round trip', async () => {
    const started = Date.now();
    const task = await deploy(Object.values(nodes).map((n) => n.id));
    expect(task.state).toBe('succeeded');
    for (const outcome of Object.values(
      task.result?.nodes as Record<string, { roundTrips: number; alreadyCurrent: boolean }>,
    )) {
      expect(outcome).toMatchObject({ roundTrips: 1, alreadyCurrent: true });
    }
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('stops before sending anything when the node has no room, and leaves the node as it was', async () => {
    const u1 = nodes['dvt-u1']!;
    // A 256 KiB filesystem over the node's /opt/dvsan (inside its own mount namespace).
    await nodeExec(lab, 'dvt-u1', [
      'mount',
      '-t',
      'tmpfs',
      '-o',
      'size=256k',
      'dvsan-full',
      '/opt/dvsan',
    ]);
    try {
      const task = await deploy([u1.id]);
      expect(task.state).toBe('failed');
      expect(task.error?.code).toBe('disk-full');
      expect(task.error?.message).toMatch(/free some space/);
      expect((await nodeExec(lab, 'dvt-u1', ['ls', '-A', '/opt/dvsan'])).stdout).toBe('');
      expect((await client.call('node/get', { id: u1.id })).state).toBe('error');
    } finally {
      await nodeExec(lab, 'dvt-u1', ['umount', '/opt/dvsan']);
    }
    expect((await deploy([u1.id])).state).toBe('succeeded');
  });

  it('refuses a node whose host key changed, naming both fingerprints, and changes nothing', async () => {
    const before = nodes['dvt-u2']!.hostKey.fingerprint;
    const changed = await regenerateHostKey(lab, 'dvt-u2');
    // A restarted station has no open connection, so it must connect and check the key.
    await station.close();
    await open();
    const err = await errorOf(
      client.call('node/inventory', { id: nodes['dvt-u2']!.id, refresh: true }),
    );
    expect(err.code).toBe('host-key-changed');
    expect(err.message).toContain(before);
    expect(err.message).toContain(changed.hostKeyFingerprint);
    expect((await client.call('node/get', { id: nodes['dvt-u2']!.id })).hostKey).toEqual({
      fingerprint: before,
      state: 'trusted',
    });
    // Confirming the new key (after checking it on the node) lets the station in again.
    await client.call('node/trustHostKey', {
      id: nodes['dvt-u2']!.id,
      fingerprint: changed.hostKeyFingerprint,
    });
    const inv = await client.call('node/inventory', { id: nodes['dvt-u2']!.id, refresh: true });
    expect(inv.hostname).toBe('dvt-u2');
  });

  it('gives clear errors for a wrong key, a wrong password, no sshd and an unreachable address, and stores nothing', async () => {
    const otherKey = join(mkdtempSync(join(tmpdir(), 'dvsan-key-')), 'id');
    const { execFileSync } = await import('node:child_process');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    const u1 = labNode('dvt-u1');
    // Free u1's address so each attempt reaches SSH instead of the duplicate check.
    await client.call('node/remove', { id: nodes['dvt-u1']!.id });
    const add = (over: object) =>
      client.call('node/add', {
        name: 'extra',
        role: 'unit',
        address: u1.address,
        port: 22,
        auth: { kind: 'key', keyPath: lab.keyPath },
        ...over,
      } as never);

    expect((await errorOf(add({ auth: { kind: 'key', keyPath: otherKey } }))).code).toBe(
      'ssh-auth-failed',
    );
    expect(
      (await errorOf(add({ auth: { kind: 'password', password: 'wrong', save: false } }))).code,
    ).toBe('ssh-auth-failed');
    expect(
      (await errorOf(add({ auth: { kind: 'key', keyPath: '/nonexistent/key' } }))).message,
    ).toMatch(/cannot read the key file/);
    const noSshd = await errorOf(add({ port: 2222 }));
    expect(noSshd.code).toBe('ssh-unreachable');
    expect(noSshd.message).toMatch(/is sshd running/);
    // An address inside the lab's own subnet where no node lives.
    const started = Date.now();
    const gone = await errorOf(add({ address: '10.99.2.250' }));
    expect(['ssh-unreachable', 'ssh-timeout']).toContain(gone.code);
    expect(Date.now() - started).toBeLessThanOrEqual(10_000);
    expect((await client.call('node/list', {})).map((n) => n.name).sort()).toEqual([
      'dvt-h1',
      'dvt-u2',
    ]);
  });

  it('adds a node with the lab password, kept in memory only', async () => {
    await client.call('node/remove', { id: nodes['dvt-h1']!.id });
    const password = readFileSync(lab.passwordPath, 'utf8').trim();
    const h1 = labNode('dvt-h1');
    const added = await client.call('node/add', {
      name: 'dvt-h1',
      role: 'host',
      address: h1.address,
      auth: { kind: 'password', password, save: false },
      acceptFingerprint: h1.hostKeyFingerprint,
    });
    expect(added.hostKey.state).toBe('trusted');
    const task = await deploy([added.id]);
    expect(task.state).toBe('succeeded');
    for (const file of ['station.db', 'station.db-wal']) {
      if (existsSync(join(dataDir, file)))
        expect(readFileSync(join(dataDir, file)).includes(Buffer.from(password))).toBe(false);
    }
  });
});
