// The dvsan side of the I/O benchmark: volumes attached with `host/attach` (the raw loop device,
// no filesystem), and the facts the by-hand path needs to log in to the same target as the
// same host: the host's initiator name and the CHAP account the unit's export holds for it.
import { readdir, readFile } from 'node:fs/promises';
import { parseInitiatorName, hostIqnFor } from '../../agents/initiators/host-iqn.js';
import { parseConfig } from '../../agents/targets/tgt/config.js';
import type { StationClient } from '../../protocol/index.js';
import { nodeExec, type LabState } from '../../station/lab/index.js';
import type { UndoStack } from '../common/run.js';
import { taskDone } from '../common/station.js';

export interface DvsanAttachment {
  attachmentId: string;
  host: string;
  device: string;
  detach: () => Promise<void>;
}

/** The name the host's agent logs in with (it writes open-iscsi's file at deploy). */
export async function hostIqn(lab: LabState, host: string): Promise<string> {
  const r = await nodeExec(lab, host, ['cat', '/etc/iscsi/initiatorname.iscsi']);
  return (r.code === 0 ? parseInitiatorName(r.stdout) : null) ?? hostIqnFor(host);
}

/** The CHAP account the unit's export of `targetIqn` holds for `initiatorIqn` (conf.d). */
export async function chapOf(
  lab: LabState,
  unit: string,
  targetIqn: string,
  initiatorIqn: string,
): Promise<{ user: string; secret: string } | null> {
  const r = await nodeExec(lab, unit, [
    'sh',
    '-c',
    'cat /etc/tgt/conf.d/dvsan-*.conf 2>/dev/null || true',
  ]);
  const record = parseConfig(r.stdout).find((x) => x.iqn === targetIqn);
  if (!record) throw new Error(`${unit} has no export file for ${targetIqn}`);
  const acl = record.acls.find((a) => a.initiatorIqn === initiatorIqn);
  if (!acl) throw new Error(`the export of ${targetIqn} on ${unit} does not list ${initiatorIqn}`);
  return acl.chap ? { user: acl.chap.user, secret: acl.chap.secret } : null;
}

export async function attachWithDvsan(
  client: StationClient,
  volumeId: string,
  volumeName: string,
  hostId: string,
  host: string,
  undo: UndoStack,
): Promise<DvsanAttachment> {
  await taskDone(client, client.call('host/attach', { volumeId, hostId }), `attach ${volumeName}`);
  const view = (await client.call('host/list', {})).find((h) => h.node.id === hostId);
  const a = view?.attachments.find((x) => x.volumeId === volumeId);
  if (!a?.device) throw new Error(`${volumeName} attached to ${host} but has no device`);
  const detach = undo.push(`dvsan attachment of ${volumeName} on ${host}`, () =>
    taskDone(client, client.call('host/detach', { attachmentId: a.id }), `detach ${volumeName}`),
  );
  return { attachmentId: a.id, host, device: a.device, detach };
}

/**
 * The argv of the qemu-storage-daemon logged in to `targetIqn` as `initiatorIqn` (the lab
 * shares one pid namespace, so /proc here sees the hosts' processes), with secrets and
 * per-attachment paths shown as placeholders, to compare with the by-hand argv.
 */
export async function qsdCommandOf(
  targetIqn: string,
  initiatorIqn: string,
): Promise<string[] | null> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const raw = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const argv = raw.split('\0').filter((a) => a !== '');
    if (
      argv[0]?.endsWith('qemu-storage-daemon') &&
      argv.some((a) => a.includes(`target=${targetIqn},`)) &&
      argv.some((a) => a.includes(`initiator-name=${initiatorIqn}`))
    )
      return normalizeQsdArgv(argv);
  }
  return null;
}

/** Hides what differs between two attachments of the same target: paths, ids, secrets. */
export function normalizeQsdArgv(argv: string[]): string[] {
  return argv.map((a, i) =>
    i === 0
      ? a.replace(/^.*\//, '')
      : a
          .replace(/(password|secret)=[^,]*/g, '$1=…')
          .replace(/(file|mountpoint)=[^,]*/g, '$1=…')
          .replace(/^\/\S+$/, '…'),
  );
}
