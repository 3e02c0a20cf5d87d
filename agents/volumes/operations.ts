import { DvsanError } from '../../protocol/errors.js';
import type { AgentParams, AgentResult } from '../../protocol/agent-rpc.js';
import type { StorageVolume } from '../../protocol/storage.js';
import { dataDirPath } from '../inventory/data-dir.js';
import { checkVolumeId } from './ids.js';
import {
  directoryPoolId,
  unitVolumeBackends,
  volumeBackendFor,
  volumeGroupPools,
  type BackendContext,
} from './backends.js';
import type { VolumeBackend } from './index.js';

/**
 * Whether a backing path (file or LV) is exported by the unit's target. The export backend
 * supplies it; until then nothing is exported.
 */
export type ExportedCheck = (backingPath: string) => Promise<boolean>;
export const notExported: ExportedCheck = async () => false;

export interface VolumeServiceOptions extends Omit<BackendContext, 'dataDir'> {
  /** Export hook: volume.delete refuses exported volumes; results carry the flag. */
  isExported?: ExportedCheck;
}

const locks = new Map<string, Promise<void>>();

/**
 * Runs `fn` after every earlier operation on the same volume id in this process: RPC requests
 * run concurrently, and a resize racing a delete must not interleave. Exports can share it.
 */
export async function withVolumeLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
  const previous = locks.get(id) ?? Promise.resolve();
  const run = previous.then(fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  locks.set(id, tail);
  try {
    return await run;
  } finally {
    if (locks.get(id) === tail) locks.delete(id);
  }
}

function contextOf(options: VolumeServiceOptions): BackendContext {
  return { ...options, dataDir: dataDirPath(options.env) };
}

/** Where volume `id` lives on this unit, whichever pool holds it; null when nowhere. */
export async function findVolume(
  id: string,
  options: VolumeServiceOptions,
  backends?: readonly VolumeBackend[],
): Promise<{ backend: VolumeBackend; volume: StorageVolume } | null> {
  checkVolumeId(id);
  for (const backend of backends ?? (await unitVolumeBackends(contextOf(options)))) {
    const volume = await backend.get(id);
    if (volume) return { backend, volume };
  }
  return null;
}

async function withExportFlag(
  volume: StorageVolume,
  options: VolumeServiceOptions,
): Promise<StorageVolume> {
  return { ...volume, exported: await (options.isExported ?? notExported)(volume.backing) };
}

/** volume.create: in the named pool, or the data directory when none is named. */
export async function createVolume(
  params: AgentParams<'volume.create'>,
  options: VolumeServiceOptions,
): Promise<AgentResult<'volume.create'>> {
  const ctx = contextOf(options);
  const backend = volumeBackendFor(params.pool ?? directoryPoolId(ctx.dataDir), ctx);
  return withVolumeLock(params.id, async () => {
    const vgs = await volumeGroupPools(ctx);
    if (backend.kind === 'lvm' && !vgs.some((vg) => vg.id === backend.poolId)) {
      throw new DvsanError(
        'invalid-params',
        `unknown pool ${backend.poolId}: no such volume group`,
      );
    }
    // Ids are unique per unit, not per pool: resize, delete and export name only the id.
    const found = await findVolume(params.id, options, await unitVolumeBackends(ctx, vgs));
    if (found && found.backend.poolId !== backend.poolId) {
      throw new DvsanError(
        'conflict',
        `volume ${params.id} already exists in pool ${found.backend.poolId}`,
      );
    }
    const volume = await backend.create(params.id, params.sizeBytes, {
      preallocate: params.preallocate,
    });
    // A volume that did not exist a moment ago cannot be exported yet; only a repeated create
    // (of a volume that was there) needs to ask the target.
    return found ? withExportFlag(volume, options) : { ...volume, exported: false };
  });
}

/** volume.resize: grow only, wherever the volume lives. */
export async function resizeVolume(
  params: AgentParams<'volume.resize'>,
  options: VolumeServiceOptions,
): Promise<AgentResult<'volume.resize'>> {
  return withVolumeLock(params.id, async () => {
    const found = await findVolume(params.id, options);
    if (!found) throw new DvsanError('not-found', `volume ${params.id} not found`);
    return withExportFlag(await found.backend.resize(params.id, params.sizeBytes), options);
  });
}

/** volume.delete: idempotent, and refused while the volume is exported. */
export async function deleteVolume(
  params: AgentParams<'volume.delete'>,
  options: VolumeServiceOptions,
): Promise<AgentResult<'volume.delete'>> {
  return withVolumeLock(params.id, async () => {
    const found = await findVolume(params.id, options);
    if (!found) return { deleted: false };
    if (await (options.isExported ?? notExported)(found.volume.backing)) {
      throw new DvsanError('conflict', `volume ${params.id} is exported: unexport it first`);
    }
    return { deleted: await found.backend.remove(params.id) };
  });
}
