// Volumes on a unit, behind one interface: sparse files in the data directory, or LVs in a
// volume group. Everything else in the agent reaches volumes through this surface.
import type { StorageVolume } from '../../protocol/storage.js';

export { toolRunner, runProgram, type CommandResult, type CommandRunner } from './command.js';
export {
  FileVolumeBackend,
  fallocatePreallocator,
  stalePartialMs,
  volumesSubdir,
  writeZeros,
  type FileBackendOptions,
  type Preallocator,
} from './file.js';
export {
  LvmVolumeBackend,
  checkVgName,
  lvNamePrefix,
  lvcreateArgs,
  lvextendArgs,
  lvremoveArgs,
  lvsArgs,
  parseLvs,
  thinPoolName,
  type LvsReport,
} from './lvm.js';
export { checkVolumeId, pathInside } from './ids.js';
export {
  directoryPoolId,
  unitVolumeBackends,
  volumeBackendFor,
  volumeGroupPools,
  type BackendContext,
} from './backends.js';
export {
  createVolume,
  deleteVolume,
  findVolume,
  notExported,
  resizeVolume,
  withVolumeLock,
  type ExportedCheck,
  type VolumeServiceOptions,
} from './operations.js';

export interface CreateOptions {
  /** Allocate every byte now (fallocate, or a thick LV) instead of on first write. */
  preallocate: boolean;
}

/** One kind of volume storage. Ids are checked again inside; sizes are bytes. */
export interface VolumeBackend {
  readonly kind: 'file' | 'lvm';
  /** The pool id storage.inventory reports: `dir:<path>` or `lvm:<vg>`. */
  readonly poolId: string;
  /** Idempotent: the same id and size returns the volume; another size is a conflict. */
  create(id: string, sizeBytes: number, options: CreateOptions): Promise<StorageVolume>;
  /** Grow only; the current size again returns the volume unchanged. */
  resize(id: string, sizeBytes: number): Promise<StorageVolume>;
  /** Idempotent: false when there was nothing to remove. */
  remove(id: string): Promise<boolean>;
  list(): Promise<StorageVolume[]>;
  get(id: string): Promise<StorageVolume | null>;
}
