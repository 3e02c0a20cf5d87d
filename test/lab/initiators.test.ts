// Host initiators against a unit's real tgtd: the agent's initiator.* methods (run as
// `dvsan-agent rpc` inside each host) attach a LUN through qemu-storage-daemon + FUSE + loop,
// format and mount it, and detach without leaving a process, loop device, FUSE file or mount.
// Data written on one host is read back on the other. Needs root.
import { readFile, readlink, readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentMethods, type AgentMethod, type AgentResult } from '../../protocol/agent-rpc.js';
import type { Chap } from '../../protocol/volumes.js';
import { labDown, labUp, nodeExec, type LabState } from '../../station/lab/index.js';
import { buildAgent } from '../unit/agents/build-agent.js';

const prefix = 'dvh';
const unit = `${prefix}-u1`;
const hosts = [`${prefix}-h1`, `${prefix}-h2`] as const;
const volume = 'v1';
const volIqn = `iqn.2026-11.io.dvsan:${unit}.${volume}`;
const chaps: Record<string, Chap> = {
  [hosts[0]]: { user: 'dvsan-dvh-h1', secret: 'Kq7xPm2Rt9vW4yZa' },
  [hosts[1]]: { user: 'dvsan-dvh-h2', secret: 'Zt5wQn8Lp3Xc6Vb1' },
};
const MiB = 1024 * 1024;

let lab: LabState;
let workDir: string;
let bundle: string;
let address: string;
const hostIqns: Record<string, string> = {};

type RpcAnswer = { result?: unknown; error?: { message: string; data?: ErrorData } };
type ErrorData = { code: string; message: string; details?: Record<string, unknown> };

async function rpc(node: string, method: AgentMethod, params: unknown): Promise<RpcAnswer> {
  const line = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  const r = await nodeExec(lab, node, [process.execPath, bundle, 'rpc'], {
    input: line + '\n',
    timeoutMs: 90_000,
  });
  const answer = r.stdout.split('\n').find(Boolean);
  if (!answer) throw new Error(`${method} on ${node}: no answer (${r.stderr.slice(0, 500)})`);
  return JSON.parse(answer) as RpcAnswer;
}

async function call<M extends AgentMethod>(node: string, method: M, params: unknown) {
  const answer = await rpc(node, method, params);
  if (answer.error) throw new Error(`${method} on ${node}: ${answer.error.message}`);
  return agentMethods[method].result.parse(answer.result) as AgentResult<M>;
}

async function failure(node: string, method: AgentMethod, params: unknown): Promise<ErrorData> {
  const answer = await rpc(node, method, params);
  expect(answer.error, JSON.stringify(answer.result)).toBeDefined();
  return answer.error!.data!;
}

const attachParams = (host: string, id: string, extra: Record<string, unknown> = {}) => ({
  attachmentId: id,
  target: { iqn: volIqn, portal: { address, port: 3260 } },
  initiatorIqn: hostIqns[host],
  chap: chaps[host],
  ...extra,
});

const sh = (host: string, script: string, timeoutMs = 60_000) =>
  nodeExec(lab, host, ['sh', '-c', script], { timeoutMs });

/** qemu-storage-daemon processes in the host's mount namespace (every node shares one pid space). */
async function qsdPids(host: string): Promise<number[]> {
  const sshd = lab.nodes.find((n) => n.name === host)!.sshdPid;
  const ns = await readlink(`/proc/${sshd}/ns/mnt`);
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (!cmd.includes('qemu-storage-daemon')) continue;
    if ((await readlink(`/proc/${entry}/ns/mnt`).catch(() => '')) === ns) pids.push(Number(entry));
  }
  return pids;
}

/** Loop devices over this suite's FUSE files (loop devices are not namespaced). */
async function ourLoops(ids: string[]): Promise<string[]> {
  const loops: string[] = [];
  for (const name of await readdir('/sys/block')) {
    const file = await readFile(`/sys/block/${name}/loop/backing_file`, 'utf8').catch(() => '');
    if (ids.some((id) => file.includes(`/run/dvsan/initiators/${id}/`))) loops.push(name);
  }
  return loops;
}

/** Nothing of the attachment left on the host: process, loop device, FUSE file, mount, record. */
async function expectNothingLeft(host: string, ids: string[], mountPoint = '/mnt/dvh-v1') {
  expect(await qsdPids(host)).toEqual([]);
  expect(await ourLoops(ids)).toEqual([]);
  const left = await sh(
    host,
    `grep -E ' (${mountPoint}|/run/dvsan/initiators/[^ ]*) ' /proc/self/mountinfo; ` +
      'find /run/dvsan/initiators /var/lib/dvsan/initiators -mindepth 1 2>/dev/null',
  );
  expect(left.stdout.trim()).toBe('');
}

beforeAll(async () => {
  await labDown({ prefix });
  workDir = await mkdtemp(path.join(tmpdir(), 'dvsan-initiators-lab-'));
  [lab, bundle] = await Promise.all([
    labUp({ units: 1, hosts: 2, prefix, subnet: '10.99.20' }),
    buildAgent(workDir),
  ]);
  address = lab.nodes.find((n) => n.name === unit)!.address;
  // Each host's IQN as the station learns it: from its inventory.
  for (const host of hosts) {
    const inventory = await call(host, 'node.inventory', {});
    hostIqns[host] = inventory.initiator!.iqn;
  }
  await call(unit, 'volume.create', { id: volume, sizeBytes: 512 * MiB });
  await call(unit, 'export.ensure', {
    iqn: volIqn,
    volumeId: volume,
    portal: { address, port: 3260 },
    acls: hosts.map((h) => ({ initiatorIqn: hostIqns[h], chap: chaps[h] })),
  });
});

afterAll(async () => {
  await labDown({ prefix });
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('host initiators (userspace: qemu-storage-daemon + FUSE + loop)', () => {
  it("reports the host's initiator, with an IQN generated into /etc/iscsi", async () => {
    const inventory = await call(hosts[0], 'node.inventory', {});
    expect(inventory.initiator).toEqual({
      backend: 'userspace',
      iqn: 'iqn.2026-11.io.dvsan.host:dvh-h1',
      mutualChap: false,
    });
    const file = await sh(hosts[0], 'cat /etc/iscsi/initiatorname.iscsi');
    expect(file.stdout).toContain('InitiatorName=iqn.2026-11.io.dvsan.host:dvh-h1\n');
    // Private per node: the other host has its own.
    expect((await sh(hosts[1], 'cat /etc/iscsi/initiatorname.iscsi')).stdout).toContain(':dvh-h2');
  });

  it('attaches on host 1 as ext4, writes 256 MiB, detaches; host 2 reads the same bytes', async () => {
    const params = attachParams(hosts[0], 'dvh-a1', {
      filesystem: { type: 'ext4', format: 'if-empty' },
      mountPoint: '/mnt/dvh-v1',
    });
    const started = Date.now();
    const attached = await call(hosts[0], 'initiator.attach', params);
    const attachMs = Date.now() - started;
    expect(attached).toMatchObject({
      attachmentId: 'dvh-a1',
      backend: 'userspace',
      mountPoint: '/mnt/dvh-v1',
      formatted: true,
      sizeBytes: 512 * MiB,
      mutualChap: false,
      persistent: false,
    });
    expect(attached.device).toMatch(/^\/dev\/loop\d+$/);
    expect(await qsdPids(hosts[0])).toEqual([attached.pid]);
    // The same request again is the same attachment; a different one under the id is refused.
    expect(await call(hosts[0], 'initiator.attach', params)).toEqual(attached);
    const clash = await failure(hosts[0], 'initiator.attach', { ...params, readOnly: true });
    expect(clash.code).toBe('conflict');

    const mounted = await sh(hosts[0], 'findmnt -n -o SOURCE,FSTYPE /mnt/dvh-v1');
    expect(mounted.stdout.trim()).toBe(`${attached.device} ext4`);
    // The loop device clears itself when the mount goes, even without a detach.
    const loop = path.basename(attached.device);
    expect((await readFile(`/sys/block/${loop}/loop/autoclear`, 'utf8')).trim()).toBe('1');
    const write = Date.now();
    const wrote = await sh(
      hosts[0],
      'head -c 268435456 /dev/urandom > /mnt/dvh-v1/data && cd /mnt/dvh-v1 && sha256sum data > data.sha256 && sync',
      120_000,
    );
    expect(wrote.code, wrote.stderr).toBe(0);
    const writeMs = Date.now() - write;
    const listed = await call(hosts[0], 'initiator.list', {});
    expect(listed.attachments).toEqual([
      expect.objectContaining({ attachmentId: 'dvh-a1', state: 'ok', error: null }),
    ]);

    expect(await call(hosts[0], 'initiator.detach', { attachmentId: 'dvh-a1' })).toEqual({
      detached: true,
      warnings: [],
    });
    await expectNothingLeft(hosts[0], ['dvh-a1']);
    // Detaching again is not an error.
    expect(await call(hosts[0], 'initiator.detach', { attachmentId: 'dvh-a1' })).toEqual({
      detached: false,
      warnings: [],
    });

    const second = await call(
      hosts[1],
      'initiator.attach',
      attachParams(hosts[1], 'dvh-a2', {
        filesystem: { type: 'ext4', format: 'never' },
        mountPoint: '/mnt/dvh-v1',
      }),
    );
    expect(second.formatted).toBe(false);
    const read = Date.now();
    const check = await sh(hosts[1], 'cd /mnt/dvh-v1 && sha256sum -c data.sha256', 120_000);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain('data: OK');
    console.log(
      `initiators: attach+mkfs ${attachMs} ms, 256 MiB write+sync ${writeMs} ms, read+verify ${Date.now() - read} ms`,
    );
    expect((await call(hosts[1], 'initiator.detach', { attachmentId: 'dvh-a2' })).detached).toBe(
      true,
    );
    await expectNothingLeft(hosts[1], ['dvh-a2']);
  });

  it('attaches read-only: the filesystem mounts and refuses writes', async () => {
    const attached = await call(
      hosts[1],
      'initiator.attach',
      attachParams(hosts[1], 'dvh-ro', {
        readOnly: true,
        filesystem: { type: 'ext4', format: 'if-empty' },
        mountPoint: '/mnt/dvh-v1',
      }),
    );
    expect(attached.formatted).toBe(false);
    const ro = await sh(hosts[1], 'cat /sys/block/$(basename ' + attached.device + ')/ro');
    expect(ro.stdout.trim()).toBe('1');
    expect((await sh(hosts[1], 'cd /mnt/dvh-v1 && sha256sum -c data.sha256')).code).toBe(0);
    const touch = await sh(hosts[1], 'touch /mnt/dvh-v1/new');
    expect(touch.code).not.toBe(0);
    expect(touch.stderr).toMatch(/Read-only/i);
    expect((await call(hosts[1], 'initiator.detach', { attachmentId: 'dvh-ro' })).detached).toBe(
      true,
    );
    await expectNothingLeft(hosts[1], ['dvh-ro']);
  });

  it('tells a wrong CHAP secret from a refused IQN, and leaves nothing behind', async () => {
    const wrongSecret = await failure(
      hosts[0],
      'initiator.attach',
      attachParams(hosts[0], 'dvh-bad', {
        chap: { ...chaps[hosts[0]], secret: 'WrongSecret12345' },
        filesystem: { type: 'ext4', format: 'if-empty' },
        mountPoint: '/mnt/dvh-v1',
      }),
    );
    expect(wrongSecret.code).toBe('login-failed');
    expect(wrongSecret.details?.reason).toBe('chap-rejected');
    expect(wrongSecret.message).toMatch(/CHAP user or secret does not match/);

    // tgt answers "target not found" for an initiator its ACL does not list, as for a target
    // it does not have: the reason says so and names the ACL as the other cause.
    const wrongIqn = await failure(
      hosts[0],
      'initiator.attach',
      attachParams(hosts[0], 'dvh-bad', { initiatorIqn: 'iqn.2026-11.io.dvsan.host:intruder' }),
    );
    expect(wrongIqn.code).toBe('login-failed');
    expect(wrongIqn.details).toMatchObject({ reason: 'target-missing', maybe: 'acl-denied' });
    expect(wrongIqn.message).toMatch(/ACL does not list iqn\.2026-11\.io\.dvsan\.host:intruder/);

    const closed = await failure(hosts[0], 'initiator.attach', {
      ...attachParams(hosts[0], 'dvh-bad'),
      target: { iqn: volIqn, portal: { address, port: 3261 } },
    });
    expect(closed.details?.reason).toBe('portal-unreachable');
    await expectNothingLeft(hosts[0], ['dvh-bad']);
    expect((await sh(hosts[0], 'ls -d /mnt/dvh-v1')).code).not.toBe(0);
  });

  it('refuses bad mount points and filesystem types with a clear message, changing nothing', async () => {
    await sh(hosts[0], 'mkdir -p /srv/dvh-full && touch /srv/dvh-full/keep');
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ mountPoint: '/srv/dvh-full' }, /is not empty/],
      [{ mountPoint: 'mnt/v1' }, /absolute, normalized path/],
      [{ mountPoint: '/mnt/../etc' }, /absolute, normalized path/],
      [{ mountPoint: '/etc/dvh' }, /system directory \/etc/],
      [{ filesystem: { type: 'btrfs', format: 'if-empty' } }, /filesystem\.type/],
    ];
    for (const [extra, message] of cases) {
      const error = await failure(
        hosts[0],
        'initiator.attach',
        attachParams(hosts[0], 'dvh-bad', {
          filesystem: { type: 'ext4', format: 'if-empty' },
          ...extra,
        }),
      );
      expect(error.code).toBe('invalid-params');
      expect(error.message).toMatch(message);
    }
    expect((await sh(hosts[0], 'ls -A /srv/dvh-full')).stdout.trim()).toBe('keep');
    await sh(hosts[0], 'rm -r /srv/dvh-full');
    await expectNothingLeft(hosts[0], ['dvh-bad']);
  });

  it("force-detaches after the unit's tgtd is killed, and says what may be lost", async () => {
    const attached = await call(
      hosts[0],
      'initiator.attach',
      attachParams(hosts[0], 'dvh-f', {
        filesystem: { type: 'ext4', format: 'if-empty' },
        mountPoint: '/mnt/dvh-v1',
      }),
    );
    expect((await sh(hosts[0], 'echo before > /mnt/dvh-v1/note && sync')).code).toBe(0);
    const tgtd = lab.nodes.find((n) => n.name === unit)!.tgtdPid!;
    process.kill(tgtd, 'SIGKILL');

    const listed = await call(hosts[0], 'initiator.list', {});
    expect(listed.attachments).toEqual([
      expect.objectContaining({ attachmentId: 'dvh-f', state: 'failed', pid: attached.pid }),
    ]);
    expect(listed.attachments[0]?.error).toMatch(/portal .* does not answer/);

    const started = Date.now();
    const detached = await call(hosts[0], 'initiator.detach', {
      attachmentId: 'dvh-f',
      force: true,
    });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(detached.detached).toBe(true);
    expect(detached.warnings.join('\n')).toMatch(
      /does not answer.*writes not yet on the unit are lost/,
    );
    await expectNothingLeft(hosts[0], ['dvh-f']);
  });
});
