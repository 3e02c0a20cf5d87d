// Exports through a unit's real tgtd: the agent's export.* methods (run as `dvsan-agent rpc`
// inside the unit) against a real initiator in the host's namespace (libiscsi's tools and
// qemu's iSCSI driver), a tgtd restart that restores from conf.d, and 100 volumes in and
// out without leaving anything behind. Needs root.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exportFileName,
  parseConfig,
  parseAccounts,
  parseTargets,
} from '../../agents/targets/tgt/index.js';
import { agentMethods, type AgentMethod, type AgentResult } from '../../protocol/agent-rpc.js';
import type { Chap } from '../../protocol/volumes.js';
import {
  labDown,
  labUp,
  nodeExec,
  readLabState,
  restartTgtd,
  type LabState,
} from '../../station/lab/index.js';
import { labEnv } from '../../station/lab/run.js';
import { buildAgent } from '../unit/agents/build-agent.js';

const prefix = 'dvk';
const unit = `${prefix}-u1`;
const host = `${prefix}-h1`;
const hostIqn = 'iqn.2026-01.dev.dvsan.lab:dvk-h1';
const otherIqn = 'iqn.2026-01.dev.dvsan.lab:intruder';
const volIqn = 'iqn.2026-11.io.dvsan:dvk-u1.vol-a';
const chap = {
  user: 'dvsan-h1k7p2q9',
  secret: 'Kq7xPm2Rt9vW4yZa',
  mutualUser: 'dvsan-t-h1k7p2q9',
  mutualSecret: 'Mn3bV8cX5zL2jH6g',
};
const MiB = 1024 * 1024;

let lab: LabState;
let workDir: string;
let bundle: string;
let address: string;

interface RpcCall {
  method: AgentMethod;
  params: unknown;
}
type RpcAnswer = { result?: unknown; error?: { message: string; data?: { code: string } } };

/** One `dvsan-agent rpc` session inside the unit: every call sent at once, answers by id. */
async function rpc(calls: RpcCall[]): Promise<RpcAnswer[]> {
  const input = calls
    .map((c, id) => JSON.stringify({ jsonrpc: '2.0', id, method: c.method, params: c.params }))
    .join('\n');
  const r = await nodeExec(lab, unit, [process.execPath, bundle, 'rpc'], {
    input: input + '\n',
    timeoutMs: 60_000,
  });
  const answers: RpcAnswer[] = [];
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const msg = JSON.parse(line) as RpcAnswer & { id: number };
    answers[msg.id] = msg;
  }
  expect(answers.filter(Boolean)).toHaveLength(calls.length);
  return answers;
}

/** One call that must succeed; its result checked against the protocol's schema. */
async function call<M extends AgentMethod>(method: M, params: unknown) {
  const [answer] = await rpc([{ method, params }]);
  if (answer?.error) throw new Error(`${method}: ${answer.error.message}`);
  return agentMethods[method].result.parse(answer?.result) as AgentResult<M>;
}

const ensureParams = (volumeId: string, initiatorIqn: string, c: Chap | null) => ({
  iqn: `iqn.2026-11.io.dvsan:dvk-u1.${volumeId}`,
  volumeId,
  portal: { address, port: 3260 },
  acls: [{ initiatorIqn, chap: c }],
});

/** libiscsi's READ CAPACITY(16) from the host: CHAP (and mutual CHAP) through the environment. */
async function readCapacity(
  initiator: string,
  auth: { user?: string; secret?: string; mutualUser?: string; mutualSecret?: string },
) {
  const env: NodeJS.ProcessEnv = { ...labEnv, HOME: '/root' };
  if (auth.user) env.LIBISCSI_CHAP_USERNAME = auth.user;
  if (auth.secret) env.LIBISCSI_CHAP_PASSWORD = auth.secret;
  if (auth.mutualUser) env.LIBISCSI_CHAP_TARGET_USERNAME = auth.mutualUser;
  if (auth.mutualSecret) env.LIBISCSI_CHAP_TARGET_PASSWORD = auth.mutualSecret;
  return nodeExec(
    lab,
    host,
    ['iscsi-readcapacity16', '-i', initiator, `iscsi://${address}:3260/${volIqn}/1`],
    { env, timeoutMs: 20_000 },
  );
}

/** qemu-io on the host through qemu's iSCSI driver; the CHAP secret comes from a file. */
async function qemuIo(commands: string[]) {
  const opts = [
    'driver=iscsi',
    'transport=tcp',
    `portal=${address}:3260`,
    `target=${volIqn}`,
    'lun=1',
    `initiator-name=${hostIqn}`,
    `user=${chap.user}`,
    'password-secret=chap0',
  ].join(',');
  return nodeExec(
    lab,
    host,
    [
      'qemu-io',
      '--object',
      'secret,id=chap0,file=/root/chap-secret',
      '--image-opts',
      opts,
      ...commands.flatMap((c) => ['-c', c]),
    ],
    { timeoutMs: 30_000 },
  );
}

async function tgtShow() {
  const port = String(lab.nodes.find((n) => n.name === unit)?.tgtdPort);
  const show = (mode: string) =>
    nodeExec(lab, unit, ['tgtadm', '--lld', 'iscsi', '-C', port, '--op', 'show', '--mode', mode]);
  return {
    targets: parseTargets((await show('target')).stdout),
    accounts: parseAccounts((await show('account')).stdout),
    // One file per export in conf.d; all of them together read as one config.
    config: parseConfig(
      (
        await nodeExec(lab, unit, [
          'sh',
          '-c',
          'cat /etc/tgt/conf.d/dvsan-*.conf 2>/dev/null || true',
        ])
      ).stdout,
    ),
  };
}

beforeAll(async () => {
  await labDown({ prefix });
  workDir = await mkdtemp(path.join(tmpdir(), 'dvsan-exports-lab-'));
  [lab, bundle] = await Promise.all([
    labUp({ units: 1, hosts: 1, prefix, subnet: '10.99.7' }),
    buildAgent(workDir),
  ]);
  address = lab.nodes.find((n) => n.name === unit)!.address;
  // The host's CHAP secret for qemu, owner-only in its private /root, no trailing newline.
  await nodeExec(lab, host, ['dd', 'of=/root/chap-secret', 'status=none'], { input: chap.secret });
});

afterAll(async () => {
  await labDown({ prefix });
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe("exports through the unit's tgtd", () => {
  it("exports a volume to the host's IQN with mutual CHAP; the host writes and reads it back", async () => {
    expect((await call('agent.hello', {})).capabilities).toEqual(
      expect.arrayContaining(['export.ensure', 'export.remove', 'export.list']),
    );
    await call('volume.create', { id: 'vol-a', sizeBytes: 64 * MiB });
    const info = await call('export.ensure', ensureParams('vol-a', hostIqn, chap));
    expect(info).toEqual({
      iqn: volIqn,
      backing: '/var/lib/dvsan/data/volumes/vol-a.img',
      sizeBytes: 64 * MiB,
      portal: { address, port: 3260 },
      acls: [{ initiatorIqn: hostIqn, chapUser: chap.user, mutual: true }],
    });
    // The same call again is a no-op with the same answer.
    expect(await call('export.ensure', ensureParams('vol-a', hostIqn, chap))).toEqual(info);

    const { targets, config } = await tgtShow();
    expect(targets).toHaveLength(1);
    expect(targets[0]).toMatchObject({
      iqn: volIqn,
      initiatorNames: [hostIqn],
      addressRules: [],
      incomingUsers: [chap.user],
      outgoingUser: chap.mutualUser,
    });
    expect(config).toEqual([
      { iqn: volIqn, backing: info.backing, acls: [{ initiatorIqn: hostIqn, chap }] },
    ]);
    const mode = await nodeExec(lab, unit, [
      'stat',
      '-c',
      '%a',
      `/etc/tgt/conf.d/${exportFileName(volIqn)}`,
    ]);
    expect(mode.stdout.trim()).toBe('600');

    const capacity = await readCapacity(hostIqn, chap);
    expect(capacity.code, capacity.stderr).toBe(0);
    expect(capacity.stdout).toContain(`Total size:${64 * MiB}`);

    const io = await qemuIo(['write -P 0xa5 1M 256k', 'read -P 0xa5 1M 256k']);
    expect(io.code, io.stderr).toBe(0);
    expect(io.stdout).toContain('wrote 262144/262144 bytes at offset 1048576');
    expect(io.stdout).toContain('read 262144/262144 bytes at offset 1048576');
    expect(io.stdout + io.stderr).not.toMatch(/Pattern verification failed|failed/i);
  });

  it('refuses the wrong IQN, the wrong secret, no CHAP, and a target that fails mutual CHAP', async () => {
    const wrongIqn = await readCapacity(otherIqn, chap);
    expect(wrongIqn.code).not.toBe(0);
    expect(wrongIqn.stderr).toMatch(/Target not found/);
    const wrongSecret = await readCapacity(hostIqn, { ...chap, secret: 'WrongSecret12345' });
    expect(wrongSecret.code).not.toBe(0);
    expect(wrongSecret.stderr).toMatch(/Authentication failure/);
    const noChap = await readCapacity(hostIqn, {});
    expect(noChap.code).not.toBe(0);
    const wrongMutual = await readCapacity(hostIqn, { ...chap, mutualSecret: 'NotTheTarget1234' });
    expect(wrongMutual.code).not.toBe(0);
    expect(wrongMutual.stderr).toMatch(/CHAP_R/);
  });

  it('brings the export back after a tgtd restart, from conf.d, and the data with it', async () => {
    const before = lab.nodes.find((n) => n.name === unit)!.tgtdPid;
    await restartTgtd(lab, unit);
    const after = (await readLabState(prefix)).nodes.find((n) => n.name === unit)!.tgtdPid;
    expect(after).not.toBe(before);

    const io = await qemuIo(['read -P 0xa5 1M 256k']);
    expect(io.code, io.stderr).toBe(0);
    expect(io.stdout).toContain('read 262144/262144 bytes at offset 1048576');
    expect(io.stdout + io.stderr).not.toMatch(/Pattern verification failed/);
    // tgt-admin binds "ALL" to a block without initiator-address; the export file's never-matching
    // address keeps the restored target deny-by-default.
    const restored = await tgtShow();
    expect(restored.targets.map((t) => [t.iqn, t.addressRules, t.initiatorNames])).toEqual([
      [volIqn, ['255.255.255.255'], [hostIqn]],
    ]);
    expect((await readCapacity(otherIqn, chap)).code).not.toBe(0);
    expect((await readCapacity(hostIqn, { ...chap, secret: 'WrongSecret12345' })).code).not.toBe(0);
    expect(await call('export.list', {})).toEqual({
      backend: 'tgt',
      exports: [
        {
          iqn: volIqn,
          backing: '/var/lib/dvsan/data/volumes/vol-a.img',
          sizeBytes: 64 * MiB,
          portal: { address, port: 3260 },
          acls: [{ initiatorIqn: hostIqn, chapUser: chap.user, mutual: true }],
        },
      ],
    });
  });

  it('exports and removes 100 volumes, leaving no orphan target, LUN, ACL or account', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `bulk-${String(i).padStart(3, '0')}`);
    const created = await rpc(
      ids.map((id) => ({ method: 'volume.create', params: { id, sizeBytes: MiB } })),
    );
    expect(created.filter((a) => a.error)).toEqual([]);
    // Two hosts, their own CHAP users; sent at once, so the agent's lock orders them.
    const ensured = await rpc(
      ids.map((id, i) => ({
        method: 'export.ensure',
        params: ensureParams(
          id,
          i % 2 ? hostIqn : otherIqn,
          i % 2 ? chap : { user: 'dvsan-other', secret: 'Other0Secret0123' },
        ),
      })),
    );
    expect(ensured.filter((a) => a.error)).toEqual([]);
    const mid = await tgtShow();
    expect(mid.targets).toHaveLength(101);
    expect(new Set(mid.targets.map((t) => t.tid)).size).toBe(101);
    expect(mid.config).toHaveLength(101);
    expect(mid.accounts.sort()).toEqual([chap.user, chap.mutualUser, 'dvsan-other'].sort());
    // volume.delete asks the export side, and refuses an exported volume.
    const [refused] = await rpc([{ method: 'volume.delete', params: { id: ids[0] } }]);
    expect(refused?.error?.data?.code).toBe('conflict');

    const removed = await rpc(
      ids.map((id) => ({
        method: 'export.remove',
        params: { iqn: `iqn.2026-11.io.dvsan:dvk-u1.${id}` },
      })),
    );
    expect(removed.map((a) => a.result)).toEqual(ids.map(() => ({ removed: true })));
    const deleted = await rpc(ids.map((id) => ({ method: 'volume.delete', params: { id } })));
    expect(deleted.filter((a) => a.error)).toEqual([]);

    const left = await tgtShow();
    expect(left.targets.map((t) => t.iqn)).toEqual([volIqn]);
    expect(left.targets[0]?.luns.map((l) => l.lun)).toEqual([0, 1]);
    expect(left.targets[0]?.initiatorNames).toEqual([hostIqn]);
    expect(left.accounts.sort()).toEqual([chap.user, chap.mutualUser].sort());
    expect(left.config.map((r) => r.iqn)).toEqual([volIqn]);

    // And the last one: nothing at all afterwards.
    expect(await call('export.remove', { iqn: volIqn })).toEqual({ removed: true });
    const none = await tgtShow();
    expect(none.targets).toEqual([]);
    expect(none.accounts).toEqual([]);
    expect(none.config).toEqual([]);
    expect(await call('export.list', {})).toEqual({ backend: 'tgt', exports: [] });
  });
});
