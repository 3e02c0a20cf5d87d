import { z } from 'zod';

const bytes = z.number().int().nonnegative();

/** A place on a unit where volumes can be carved: a directory (file-backed) or an LVM VG. */
export const dataPoolSchema = z.object({
  id: z.string().min(1).max(256),
  kind: z.enum(['directory', 'lvm-vg']),
  /** Directory path, or the VG name. */
  path: z.string().max(4096),
  totalBytes: bytes,
  freeBytes: bytes,
});

export const storageVolumeSchema = z.object({
  id: z.string().min(1).max(128),
  name: z.string().max(128),
  pool: z.string().max(256),
  sizeBytes: bytes,
  /** What the volume really occupies (sparse files allocate less than their size). */
  allocatedBytes: bytes,
  /** Backing file path or LV path. */
  backing: z.string().max(4096),
  /** Byte offset of the volume in its backing store (0 for a file of its own). */
  offset: bytes,
  exported: z.boolean(),
});

/** What `storage.inventory` answers. */
export const storageInventorySchema = z.object({
  pools: z.array(dataPoolSchema).max(256),
  volumes: z.array(storageVolumeSchema).max(100_000),
  /** The iSCSI target the unit exports with, as its agent detected it (null: none). */
  targetBackend: z.enum(['tgt', 'lio']).nullable().optional(),
});
export type DataPool = z.infer<typeof dataPoolSchema>;
export type StorageVolume = z.infer<typeof storageVolumeSchema>;
export type StorageInventory = z.infer<typeof storageInventorySchema>;

/**
 * Numbers a unit cannot really have: free above total, a volume allocating more than its
 * size, or volumes in a pool allocating more than the pool holds. Returns why, or null.
 */
export function impossibleStorage(inv: StorageInventory): string | null {
  for (const p of inv.pools) {
    if (p.freeBytes > p.totalBytes)
      return `pool ${p.id} reports more free (${p.freeBytes}) than total (${p.totalBytes}) bytes`;
  }
  const pools = new Map(inv.pools.map((p) => [p.id, p]));
  const allocated = new Map<string, number>();
  for (const v of inv.volumes) {
    if (v.allocatedBytes > v.sizeBytes + 1024 * 1024)
      return `volume ${v.id} allocates more than its size`;
    if (!pools.has(v.pool)) return `volume ${v.id} lives in unknown pool ${v.pool}`;
    allocated.set(v.pool, (allocated.get(v.pool) ?? 0) + v.allocatedBytes);
  }
  for (const [id, sum] of allocated) {
    if (sum > (pools.get(id)?.totalBytes ?? 0))
      return `volumes in pool ${id} allocate more than the pool holds`;
  }
  return null;
}
