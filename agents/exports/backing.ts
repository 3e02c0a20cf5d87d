// What backs an LVM volume's export: its logical volume, as a block device. File volumes are
// found by path (handlers.ts); an LV is found by asking LVM, never from a path in the request.
import type { ExportSpec } from '../targets/index.js';
import { findVolume } from '../volumes/operations.js';

export async function lvmBacking(
  env: NodeJS.ProcessEnv,
  volumeId: string,
): Promise<ExportSpec['backing'] | null> {
  const found = await findVolume(volumeId, { env });
  if (!found || !found.volume.pool.startsWith('lvm:')) return null;
  return { kind: 'block', path: found.volume.backing, sizeBytes: found.volume.sizeBytes };
}
