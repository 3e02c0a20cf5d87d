import type { StorageVolume } from '../../protocol/storage.js';
import { FileVolumeBackend } from '../volumes/file.js';

export { volumesSubdir } from '../volumes/file.js';

/**
 * File-backed volumes: every regular file `<data dir>/volumes/<id>.img` with a valid volume
 * id. Nothing is created; a missing directory means no volumes. Symlinks are not volumes, and
 * `.partial` files (creates in progress or crashed) are not either.
 */
export function listFileVolumes(dataDir: string, poolId: string): Promise<StorageVolume[]> {
  return new FileVolumeBackend({ dir: dataDir, poolId }).list();
}
