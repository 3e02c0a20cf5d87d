import { lstat, mkdir, readdir, realpath, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { DvsanError } from '../../protocol/errors.js';
import { mountPoints } from './processes.js';

/** Trees a volume must never be mounted into. */
const systemTrees = [
  '/proc',
  '/sys',
  '/dev',
  '/run',
  '/boot',
  '/etc',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/var/run',
  '/var/lib/dvsan',
  '/opt/dvsan',
];
/** Directories that may hold mount points but must not be one. */
const systemDirs = [
  '/',
  '/home',
  '/root',
  '/var',
  '/var/lib',
  '/var/log',
  '/var/cache',
  '/var/tmp',
  '/tmp',
  '/opt',
  '/srv',
  '/mnt',
  '/media',
  '/snap',
];

const invalid = (mountPoint: string, why: string) =>
  new DvsanError('invalid-params', `mount point ${mountPoint} ${why}`, { mountPoint });

/** Refuses system paths; the schema already made sure the path is absolute and normalized. */
export function checkMountPointPath(mountPoint: string): void {
  if (!path.isAbsolute(mountPoint) || path.normalize(mountPoint) !== mountPoint)
    throw invalid(mountPoint, 'must be an absolute, normalized path such as /mnt/data');
  const inTree = systemTrees.find((t) => mountPoint === t || mountPoint.startsWith(`${t}/`));
  if (inTree)
    throw invalid(mountPoint, `is under the system directory ${inTree}; choose e.g. /mnt/<name>`);
  if (systemDirs.includes(mountPoint))
    throw invalid(
      mountPoint,
      'is a system directory; choose a directory below it, e.g. /mnt/<name>',
    );
}

/**
 * Makes sure `mountPoint` can take a mount without hiding anything: an empty directory that is
 * not already a mount point, reached without symlinks; created when missing. Returns the
 * topmost directory it created (removed again on detach), or null.
 */
export async function prepareMountPoint(mountPoint: string): Promise<string | null> {
  checkMountPointPath(mountPoint);
  const info = await lstat(mountPoint).catch(() => null);
  if (info) {
    if (!info.isDirectory()) throw invalid(mountPoint, 'exists and is not a directory');
    if ((await realpath(mountPoint)) !== mountPoint)
      throw invalid(mountPoint, 'goes through a symbolic link; give the real path');
    if ((await mountPoints()).has(mountPoint))
      throw invalid(mountPoint, 'is already a mount point');
    if ((await readdir(mountPoint)).length > 0)
      throw invalid(
        mountPoint,
        'is not empty; mounting there would hide its files. Choose an empty or new directory',
      );
    return null;
  }
  // Check the existing part of the path for symlinks before creating below it.
  let existing = path.dirname(mountPoint);
  while (!(await lstat(existing).catch(() => null))) existing = path.dirname(existing);
  if ((await realpath(existing)) !== existing)
    throw invalid(mountPoint, `goes through a symbolic link (${existing}); give the real path`);
  const created = await mkdir(mountPoint, { recursive: true, mode: 0o755 });
  return created ?? null;
}

/** Removes the directories prepareMountPoint created, if they are still empty. */
export async function removeCreatedDirs(mountPoint: string, created: string | null): Promise<void> {
  if (!created) return;
  for (let dir = mountPoint; dir.startsWith(created); dir = path.dirname(dir)) {
    try {
      await rmdir(dir);
    } catch {
      return;
    }
    if (dir === created) return;
  }
}
