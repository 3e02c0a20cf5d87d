import path from 'node:path';
import { DvsanError } from '../../protocol/errors.js';
import { formatBytes } from '../../protocol/size.js';
import { volumeNameSchema } from '../../protocol/volumes.js';

/**
 * Checks a volume id against the protocol's schema again, inside the backend: ids become file
 * and LV names, and a backend must not trust that every caller went through the RPC server.
 */
export function checkVolumeId(id: string): string {
  const parsed = volumeNameSchema.safeParse(id);
  if (!parsed.success) {
    const why = parsed.error.issues[0]?.message ?? 'invalid';
    throw new DvsanError('invalid-params', `invalid volume id ${JSON.stringify(id)}: ${why}`);
  }
  return parsed.data;
}

/** Sizes reach backends as numbers; anything but a positive safe integer is a caller's bug. */
export function checkSize(sizeBytes: number): number {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) {
    throw new DvsanError('invalid-params', `invalid volume size ${String(sizeBytes)}`);
  }
  return sizeBytes;
}

/**
 * `dir/name`, refusing any name that would land elsewhere ("..", a slash, an absolute path).
 * The second fence behind the id schema: paths are never built from a name nobody checked.
 */
export function pathInside(dir: string, name: string): string {
  const base = path.resolve(dir);
  const file = path.resolve(base, name);
  if (path.dirname(file) !== base || path.basename(file) !== name) {
    throw new DvsanError(
      'invalid-params',
      `${JSON.stringify(name)} is not a file name inside ${base}`,
    );
  }
  return file;
}

/** Bytes for a message: the exact count, and a rounded unit a person reads at a glance. */
export function describeBytes(bytes: number): string {
  return `${bytes} bytes (${formatBytes(bytes)})`;
}
