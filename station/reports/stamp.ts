/** A time as it goes into a file name: 2026-11-26T02:30:05Z -> 20261126-023005 (UTC). */
export function fileStamp(at: Date): string {
  return at
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:]/g, '')
    .replace('T', '-');
}
