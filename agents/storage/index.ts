import type { DataPool, StorageInventory, StorageVolume } from '../../protocol/storage.js';
import { dataDirPath, measureDir } from '../inventory/data-dir.js';
import {
  directoryPoolId,
  unitVolumeBackends,
  volumeGroupPools,
  type BackendContext,
} from '../volumes/backends.js';
import type { CommandRunner } from '../volumes/command.js';

export { parseVgs, listVolumeGroups, vgsArgs } from './vgs.js';
export { listFileVolumes, volumesSubdir } from './volumes.js';
export { directoryPoolId };

export interface StorageOptions {
  /**
   * Backing paths (files or LVs) the unit's target exports; their volumes report
   * `exported: true`. The export backend supplies it; without it nothing is exported.
   */
  exportedBackings?: ReadonlySet<string>;
  /** Runs vgs and lvs; defaults to the real tools, tests inject one. */
  runner?: CommandRunner;
}

/**
 * The answer to `storage.inventory`: the data directory as a pool, LVM VGs, and the volumes
 * every backend lists (files in the data directory, `dvsan-*` LVs in the VGs).
 */
export async function collectStorage(
  env: NodeJS.ProcessEnv = process.env,
  options: StorageOptions = {},
): Promise<StorageInventory> {
  const dir = dataDirPath(env);
  const ctx: BackendContext = { dataDir: dir, env, runner: options.runner };
  const [space, vgs] = await Promise.all([measureDir(dir), volumeGroupPools(ctx)]);
  const dirPool: DataPool = {
    id: directoryPoolId(dir),
    kind: 'directory',
    path: dir,
    totalBytes: space.totalBytes,
    freeBytes: space.freeBytes,
  };
  const pools = [dirPool, ...vgs].slice(0, 256);
  const backends = await unitVolumeBackends(ctx, pools.slice(1));
  const lists = await Promise.all(
    backends.map((backend) =>
      // A VG whose lvs fails (not root, LVM trouble) shows its pool but no volumes, as a
      // failing vgs shows no pools; the data directory's own errors still surface.
      backend.kind === 'lvm' ? backend.list().catch((): StorageVolume[] => []) : backend.list(),
    ),
  );
  const exported = options.exportedBackings;
  return {
    pools,
    volumes: lists
      .flat()
      .map((volume) => ({ ...volume, exported: exported?.has(volume.backing) ?? false })),
  };
}
