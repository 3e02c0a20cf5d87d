// Persistent mounts on systemd hosts: a .mount unit per attachment, ordered after the network
// (iSCSI needs it), so the filesystem comes back at boot once open-iscsi has logged in again.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { DvsanError } from '../../protocol/errors.js';
import { writeFileAtomic } from '../common/atomic-file.js';
import { firstLine } from '../volumes/command.js';
import type { Run } from './command.js';
import { unmount } from './filesystem.js';
import { mountPoints } from './processes.js';

/** systemd's path escaping (systemd-escape --path): the unit name a mount point must have. */
export function escapeMountPath(mountPoint: string): string {
  const trimmed = mountPoint
    .split('/')
    .filter((part) => part !== '')
    .join('/');
  if (trimmed === '') return '-';
  // Escaping works on UTF-8 bytes: 'ü' becomes \xc3\xbc, as systemd writes it.
  const bytes = Buffer.from(trimmed, 'utf8');
  let out = '';
  bytes.forEach((byte, i) => {
    const ch = String.fromCharCode(byte);
    if (ch === '/') out += '-';
    else if (/[A-Za-z0-9:_]/.test(ch) || (ch === '.' && i > 0)) out += ch;
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  });
  return out;
}

export function mountUnitName(mountPoint: string): string {
  return `${escapeMountPath(mountPoint)}.mount`;
}

export interface MountUnitSpec {
  attachmentId: string;
  /** A name that survives reboots: /dev/disk/by-uuid/<uuid>. */
  what: string;
  where: string;
  type: string;
  readOnly: boolean;
}

export function renderMountUnit(spec: MountUnitSpec): string {
  // eslint-disable-next-line no-control-regex
  if ([spec.what, spec.where].some((v) => /[\x00-\x1f\x7f]/.test(v)))
    throw new DvsanError('invalid-params', 'mount unit paths must not contain control characters');
  return (
    `# Written by dvsan-agent for attachment ${spec.attachmentId}; removed on detach.\n` +
    '[Unit]\n' +
    `Description=dvsan volume ${spec.attachmentId}\n` +
    'Wants=network-online.target\n' +
    'After=network-online.target iscsi.service\n' +
    '\n' +
    '[Mount]\n' +
    `What=${spec.what}\n` +
    `Where=${spec.where}\n` +
    `Type=${spec.type}\n` +
    `Options=_netdev${spec.readOnly ? ',ro' : ''}\n` +
    '\n' +
    '[Install]\n' +
    'WantedBy=remote-fs.target\n'
  );
}

async function systemctl(run: Run, args: string[]): Promise<void> {
  const r = await run('systemctl', args, { timeoutMs: 30_000 });
  if (r.code !== 0)
    throw new DvsanError(
      'agent-error',
      `systemctl ${args.join(' ')} failed: ${firstLine(r.stderr) || `exit ${r.code}`}`,
    );
}

/** Writes and enables the unit (the filesystem is already mounted; this is for boot). */
export async function installMountUnit(
  run: Run,
  unitDir: string,
  spec: MountUnitSpec,
): Promise<string> {
  const name = mountUnitName(spec.where);
  await writeFileAtomic(path.join(unitDir, name), renderMountUnit(spec), 0o644);
  await systemctl(run, ['daemon-reload']);
  await systemctl(run, ['enable', name]);
  return name;
}

/** A .mount unit naming the filesystem by UUID, which survives a new device name at boot. */
export async function installUuidMountUnit(
  run: Run,
  unitDir: string,
  device: string,
  spec: Omit<MountUnitSpec, 'what'>,
): Promise<string> {
  const r = await run('blkid', ['-s', 'UUID', '-o', 'value', device], { timeoutMs: 30_000 });
  const uuid = r.stdout.trim();
  if (r.code !== 0 || !/^[0-9a-fA-F-]{8,64}$/.test(uuid))
    throw new DvsanError(
      'agent-error',
      `cannot read the filesystem UUID of ${device} for a persistent mount`,
    );
  return installMountUnit(run, unitDir, { ...spec, what: `/dev/disk/by-uuid/${uuid}` });
}

/** Disables and removes the unit; a unit already gone is not an error. */
export async function removeMountUnit(run: Run, unitDir: string, name: string): Promise<void> {
  const file = path.join(unitDir, name);
  if ((await readFile(file, 'utf8').catch(() => null)) === null) return;
  await run('systemctl', ['disable', name], { timeoutMs: 30_000 });
  await rm(file, { force: true });
  await run('systemctl', ['daemon-reload'], { timeoutMs: 30_000 });
}

/**
 * Before a detach: the persistent mount unit removed and the filesystem unmounted. Without
 * force a busy filesystem stops the detach; with force it is detached lazily (never waiting on
 * a flush to a dead unit) and the words say what that means.
 */
export async function takeDownMount(
  run: Run,
  unitDir: string,
  mountUnit: string | null,
  point: string | null,
  force: boolean,
): Promise<string[]> {
  const mounted = point !== null && (await mountPoints()).has(point);
  const failed = mounted ? await unmount(run, point, force) : null;
  // A refused unmount keeps its unit, so the mount still comes back at boot.
  if (failed && !force)
    throw new DvsanError(
      'agent-error',
      `cannot unmount ${point}: ${failed}. Stop what uses it, or detach with force (pending writes may be lost)`,
      { mountPoint: point },
    );
  if (mountUnit) await removeMountUnit(run, unitDir, mountUnit);
  if (failed) return [`could not unmount ${point}: ${failed}`];
  return force && point
    ? [`${point} was unmounted lazily: programs still using it get I/O errors`]
    : [];
}
