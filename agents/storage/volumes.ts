import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { StorageVolume } from '../../protocol/storage.js';

export const volumesSubdir = 'volumes';
const suffix = '.img';

/**
 * File-backed volumes: every regular file `<data dir>/volumes/<id>.img`. Nothing is created;
 * a missing directory means no volumes. Symlinks are not volumes (lstat): a link could point
 * anywhere, and its size would not be this pool's.
 */
export async function listFileVolumes(dataDir: string, poolId: string): Promise<StorageVolume[]> {
  const dir = path.join(dataDir, volumesSubdir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
  const volumes: StorageVolume[] = [];
  for (const name of names.sort()) {
    const id = name.slice(0, -suffix.length);
    if (!name.endsWith(suffix) || id === '' || id.length > 128) continue;
    const backing = path.join(dir, name);
    const stats = await lstat(backing).catch(() => null);
    if (!stats?.isFile()) continue;
    volumes.push({
      id,
      name: id,
      pool: poolId,
      sizeBytes: stats.size,
      // st_blocks counts 512-byte units whatever the filesystem's block size.
      allocatedBytes: stats.blocks * 512,
      backing,
      offset: 0,
      exported: false,
    });
  }
  return volumes;
}
