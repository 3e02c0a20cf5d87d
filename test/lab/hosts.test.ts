// Hosts through the StationApi: volumes attached, used and detached on real lab hosts
// (qemu-storage-daemon + FUSE + loop), from several units at once, shared read-only, a unit
// added under a running write stream, host requests, and a target killed under I/O. Needs root.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationClient, type HostView, type Task } from '../../protocol/index.js';
import { waitForTask } from '../../station/cli/client.js';
import { createStation, type Station } from '../../station/index.js';
import {
  labDown,
  labUp,
  nodeExec,
  startTgtd,
  stopTgtd,
  type LabState,
} from '../../station/lab/index.js';
import { createLogger } from '../../station/log.js';
import { deployLab } from '../shared/deploy-lab.js';
import { within } from './within.js';

const bundlePath = join(import.meta.dirname, '../../dist/agent/dvsan-agent.cjs');
const prefix = 'dvi';
const MiB = 1024 * 1024;
let lab: LabState;
let station: Station;
let client: StationClient;
const ids: Record<string, string> = {};
const h1 = `${prefix}-h1`;
const h2 = `${prefix}-h2`;

const sh = (node: string, script: string, timeoutMs = 120_000) =>
  nodeExec(lab, node, ['sh', '-c', script], { timeoutMs });

async function finished(start: Promise<{ taskId: string }>): Promise<Task> {
  const { taskId } = await start;
  return waitForTask(client, taskId, () => undefined, 180_000);
}

async function succeeded(start: Promise<{ taskId: string }>): Promise<Task> {
  const task = await finished(start);
  expect(task.error?.message ?? null).toBeNull();
  expect(task.state).toBe('succeeded');
  return task;
}

/** Attaches as ext4 at `mountPoint` and waits for the task to succeed. */
const mountOn = (volumeId: string, host: string, mountPoint: string) =>
  succeeded(
    client.call('host/attach', { volumeId, hostId: ids[host]!, filesystem: 'ext4', mountPoint }),
  );

async function hostView(name: string): Promise<HostView> {
  return (await client.call('host/list', {})).find((h) => h.node.name === name)!;
}

async function attachment(host: string, volume: string) {
  const a = (await hostView(host)).attachments.find((x) => x.volumeName === volume);
  if (!a) throw new Error(`${volume} is not attached to ${host}`);
  return a;
}

const volumeOn = (name: string, unit: string, extra: { shared?: boolean } = {}) =>
  client.call('volume/create', { name, sizeBytes: 320 * MiB, unitId: ids[unit]!, ...extra });

/**
 * What a host has left of one attachment: its qsd process and loop device (both visible
 * machine-wide, hence the attachment id filter) and a mount at its mount point. Loop devices
 * are read from sysfs: `losetup -a` and `-j` ask the kernel for each device's status, which
 * stats its backing file, and a FUSE file whose qsd waits on a stopped unit (anywhere on the
 * machine) never answers.
 */
async function leftovers(host: string, attachmentId: string, mountPoint: string): Promise<string> {
  const r = await nodeExec(lab, host, [
    'sh',
    '-c',
    'pgrep -af "^(/usr/bin/)?qemu-storage-daemon " | grep -F -- "$1"; grep -HF -- "$1" /sys/block/loop*/loop/backing_file; grep -F " $2 " /proc/self/mounts; true',
    'sh',
    attachmentId,
    mountPoint,
  ]);
  return r.stdout.trim();
}

async function addAndDeploy(names: string[]): Promise<void> {
  Object.assign(ids, await deployLab(client, lab, names));
}

beforeAll(async () => {
  if (!existsSync(bundlePath)) throw new Error('build the agent first: node build/build.mjs agent');
  await labDown({ prefix });
  lab = await labUp({ units: 4, hosts: 2, prefix, subnet: '10.99.23' });
  station = await createStation({
    dataDir: mkdtempSync(join(tmpdir(), 'dvsan-hosts-')),
    agentBundlePath: bundlePath,
    log: createLogger('silent'),
    announce: { listen: { host: '0.0.0.0', port: 0 } },
  });
  client = new StationClient(station.transport);
  // Unit 4 stays out until the expansion test adds it under a running write stream.
  await addAndDeploy([`${prefix}-u1`, `${prefix}-u2`, `${prefix}-u3`, h1, h2]);
  await client.call('settings/update', {
    heartbeatSeconds: 1,
    requestPolicy: { autoGrantBytes: 64 * MiB, hostQuotaBytes: 2048 * MiB },
  });
});

afterAll(async () => {
  await station?.close();
  // Attachments left on the hosts on purpose: lab down must not leak their loop devices (and
  // must leave other labs' alone: loop devices are machine-wide).
  const held: string[] = [];
  for (const h of [h1, h2]) {
    const r = await nodeExec(lab, h, [
      'sh',
      '-c',
      'for id in $(ls /run/dvsan/initiators); do grep -lF "/run/dvsan/initiators/$id/disk" /sys/block/loop*/loop/backing_file; done',
    ]).catch(() => null);
    held.push(...(r?.stdout.match(/loop\d+/g) ?? []).map((name) => `/dev/${name}`));
  }
  const report = await labDown({ prefix });
  expect(held.length).toBeGreaterThan(3);
  expect(report.loopDevices.sort()).toEqual(expect.arrayContaining(held.sort()));
});

describe('hosts in the lab', () => {
  it('moves 256 MiB of data from host 1 to host 2 through one volume', async () => {
    const v = await volumeOn('move', `${prefix}-u1`);
    await mountOn(v.id, h1, '/mnt/v1');
    const a = await attachment(h1, 'move');
    expect(a.state).toBe('attached');
    expect(a.device).toMatch(/^\/dev\/loop\d+$/);
    const written = await sh(
      h1,
      'head -c 268435456 /dev/urandom > /mnt/v1/data && sync && sha256sum /mnt/v1/data | cut -d" " -f1',
    );
    await succeeded(client.call('host/detach', { attachmentId: a.id }));
    expect(await leftovers(h1, a.id, '/mnt/v1')).toBe('');
    await mountOn(v.id, h2, '/mnt/v1');
    expect(written.stderr).toBe('');
    const read = await sh(h2, 'sha256sum /mnt/v1/data | cut -d" " -f1');
    expect(read.stdout.trim()).toBe(written.stdout.trim());
    expect(read.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    await succeeded(
      client.call('host/detach', { attachmentId: (await attachment(h2, 'move')).id }),
    );
  });

  it('gives host 1 volumes from three units at once, each mounted and written', async () => {
    for (const [i, unit] of ['u1', 'u2', 'u3'].entries()) {
      await succeeded(
        client.call('host/assign', {
          hostId: ids[h1]!,
          name: `multi-${unit}`,
          sizeBytes: 64 * MiB,
          unitId: ids[`${prefix}-${unit}`]!,
          filesystem: 'ext4',
          mountPoint: `/mnt/m${i}`,
        }),
      );
    }
    const host = await hostView(h1);
    expect(new Set(host.attachments.map((a) => a.unitName))).toEqual(
      new Set([`${prefix}-u1`, `${prefix}-u2`, `${prefix}-u3`]),
    );
    const r = await sh(
      h1,
      'for m in 0 1 2; do echo unit-$m > /mnt/m$m/hello || exit 1; done; sync; cat /mnt/m0/hello /mnt/m1/hello /mnt/m2/hello',
    );
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['unit-0', 'unit-1', 'unit-2']);
  });

  it('shares a volume read-only with two hosts and refuses a second attach of an unshared one', async () => {
    const shared = await volumeOn('shared', `${prefix}-u2`, { shared: true });
    const p = { volumeId: shared.id, filesystem: 'ext4' as const, mountPoint: '/mnt/s' };
    await succeeded(client.call('host/attach', { ...p, hostId: ids[h1]! }));
    await sh(h1, 'echo from-h1 > /mnt/s/note && sync');
    await succeeded(
      client.call('host/detach', { attachmentId: (await attachment(h1, 'shared')).id }),
    );
    for (const h of [h1, h2])
      await succeeded(client.call('host/attach', { ...p, hostId: ids[h]!, readOnly: true }));
    for (const h of [h1, h2])
      expect((await sh(h, 'cat /mnt/s/note')).stdout.trim()).toBe('from-h1');
    const denied = await sh(h2, 'touch /mnt/s/other 2>&1 && echo wrote || echo refused');
    expect(denied.stdout).toContain('refused');

    const own = await volumeOn('own', `${prefix}-u3`);
    await succeeded(client.call('host/attach', { volumeId: own.id, hostId: ids[h1]! }));
    await expect(
      client.call('host/attach', { volumeId: own.id, hostId: ids[h2]! }),
    ).rejects.toThrow(/not shared/);
    // Bad input changes nothing: a relative mount point never reaches a host.
    await expect(
      client.call('host/attach', {
        volumeId: own.id,
        hostId: ids[h2]!,
        filesystem: 'ext4',
        mountPoint: 'data',
      }),
    ).rejects.toThrow(/absolute/);
    expect((await attachment(h1, 'own')).state).toBe('attached');
  });

  it('adds a unit and attaches its volume while host 1 streams writes, without a stall', async () => {
    // The writer writes 64 KiB with fdatasync in a loop and reports its longest gap.
    const writer = `
      const fs = require('fs');
      const fd = fs.openSync('/mnt/m0/stream', 'w');
      const block = Buffer.alloc(65536, 7);
      let last = Date.now(), worst = 0, writes = 0;
      const stopAt = Date.now() + 90000;
      while (Date.now() < stopAt && !fs.existsSync('/tmp/dvi-stop')) {
        // Round a 16 MiB file: the stream may last longer than the volume is big.
        fs.writeSync(fd, block, 0, block.length, (writes % 256) * 65536);
        fs.fdatasyncSync(fd); writes++;
        const now = Date.now(); worst = Math.max(worst, now - last); last = now;
      }
      console.log(JSON.stringify({ worst, writes }));`;
    await sh(h1, 'rm -f /tmp/dvi-stop');
    const stream = nodeExec(lab, h1, [process.execPath, '-e', writer], { timeoutMs: 120_000 });
    await new Promise((r) => setTimeout(r, 1000));
    await addAndDeploy([`${prefix}-u4`]);
    await within(20_000, async () =>
      (await client.call('pool/get', {})).units.some(
        (u) => u.name === `${prefix}-u4` && u.health === 'up',
      ),
    );
    const v = await volumeOn('grown', `${prefix}-u4`);
    await mountOn(v.id, h1, '/mnt/grown');
    await sh(h1, 'echo new > /mnt/grown/x && sync && touch /tmp/dvi-stop');
    const result = await stream;
    expect(result.stderr).toBe('');
    const { worst, writes } = JSON.parse(result.stdout) as { worst: number; writes: number };
    console.log(`stream during expansion: ${writes} writes, longest gap ${worst} ms`);
    expect(writes).toBeGreaterThan(10);
    expect(worst).toBeLessThan(1000);
  });

  it('grants a small host request by policy and a larger one after approval', async () => {
    const auto = await nodeExec(
      lab,
      h2,
      [
        process.execPath,
        bundlePath,
        'request',
        '--size',
        '32M',
        '--mount',
        '/mnt/req1',
        '--wait',
        '120',
      ],
      { timeoutMs: 150_000 },
    );
    expect(auto.stdout).toMatch(/done: attached .* mounted at \/mnt\/req1/);
    expect((await sh(h2, 'grep -c " /mnt/req1 " /proc/self/mounts')).stdout.trim()).toBe('1');

    const waiting = nodeExec(
      lab,
      h2,
      [
        process.execPath,
        bundlePath,
        'request',
        '--size',
        '96M',
        '--mount',
        '/mnt/req2',
        '--wait',
        '150',
      ],
      { timeoutMs: 180_000 },
    );
    let id = '';
    await within(30_000, async () => {
      const pending = await client.call('request/list', { state: 'pending' });
      id = pending[0]?.id ?? '';
      return pending.length === 1 && pending[0]!.sizeBytes === 96 * MiB;
    });
    // The host has heard that its request waits (the command prints it) before it is approved.
    await within(10_000, async () =>
      (await sh(h2, `cat /var/lib/dvsan/requests/${id}.json`)).stdout.includes('"pending"'),
    );
    // An admin takes longer than the command's quarter-second poll.
    await new Promise((r) => setTimeout(r, 1000));
    const events = await client.call('event/list', { limit: 50 });
    expect(events.some((e) => e.kind === 'request.pending')).toBe(true);
    await client.call('request/approve', { id });
    const approved = await waiting;
    expect(approved.stderr).toBe('');
    expect(approved.stdout).toMatch(/waiting for an administrator/);
    expect(approved.stdout).toMatch(/done: attached .* mounted at \/mnt\/req2/);

    // Over the quota: refused by policy, nothing made.
    const before = (await client.call('volume/list', {})).length;
    const refused = await nodeExec(
      lab,
      h2,
      [process.execPath, bundlePath, 'request', '--size', '4G', '--wait', '60'],
      { timeoutMs: 90_000 },
    );
    expect(refused.stdout).toMatch(/denied: over the host's quota/);
    expect((await client.call('volume/list', {})).length).toBe(before);
  });

  it('reports a killed target under I/O as an event naming the volume; force detach cleans up', async () => {
    const v = await volumeOn('doomed', `${prefix}-u3`);
    await mountOn(v.id, h2, '/mnt/doomed');
    await stopTgtd(lab, `${prefix}-u3`);
    // Direct I/O reaches the dead target at once instead of sitting in the page cache.
    const writes = sh(
      h2,
      'dd if=/dev/zero of=/mnt/doomed/x bs=64k count=64 oflag=direct 2>&1 || true',
      60_000,
    ).catch(() => null);
    try {
      await within(60_000, async () =>
        (await client.call('event/list', { limit: 100 })).some(
          (e) => e.kind === 'host.io' && e.message.includes('doomed'),
        ),
      );
      expect((await attachment(h2, 'doomed')).state).toBe('failed');
      const doomed = await attachment(h2, 'doomed');
      const task = await succeeded(
        client.call('host/detach', { attachmentId: doomed.id, force: true }),
      );
      expect(task.log.some((l) => l.level === 'warn')).toBe(true);
      await writes;
      expect((await hostView(h2)).attachments.some((a) => a.volumeName === 'doomed')).toBe(false);
      expect(await leftovers(h2, doomed.id, '/mnt/doomed')).toBe('');
    } finally {
      await startTgtd(lab, `${prefix}-u3`);
    }
  });
});
