// The VM tier through the StationApi: a qemu unit with Debian's kernel exports an LVM volume
// through real LIO, a qemu host attaches it with open-iscsi; the saved LIO config restores;
// a wrong IQN and a wrong CHAP secret are refused by the kernel target. Needs root and qemu.
import { build } from 'esbuild';
import { existsSync, mkdtempSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
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
  restartTgtd,
  stopTgtd,
  type LabState,
} from '../../station/lab/index.js';
import { createLogger } from '../../station/log.js';
import { within } from './within.js';

const bundlePath = join(import.meta.dirname, '../../dist/agent/dvsan-agent.cjs');
const prefix = 'dvm';
const unit = `${prefix}-vu1`;
const host = `${prefix}-vh1`;
/** A namespace unit (tgt), the second leg of the mirror. */
const nsUnit = `${prefix}-u1`;
/** A namespace host: this kernel has no md, so it cannot mirror. */
const nsHost = `${prefix}-h1`;
const MiB = 1024 * 1024;
let lab: LabState;
let station: Station;
let client: StationClient;
const ids: Record<string, string> = {};

const sh = (node: string, script: string, ...args: string[]) =>
  nodeExec(lab, node, ['sh', '-c', script, 'sh', ...args], { timeoutMs: 120_000 });

/** Pids of qemu processes whose argv names `dir`. */
async function qemusOf(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (argv.startsWith('qemu-system') && argv.includes(dir)) pids.push(Number(entry));
  }
  return pids;
}

/** Bundles one of the tools next to this test for a guest's node. */
async function bundle(file: string): Promise<string> {
  const out = await build({
    entryPoints: [join(import.meta.dirname, file)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    write: false,
  });
  return out.outputFiles[0]!.text;
}

/** The agent's LIO code as a tool inside the unit (test/lab/vm-lio-tool.ts). */
async function lioTool(command: string): Promise<string> {
  const r = await nodeExec(lab, unit, ['node', '/root/vm-lio-tool.cjs', command]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

/** Logs in from a new iSCSI interface with the given initiator name and CHAP secret. */
const intruderLogin = (iface: string, initiator: string, user: string, secret: string) =>
  sh(
    host,
    `iscsiadm -m iface -I "$1" -o new >/dev/null
     iscsiadm -m iface -I "$1" -o update -n iface.initiatorname -v "$2" >/dev/null
     iscsiadm -m discovery -t st -p "$3" -I "$1" >/dev/null
     n="iscsiadm -m node -T $4 -p $3 -I $1"
     $n -o update -n node.session.auth.authmethod -v CHAP
     $n -o update -n node.session.auth.username -v "$5"
     $n -o update -n node.session.auth.password -v "$6"
     $n -o update -n node.session.initial_login_retry_max -v 1
     $n --login; echo "exit=$?"
     $n -o delete; iscsiadm -m iface -I "$1" -o delete`,
    iface,
    initiator,
    lab.nodes.find((n) => n.name === unit)!.address,
    volumeIqn,
    user,
    secret,
  );
let volumeIqn = '';

async function succeeded(start: Promise<{ taskId: string }>): Promise<Task> {
  const { taskId } = await start;
  const task = await waitForTask(client, taskId, () => undefined, 180_000);
  expect(task.error?.message ?? null).toBeNull();
  expect(task.state).toBe('succeeded');
  return task;
}

async function hostView(name: string): Promise<HostView> {
  return (await client.call('host/list', {})).find((h) => h.node.name === name)!;
}

beforeAll(async () => {
  if (!existsSync(bundlePath)) throw new Error('build the agent first: node build/build.mjs agent');
  await labDown({ prefix });
  const imageCache = join(import.meta.dirname, '../../.lab/vm-images');
  const subnet = '10.99.28';
  // A guest that misses its time limit: lab up stops it, shows its console and leaves nothing.
  await expect(
    labUp(
      { units: 0, hosts: 0, vmUnits: 1, vmHosts: 0, prefix, subnet },
      { imageCache, vmBootLimitMs: 2000 },
    ),
  ).rejects.toThrow(
    /dvm-vu1 did not answer on .* within 2 s; it was stopped\. The end of its console log:/,
  );
  expect(await qemusOf('/var/lib/dvsan-lab/dvm/')).toEqual([]);
  expect(existsSync('/var/lib/dvsan-lab/dvm')).toBe(false);

  const started = Date.now();
  // The image is cached inside the working tree (.lab is git-ignored), so CI reuses it.
  lab = await labUp({ units: 1, hosts: 1, vmUnits: 1, vmHosts: 1, prefix, subnet }, { imageCache });
  const accel = lab.nodes.find((n) => n.vm)?.vm?.accel;
  console.log(`vm lab up in ${Date.now() - started} ms (${accel})`);
  station = await createStation({
    dataDir: mkdtempSync(join(tmpdir(), 'dvsan-vm-')),
    agentBundlePath: bundlePath,
    log: createLogger('silent'),
    announce: { listen: { host: '0.0.0.0', port: 0 } },
  });
  client = new StationClient(station.transport);
  for (const name of [unit, host, nsUnit, nsHost]) {
    const n = lab.nodes.find((x) => x.name === name)!;
    ids[name] = (
      await client.call('node/add', {
        name,
        role: n.role,
        address: n.address,
        auth: { kind: 'key', keyPath: lab.keyPath },
        acceptFingerprint: n.hostKeyFingerprint,
      })
    ).id;
  }
  const deployed = Date.now();
  const { taskId } = await client.call('node/deploy', {
    ids: [ids[unit]!, ids[host]!, ids[nsUnit]!, ids[nsHost]!],
  });
  expect((await waitForTask(client, taskId, () => undefined, 120_000)).error).toBeNull();
  await within(60_000, async () => {
    const nodes = await client.call('node/list', {});
    return [unit, host, nsUnit, nsHost].every(
      (name) => nodes.find((n) => n.name === name)?.health === 'up',
    );
  });
  console.log(`agents deployed and up in ${Date.now() - deployed} ms`);
  const put = await nodeExec(lab, unit, ['sh', '-c', 'cat > /root/vm-lio-tool.cjs'], {
    input: await bundle('vm-lio-tool.ts'),
  });
  expect(put.code).toBe(0);
}, 300_000);

afterAll(async () => {
  await station?.close();
  const report = await labDown({ prefix });
  expect(report.problems).toEqual([]);
});

describe('VM tier', () => {
  it('exports an LVM volume through LIO and attaches it with open-iscsi', async () => {
    // The unit's agent reports an LVM pool (VG dvsan on the guest's data disk) and LIO.
    await within(90_000, async () =>
      (await client.call('pool/get', {})).units.some(
        (u) => u.name === unit && u.pools.some((p) => p.id === 'lvm:dvsan'),
      ),
    );
    const v = await client.call('volume/create', {
      name: 'vmdata',
      sizeBytes: 64 * MiB,
      unitId: ids[unit]!,
    });
    expect(v.pool).toBe('lvm:dvsan');
    await succeeded(
      client.call('host/attach', {
        volumeId: v.id,
        hostId: ids[host]!,
        filesystem: 'ext4',
        mountPoint: '/mnt/v',
      }),
    );
    const a = (await hostView(host)).attachments.find((x) => x.volumeName === 'vmdata')!;
    expect(a.backend).toBe('open-iscsi');
    expect(a.device).toMatch(/^\/dev\/sd[a-z]+$/);
    const written = await sh(
      host,
      'head -c 8388608 /dev/urandom > /mnt/v/data && sync && sha256sum /mnt/v/data | cut -d" " -f1',
    );
    expect(written.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    await succeeded(client.call('host/detach', { attachmentId: a.id }));
    expect((await sh(host, 'iscsiadm -m session 2>&1; true')).stdout).toContain('No active');
    await succeeded(
      client.call('host/attach', {
        volumeId: v.id,
        hostId: ids[host]!,
        filesystem: 'ext4',
        mountPoint: '/mnt/v',
      }),
    );
    const read = await sh(host, 'sha256sum /mnt/v/data | cut -d" " -f1');
    expect(read.stdout.trim()).toBe(written.stdout.trim());
    volumeIqn = v.iqn;
    // CHAP went into the node record file (root only, where the agent looks for it), never
    // through iscsiadm's argv.
    const record = await sh(
      host,
      'f=$(find /etc/iscsi/nodes/"$1" -type f); echo "$f"; stat -c %a "$f"; grep -cE "^node.session.auth.password(_in)? = " "$f"',
      v.iqn,
    );
    expect(record.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^/etc/iscsi/nodes/${v.iqn}/10\\.99\\.28\\.\\d+,3260(,\\d+/default)?$`),
      ),
      '600',
      '2',
    ]);

    // What the kernel holds: one ACL, for this host's IQN, with CHAP on; the LV as iblock.
    const hostIqn = (
      await sh(host, 'sed -n "s/^InitiatorName=//p" /etc/iscsi/initiatorname.iscsi')
    ).stdout.trim();
    const tpg = `/sys/kernel/config/target/iscsi/${v.iqn}/tpgt_1`;
    const kernel = await sh(
      unit,
      'ls "$1/acls"; cat "$1/attrib/authentication" "$1/attrib/generate_node_acls"; ls -d "$1"/lun/lun_1; cat /sys/kernel/config/target/core/iblock_*/*/udev_path',
      tpg,
    );
    expect(kernel.stdout.trim().split('\n')).toEqual([
      hostIqn,
      '1',
      '0',
      `${tpg}/lun/lun_1`,
      expect.stringMatching(/^\/dev\/dvsan\/dvsan-/),
    ]);
  });

  it('refuses a wrong initiator IQN and a wrong CHAP secret at the LIO target', async () => {
    const tpg = `/sys/kernel/config/target/iscsi/${volumeIqn}/tpgt_1`;
    const hostIqn = (
      await sh(host, 'sed -n "s/^InitiatorName=//p" /etc/iscsi/initiatorname.iscsi')
    ).stdout.trim();
    const user = (await sh(unit, 'cat "$1/acls/$2/auth/userid"', tpg, hostIqn)).stdout.trim();
    expect(user).not.toBe('');
    const wrongIqn = await intruderLogin(
      'wrongiqn',
      'iqn.2026-11.io.dvsan.host:intruder',
      user,
      'NotTheSecret123',
    );
    expect(wrongIqn.stdout).toMatch(/exit=(19|24)/);
    const wrongChap = await intruderLogin('wrongchap', hostIqn, user, 'NotTheSecret123');
    expect(wrongChap.stdout).toMatch(/exit=24/);
    // Only the station's own session is there.
    const sessions = (await sh(host, 'iscsiadm -m session')).stdout.trim().split('\n');
    expect(sessions).toHaveLength(1);
  });

  it('keeps saveconfig.json equal to configfs, and a cleared target restores from it', async () => {
    const saved = JSON.parse(await lioTool('saved')) as unknown;
    expect(JSON.parse(await lioTool('dump'))).toEqual(saved);
    await lioTool('clear');
    expect(
      (await sh(unit, 'ls /sys/kernel/config/target/iscsi | grep -c "^iqn" || true')).stdout.trim(),
    ).toBe('0');
    await lioTool('restore');
    expect(JSON.parse(await lioTool('dump'))).toEqual(saved);
    // The host logs in again: detach and attach through the station, and the data is there.
    const a = (await hostView(host)).attachments.find((x) => x.volumeName === 'vmdata')!;
    await succeeded(client.call('host/detach', { attachmentId: a.id }));
    await succeeded(
      client.call('host/attach', {
        volumeId: a.volumeId,
        hostId: ids[host]!,
        filesystem: 'ext4',
        mountPoint: '/mnt/v',
      }),
    );
    expect((await sh(host, 'test -s /mnt/v/data && echo there')).stdout.trim()).toBe('there');
  });

  it('refuses a mirrored volume on a host without md, and makes nothing', async () => {
    const before = (await client.call('volume/list', {})).length;
    await expect(
      client.call('host/assign', {
        hostId: ids[nsHost]!,
        name: 'nomirror',
        sizeBytes: 16 * MiB,
        mirrored: true,
      }),
    ).rejects.toThrow(
      /dvm-h1 cannot hold a mirrored volume: this host cannot mirror volumes: mdadm is not installed \(install the Debian package mdadm\); the kernel has no md RAID1/,
    );
    expect((await client.call('volume/list', {})).length).toBe(before);
    // The agents' inventories say so too.
    const nodes = await client.call('node/list', {});
    expect(nodes.find((n) => n.name === nsHost)!.inventory?.mirror?.available).toBe(false);
    expect(nodes.find((n) => n.name === host)!.inventory?.mirror).toEqual({
      available: true,
      missing: null,
    });
    const view = await hostView(nsHost);
    expect(view.mirrors).toEqual([]);
    expect(view.attachments).toEqual([]);
    expect((await client.call('task/list', {})).filter((t) => t.kind === 'host.assign')).toEqual(
      [],
    );
  });

  it('assigns a mirrored volume over a VM unit and a namespace unit, and survives losing one', async () => {
    const started = Date.now();
    await succeeded(
      client.call('host/assign', {
        hostId: ids[host]!,
        name: 'mirr',
        sizeBytes: 64 * MiB,
        unitId: ids[unit]!,
        mirrored: true,
        filesystem: 'ext4',
        mountPoint: '/mnt/m',
      }),
    );
    console.log(`mirrored assign took ${Date.now() - started} ms`);
    const view = await hostView(host);
    const m = view.mirrors!.find((x) => x.name === 'mirr')!;
    expect(m).toMatchObject({ state: 'whole', device: '/dev/md/mirr', mountPoint: '/mnt/m' });
    expect(m.legs.map((l) => l.unitName).sort()).toEqual([nsUnit, unit].sort());
    const legs = view.attachments.filter((a) => a.mirrorId === m.id);
    expect(legs.map((a) => a.volumeName).sort()).toEqual(['mirr-a', 'mirr-b']);
    const nsLeg = legs.find((a) => a.unitName === nsUnit)!;
    // Both legs' sessions give up on a dead unit after 5 s, not open-iscsi's default 120 s.
    const timeouts = await sh(
      host,
      'for s in /sys/class/iscsi_session/session*; do case "$(cat $s/targetname)" in *.mirr-[ab]) cat $s/recovery_tmo;; esac; done',
    );
    expect(timeouts.stdout.trim().split('\n')).toEqual(['5', '5']);
    const written = await sh(
      host,
      'head -c 4194304 /dev/urandom > /mnt/m/before && sync && sha256sum /mnt/m/before | cut -d" " -f1',
    );
    expect(written.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);

    let afterSum = '';
    await stopTgtd(lab, nsUnit);
    try {
      const lost = Date.now();
      const after = await sh(
        host,
        'head -c 4194304 /dev/urandom > /mnt/m/after && sync && echo 3 > /proc/sys/vm/drop_caches && sha256sum /mnt/m/before /mnt/m/after | cut -d" " -f1',
      );
      const sums = after.stdout.trim().split('\n');
      expect(sums[0]).toBe(written.stdout.trim());
      afterSum = sums[1] ?? '';
      expect(afterSum).toMatch(/^[0-9a-f]{64}$/);
      await within(60_000, async () => {
        const now = (await hostView(host)).mirrors?.find((x) => x.id === m.id);
        return (
          now?.state === 'degraded' && now.legs.some((l) => l.unitName === nsUnit && l.missing)
        );
      });
      console.log(`station saw the mirror degraded ${Date.now() - lost} ms after the unit stopped`);
      const events = await client.call('event/list', { limit: 50 });
      const warned = events.find((e) => e.kind === 'host.mirror' && e.severity === 'warning')!;
      expect(warned.message).toMatch(
        new RegExp(
          `^${host}: mirror mirr is degraded: volume mirr-b \\(on ${nsUnit}\\) is missing`,
        ),
      );
    } finally {
      // tgt-admin -e restores the unit's exports from its conf.d; the unit's agent stayed up,
      // so the station has nothing to repair. The leg's session logs in again by itself.
      await restartTgtd(lab, nsUnit);
    }
    const back = Date.now();
    // The host's daemon re-adds the leg; md copies what the bitmap says changed meanwhile.
    await within(90_000, async () => {
      const now = (await hostView(host)).mirrors?.find((x) => x.id === m.id);
      return now?.state === 'whole' && now.legs.every((l) => !l.missing);
    });
    console.log(`mirror whole again ${Date.now() - back} ms after the unit's tgtd came back`);
    const healed = await client.call('event/list', { limit: 50 });
    expect(healed.find((e) => e.kind === 'host.mirror' && e.severity === 'info')?.message).toBe(
      `${host}: mirror mirr is whole again`,
    );
    // md agrees, and a check pass that compares both legs block by block finds no difference:
    // what was written while degraded reached the re-added leg.
    const checked = await sh(
      host,
      `md=/sys/block/$(basename "$(readlink -f /dev/md/mirr)")/md
       cat $md/degraded; for d in $md/dev-*; do cat $d/state; done
       echo check > $md/sync_action; i=0
       while [ "$(cat $md/sync_action)" != idle ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
       cat $md/sync_action $md/mismatch_cnt
       echo 3 > /proc/sys/vm/drop_caches; sha256sum /mnt/m/before /mnt/m/after | cut -d" " -f1`,
    );
    expect(checked.stdout.trim().split('\n')).toEqual([
      '0',
      'in_sync',
      'in_sync',
      'idle',
      '0',
      written.stdout.trim(),
      afterSum,
    ]);
    console.log(`legs compared equal ${Date.now() - back} ms after the unit came back`);
    // The host's daemon did it, with a re-add (the bitmap), not a whole copy.
    const healedBy = await sh(
      host,
      'grep -o "mirror leg [a-z-]*; md resyncs it" /run/dvsan/daemon.log',
    );
    expect(healedBy.stdout.trim()).toBe('mirror leg re-added; md resyncs it');

    // One detach of either leg takes the whole mirror away; no force needed, both legs are up.
    await succeeded(client.call('host/detach', { attachmentId: nsLeg.id, force: false }));
    const gone = await hostView(host);
    expect(gone.mirrors).toEqual([]);
    expect(gone.attachments.filter((a) => a.mirrorId)).toEqual([]);
    const left = await sh(
      host,
      'grep -c "^md" /proc/mdstat; iscsiadm -m session 2>&1 | grep -c "mirr-[ab]"; grep -c " /mnt/m " /proc/mounts; true',
    );
    expect(left.stdout.trim().split('\n')).toEqual(['0', '0', '0']);
  });
});
