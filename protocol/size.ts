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

const byteUnits = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/** 13421772800 -> "12.5 GiB"; 512 -> "512 B"; invalid input -> "—". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return '—';
  let unit = 0;
  let value = bytes;
  while (value >= 1024 && unit < byteUnits.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  let text = value.toFixed(value >= 100 ? 0 : 1).replace(/\.0$/, '');
  // 1023.96 KiB rounds to "1024 KiB": show it as the next unit instead.
  if (Number(text) >= 1024 && unit < byteUnits.length - 1) {
    unit += 1;
    text = '1';
  }
  return `${text} ${byteUnits[unit]}`;
}
