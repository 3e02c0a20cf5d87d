/** The LVM report options every dvsan call uses: JSON, sizes as plain byte counts. */
export const lvmReportArgs = ['--reportformat', 'json', '--units', 'b', '--nosuffix'] as const;

/** LVM prints sizes as strings ("10737418240", or "10737418240B" if a suffix slips in). */
export function lvmByteCount(value: unknown): number | null {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  const match = /^\s*(\d+)B?\s*$/.exec(text);
  if (!match) return null;
  const count = Number(match[1]);
  return Number.isSafeInteger(count) ? count : null;
}
