import { execFile } from 'node:child_process';
import type { Disk } from '../../protocol/inventory.js';

export const lsblkArgs = ['-J', '-b', '-o', 'NAME,SIZE,TYPE,MODEL,MOUNTPOINT'];

/**
 * Turns `lsblk -J -b` output into a flat disk list: children (partitions, LVs, md arrays)
 * follow their parent. A device listed under two parents (a RAID member's array) appears once.
 * Entries missing a name are skipped rather than failing the whole inventory.
 */
export function parseLsblk(json: string): Disk[] {
  const doc = JSON.parse(json) as { blockdevices?: unknown };
  const disks: Disk[] = [];
  const seen = new Set<string>();
  const visit = (devices: unknown): void => {
    if (!Array.isArray(devices)) return;
    for (const device of devices as Record<string, unknown>[]) {
      if (typeof device !== 'object' || device === null) continue;
      const disk = toDisk(device);
      if (disk && !seen.has(disk.name)) {
        seen.add(disk.name);
        disks.push(disk);
      }
      visit(device.children);
    }
  };
  visit(doc.blockdevices);
  return disks;
}

function toDisk(device: Record<string, unknown>): Disk | null {
  if (typeof device.name !== 'string' || device.name === '') return null;
  // util-linux before 2.33 prints sizes as strings even with -b.
  const size = typeof device.size === 'string' ? Number(device.size) : device.size;
  return {
    name: device.name,
    sizeBytes: typeof size === 'number' && Number.isFinite(size) && size >= 0 ? size : 0,
    type: typeof device.type === 'string' ? device.type : 'unknown',
    model: text(device.model),
    mountpoint: text(device.mountpoint) ?? firstMountpoint(device.mountpoints),
  };
}

/** lsblk pads models with spaces and prints null or "" when there is none. */
function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** Newer lsblk may answer with a MOUNTPOINTS array; take the first real entry. */
function firstMountpoint(value: unknown): string | null {
  if (!Array.isArray(value)) return null;
  for (const entry of value) {
    const mount = text(entry);
    if (mount) return mount;
  }
  return null;
}

/** Runs lsblk; a node without it, or an lsblk that fails or hangs, reports no disks. */
export function listDisks(lsblkPath: string | null, timeoutMs = 10_000): Promise<Disk[]> {
  if (!lsblkPath) return Promise.resolve([]);
  return new Promise((resolve) => {
    execFile(
      lsblkPath,
      lsblkArgs,
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout) => {
        if (err) return resolve([]);
        try {
          resolve(parseLsblk(stdout));
        } catch {
          resolve([]);
        }
      },
    );
  });
}
