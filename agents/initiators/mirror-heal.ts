// Which lost leg of a mirror to put back, decided from what md and the kernel say in sysfs, and
// the mdadm argv that does it. Pure, so the decision and the exact commands are unit-tested.
import path from 'node:path';

/** What md and the kernel say about one leg of a mirror. */
export interface LegSnapshot {
  device: string;
  /** md's `md/dev-<name>/state` ("in_sync", "faulty", ...); null when md no longer lists it. */
  member: string | null;
  /** The SCSI disk's `device/state` ("running", "transport-offline", ...); null when none. */
  scsi: string | null;
  /** The leg's attachment is still recorded on this host, on this device. */
  attached: boolean;
}

export interface ArraySnapshot {
  /** md's `sync_action`: "idle" unless a resync or recovery runs. */
  syncAction: string;
  legs: readonly LegSnapshot[];
}

export interface HealPlan {
  device: string;
  /** md still lists the device as a faulty member: take it out before putting it back. */
  remove: boolean;
}

export const isLost = (member: string | null) => member === null || /faulty/.test(member);

/**
 * The leg to re-add, or null: only when exactly one leg is lost (the other holds the data),
 * nothing resyncs already, and the lost leg's session is back (its SCSI disk runs again).
 */
export function planHeal(a: ArraySnapshot): HealPlan | null {
  if (a.syncAction !== 'idle') return null;
  const lost = a.legs.filter((l) => isLost(l.member));
  if (lost.length !== 1) return null;
  const leg = lost[0]!;
  if (!leg.attached || (leg.scsi !== null && leg.scsi !== 'running')) return null;
  return { device: leg.device, remove: leg.member !== null };
}

/** One direct 4 KiB read: the page cache must not answer for a disk that is still away. */
export const readArgs = (device: string) => [
  `if=${device}`,
  'of=/dev/null',
  'bs=4096',
  'count=1',
  'iflag=direct',
];

/** `array` is the mirror's device, /dev/md/<name>. */
export const removeArgs = (array: string, device: string) => [array, '--remove', device];

/** With the internal bitmap, a re-added leg copies only the regions written meanwhile. */
export const reAddArgs = (array: string, device: string) => [array, '--re-add', device];

/**
 * When md refuses the re-add (bitmap too old, superblock unreadable) the leg is copied whole.
 * mdadm will not --add a device whose superblock still calls it an active member ("not
 * performing --add as that would convert it in to a spare"), so that stale superblock of the
 * lost leg is cleared first; the leg's data is being overwritten by the full copy anyway.
 */
export const addArgs = (array: string, device: string) => [
  ['--zero-superblock', device],
  [array, '--add', device],
];

/** `mdadm --detail/--examine --export` print KEY=value lines; MD_UUID names the array. */
export const arrayUuidOf = (exported: string): string | null =>
  /^MD_UUID=(\S+)$/m.exec(exported)?.[1] ?? null;

/** md's sysfs name of a member device: /dev/sdc is dev-sdc. */
export const memberDir = (device: string) => `dev-${path.basename(device)}`;

/** "1234 / 5678" (sectors) from md's sync_completed, as a percentage; null when "none". */
export function syncPercent(text: string | null): number | null {
  const m = /^(\d+)\s*\/\s*(\d+)$/.exec(text?.trim() ?? '');
  if (!m || Number(m[2]) === 0) return null;
  return Math.floor((Number(m[1]) * 1000) / Number(m[2])) / 10;
}
