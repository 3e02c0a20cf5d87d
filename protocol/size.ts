import { DvsanError } from './errors.js';

const units: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/** "20G", "512M", "1.5T", "1048576" → bytes (binary units, as storage admins mean them). */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!m)
    throw new DvsanError('invalid-params', `"${text}" is not a size: write e.g. 20G, 512M or 1.5T`);
  const bytes = Math.round(Number(m[1]) * units[(m[2] ?? '').toLowerCase()]!);
  if (!Number.isSafeInteger(bytes) || bytes <= 0)
    throw new DvsanError('invalid-params', `"${text}" is not a usable size`);
  return bytes;
}
