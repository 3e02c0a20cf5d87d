// Volumes and exports end to end through the StationApi: the station places a volume on a
// real lab unit, exports it through that unit's tgtd with per-host CHAP, and a real
// initiator in a host namespace writes and reads it. Needs root.
import { existsSync, mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../agents/targets/tgt/index.js';
import { StationClient, type VolumeView } from '../../protocol/index.js';
import { waitForTask } from '../../station/cli/client.js';
import { createStation, type Station } from '../../station/index.js';
import { labDown, labUp, nodeExec, restartTgtd, type LabState } from '../../station/lab/index.js';
import { createLogger } from '../../station/log.js';
import { within } from './within.js';

const bundlePath = join(import.meta.dirname, '../../dist/agent/dvsan-agent.cjs');
const prefix = 'dvv';
const hostIqn = 'iqn.2026-11.io.dvsan.lab:dvv-h1';
const MiB = 1024 * 1024;
let lab: LabState;
let station: Station;
let client: StationClient;
const ids: Record<string, string> = {};

/** tgtadm on a unit's own tgtd (its control port). */
const tgtadm = (unit: string, ...args: string[]) =>
  nodeExec(lab, unit, [
    'tgtadm',
    '--lld',
    'iscsi',
    '-C',
    String(lab.nodes.find((n) => n.name === unit)!.tgtdPort),
    ...args,
  ]);
const unitAddress = (name: string) => lab.nodes.find((n) => n.name === name)!.address;

/** dvsan's exports in the unit's conf.d (one file each), read as root on the unit. */
const confOn = async (unit: string) =>
  parseConfig(
    (
      await nodeExec(lab, unit, [
        'sh',
        '-c',
        'cat /etc/tgt/conf.d/dvsan-*.conf 2>/dev/null || true',
      ])
    ).stdout,
  );

/** The credentials the unit's tgtd really holds for the host (read as root on the unit). */
async function chapOnUnit(unit: string, iqn: string) {
  const conf = await confOn(unit);
  const acl = conf.find((r) => r.iqn === iqn)?.acls.find((a) => a.initiatorIqn === hostIqn);
  if (!acl?.chap) throw new Error(`no CHAP for ${hostIqn} on ${iqn}`);
  return acl.chap;
}

/** qemu-io in the host's namespace through qemu's iSCSI driver. */
async function qemuIo(v: VolumeView, commands: string[], as = { initiator: hostIqn, secret: '' }) {
  const chap = await chapOnUnit(v.unitName, v.iqn);
  await nodeExec(lab, 'dvv-h1', ['dd', 'of=/root/chap', 'status=none'], {
    input: as.secret || chap.secret,
  });
  const opts = [
    'driver=iscsi',
    'transport=tcp',
    `portal=${unitAddress(v.unitName)}:3260`,
    `target=${v.iqn}`,
    'lun=1',
    `initiator-name=${as.initiator}`,
    `user=${chap.user}`,
    'password-secret=chap0',
  ].join(',');
  return nodeExec(
    lab,
    'dvv-h1',
    [
      'qemu-io',
      '--object',
      'secret,id=chap0,file=/root/chap',
      '--image-opts',
      opts,
      ...commands.flatMap((c) => ['-c', c]),
    ],
    { timeoutMs: 30_000 },
  );
}

beforeAll(async () => {
  if (!existsSync(bundlePath)) throw new Error('build the agent first: node build/build.mjs agent');
  await labDown({ prefix });
  lab = await labUp({ units: 2, hosts: 1, prefix, subnet: '10.99.8' });
  station = await createStation({
    dataDir: mkdtempSync(join(tmpdir(), 'dvsan-volumes-')),
    agentBundlePath: bundlePath,
    log: createLogger('silent'),
    announce: { listen: { host: '0.0.0.0', port: 0 } },
  });
  client = new StationClient(station.transport);
  for (const n of lab.nodes) {
    ids[n.name] = (
      await client.call('node/add', {
        name: n.name,
        role: n.role,
        address: n.address,
        auth: { kind: 'key', keyPath: lab.keyPath },
        acceptFingerprint: n.hostKeyFingerprint,
      })
    ).id;
  }
  const { taskId } = await client.call('node/deploy', { ids: Object.values(ids) });
  expect((await waitForTask(client, taskId, () => undefined, 60_000)).error).toBeNull();
  await within(
    15_000,
    async () =>
      (await client.call('pool/get', {})).units.filter((u) => u.health === 'up').length === 2,
  );
});

afterAll(async () => {
  await station?.close();
  await labDown({ prefix });
});

describe('volumes and exports in the lab', () => {
  let v: VolumeView;

  it('creates a volume on a unit and exports it, deny by default, with CHAP', async () => {
    v = await client.call('volume/create', { name: 'data1', sizeBytes: 64 * MiB });
    expect(v.iqn).toBe(`iqn.2026-11.io.dvsan:${v.unitName}.data1`);
    const file = await nodeExec(lab, v.unitName, [
      'stat',
      '-c',
      '%s',
      '/var/lib/dvsan/data/volumes/data1.img',
    ]);
    expect(Number(file.stdout)).toBe(64 * MiB);
    v = await client.call('volume/export', { id: v.id, initiatorIqn: hostIqn });
    expect(v.exports.map((e) => e.initiatorIqn)).toEqual([hostIqn]);
  });

  it('lets the host with the right IQN and secret write and read it; refuses a wrong IQN or secret', async () => {
    const write = await qemuIo(v, ['write -P 0x5a 0 1M', 'read -P 0x5a 0 1M']);
    expect(write.code, write.stderr + write.stdout).toBe(0);
    expect(write.stdout).not.toMatch(/Pattern verification failed/);
    const wrongIqn = await qemuIo(v, ['read 0 4k'], {
      initiator: 'iqn.2026-11.io.dvsan.lab:intruder',
      secret: '',
    });
    expect(wrongIqn.code).not.toBe(0);
    const wrongSecret = await qemuIo(v, ['read 0 4k'], {
      initiator: hostIqn,
      secret: 'WrongSecret12345',
    });
    expect(wrongSecret.code).not.toBe(0);
  });

  it('brings the export back after tgtd restarts, with the data intact', async () => {
    await restartTgtd(lab, v.unitName);
    const read = await qemuIo(v, ['read -P 0x5a 0 1M']);
    expect(read.code, read.stderr + read.stdout).toBe(0);
    expect(read.stdout).not.toMatch(/Pattern verification failed/);
  });

  it('repairs a target removed behind its back, and lists then removes a dvsan leftover', async () => {
    const unit = ids[v.unitName]!;
    await tgtadm(v.unitName, '--op', 'delete', '--mode', 'target', '--tid', '1', '--force');
    const preview = await client.call('unit/reconcile', { id: unit });
    expect(preview.missing).toEqual([v.iqn]);
    expect((await client.call('unit/reconcile', { id: unit, apply: true })).applied).toBe(true);
    const read = await qemuIo(v, ['read -P 0x5a 0 1M']);
    expect(read.code, read.stderr).toBe(0);
    expect(await client.call('unit/reconcile', { id: unit })).toMatchObject({
      missing: [],
      drifted: [],
      leftovers: [],
    });
  });

  it('repairs a unit’s exports by itself when the unit comes back up', async () => {
    const unit = ids[v.unitName]!;
    const health = async () => (await client.call('node/get', { id: unit })).health;
    const pid = (await nodeExec(lab, v.unitName, ['cat', '/run/dvsan/daemon.pid'])).stdout.trim();
    await nodeExec(lab, v.unitName, ['kill', '-TERM', pid]);
    await within(5000, async () => (await health()) === 'down');
    await tgtadm(v.unitName, '--op', 'delete', '--mode', 'target', '--tid', '1', '--force');
    // Deploying again restarts the daemon; its startup brings the unit back, and the repair follows.
    const { taskId } = await client.call('node/deploy', { ids: [unit] });
    await waitForTask(client, taskId, () => undefined, 60_000);
    await within(
      15_000,
      async () => (await client.call('unit/reconcile', { id: unit })).missing.length === 0,
    );
    const read = await qemuIo(v, ['read -P 0x5a 0 1M']);
    expect(read.code, read.stderr).toBe(0);
    const events = await client.call('event/list', { limit: 50 });
    expect(
      events.some(
        (e) => e.kind === 'unit.reconcile' && e.nodeId === unit && /repaired/.test(e.message),
      ),
    ).toBe(true);
    // The repair is on record as the station's own task.
    const tasks = await client.call('task/list', { limit: 50 });
    expect(
      tasks.some(
        (t) =>
          t.kind === 'unit.reconcile' &&
          t.user === 'station' &&
          t.targets.includes(unit) &&
          t.state === 'succeeded',
      ),
    ).toBe(true);
  });

  it('stays consistent when the unit’s agent is killed in the middle of a change', async () => {
    const unitName = v.unitName;
    const unit = ids[unitName]!;
    /** SIGKILL the unit's RPC agent: found by the unit's own network namespace, as PIDs are shared. */
    const killAgent = async () => {
      const { execFileSync } = await import('node:child_process');
      const pids = execFileSync('ip', ['netns', 'pids', unitName], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
      for (const pid of pids) {
        const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (cmd.includes('dvsan-agent.cjs') && cmd.split('\0').includes('rpc'))
          process.kill(Number(pid), 'SIGKILL');
      }
    };
    for (const [i, delayMs] of [0, 5, 20, 60].entries()) {
      const x = await client.call('volume/create', {
        name: `crash-${i}`,
        sizeBytes: MiB,
        unitId: unit,
      });
      const exporting = client.call('volume/export', { id: x.id, initiatorIqn: hostIqn }).then(
        () => 'done',
        () => 'failed',
      );
      await new Promise((r) => setTimeout(r, delayMs));
      await killAgent();
      await exporting;
      // Whatever the kill interrupted, one reconcile leaves the unit as the station records it.
      await client.call('unit/reconcile', { id: unit, apply: true });
      expect(await client.call('unit/reconcile', { id: unit })).toMatchObject({
        missing: [],
        drifted: [],
        leftovers: [],
      });
      const recorded = (await client.call('volume/list', {})).find((y) => y.id === x.id)!;
      const conf = await confOn(unitName);
      expect(conf.some((r) => r.iqn === x.iqn)).toBe(recorded.exports.length > 0);
      await client.call('volume/delete', { id: x.id, force: true, confirm: x.name });
    }
  });

  it('creates, exports and deletes 100 volumes without leaving a target, ACL, account or file behind', async () => {
    const unitName = v.unitName;
    const made: VolumeView[] = [];
    for (let i = 0; i < 100; i++) {
      const x = await client.call('volume/create', {
        name: `bulk-${i}`,
        sizeBytes: MiB,
        unitId: ids[unitName]!,
      });
      made.push(await client.call('volume/export', { id: x.id, initiatorIqn: hostIqn }));
    }
    for (const x of made)
      await client.call('volume/delete', { id: x.id, force: true, confirm: x.name });
    await client.call('volume/unexport', { id: v.id, initiatorIqn: hostIqn });
    await client.call('volume/delete', { id: v.id });
    const show = await tgtadm(unitName, '--op', 'show', '--mode', 'target');
    expect(show.stdout).not.toMatch(/iqn\.2026-11\.io\.dvsan:/);
    const accounts = await tgtadm(unitName, '--op', 'show', '--mode', 'account');
    expect(accounts.stdout).not.toMatch(/dvsan-/);
    expect(await confOn(unitName)).toEqual([]);
    expect(
      (await nodeExec(lab, unitName, ['ls', '-A', '/var/lib/dvsan/data/volumes'])).stdout.trim(),
    ).toBe('');
    expect(await client.call('volume/list', {})).toEqual([]);
  });

  it('refuses what cannot be done, with a clear message and nothing changed', async () => {
    const err = async (p: Promise<unknown>) =>
      p.then(
        () => 'no error',
        (e: Error) => e.message,
      );
    expect(await err(client.call('volume/create', { name: 'huge', sizeBytes: 1024 ** 5 }))).toMatch(
      /no unit has/,
    );
    expect(await err(client.call('volume/create', { name: 'Bad Name', sizeBytes: MiB }))).toMatch(
      /lowercase/,
    );
    await client.call('node/setSpare', { id: ids['dvv-u1']!, spare: true });
    await client.call('node/setSpare', { id: ids['dvv-u2']!, spare: true });
    expect(await err(client.call('volume/create', { name: 'nowhere', sizeBytes: MiB }))).toMatch(
      /no unit is up and in the pool/,
    );
    expect(await client.call('volume/list', {})).toEqual([]);
  });
});
