import type { DataPool, StorageInventory } from '../../protocol/storage.js';
import { dataDirPath, measureDir } from '../inventory/data-dir.js';
import { findTool } from '../inventory/tools.js';
import { listVolumeGroups } from './vgs.js';
import { listFileVolumes } from './volumes.js';

export { parseVgs, listVolumeGroups, vgsArgs } from './vgs.js';
export { listFileVolumes, volumesSubdir } from './volumes.js';

export const directoryPoolId = (dir: string): string => `dir:${dir}`;

/** The answer to `storage.inventory`: the data directory as a pool, LVM VGs, and volumes. */
export async function collectStorage(
  env: NodeJS.ProcessEnv = process.env,
): Promise<StorageInventory> {
  const dir = dataDirPath(env);
  const [space, vgs] = await Promise.all([
    measureDir(dir),
    findTool('vgs', env.PATH).then((vgsPath) => listVolumeGroups(vgsPath)),
  ]);
  const dirPool: DataPool = {
    id: directoryPoolId(dir),
    kind: 'directory',
    path: dir,
    totalBytes: space.totalBytes,
    freeBytes: space.freeBytes,
  };
  return {
    pools: [dirPool, ...vgs].slice(0, 256),
    volumes: await listFileVolumes(dir, dirPool.id),
  };
}
