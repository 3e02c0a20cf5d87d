// Pure formatting helpers for the console. Binary units (KiB, MiB, GiB) because disks, LUNs
// and memory are sized in powers of two by the tools admins compare us with (lsblk -b, free).

export { formatBytes } from '../protocol/size.js';

/** NIC link speed as ethtool reports it (Mb/s) -> "10 Gb/s"; unknown -> "—". */
export function formatSpeed(mbps: number | null | undefined): string {
  if (mbps === null || mbps === undefined || !Number.isFinite(mbps) || mbps <= 0) return '—';
  if (mbps >= 1000) return `${trimZero((mbps / 1000).toFixed(1))} Gb/s`;
  return `${mbps} Mb/s`;
}

/** Share of a capacity in use, 0-100, for progress bars; 0 when total is unknown. */
export function usedPercent(totalBytes: number, freeBytes: number): number {
  if (!(totalBytes > 0)) return 0;
  const used = Math.min(Math.max(totalBytes - freeBytes, 0), totalBytes);
  return Math.round((used / totalBytes) * 1000) / 10;
}

/** "10.0.0.5", 22 -> "10.0.0.5:22"; IPv6 gets brackets the way ssh and URLs write it. */
export function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function trimZero(text: string): string {
  return text.endsWith('.0') ? text.slice(0, -2) : text;
}

/** 87.46 -> "87.5%"; 100 -> "100%"; invalid -> "—". One decimal, as `usedPercent` rounds. */
export function formatPercent(pct: number | null | undefined): string {
  if (pct === null || pct === undefined || !Number.isFinite(pct)) return '—';
  return `${trimZero((Math.round(pct * 10) / 10).toFixed(1))}%`;
}

/**
 * An ISO timestamp in the viewer's local time, "2025-11-25 14:03:07": sortable, the same in
 * every browser locale, and what admins compare with syslog. Null or unreadable -> "—".
 */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
  );
}

/** The units a size field offers: volumes are sized like LUNs, in powers of two. */
export const sizeUnits = ['MiB', 'GiB', 'TiB'] as const;
export type SizeUnit = (typeof sizeUnits)[number];

const unitPowers: Record<string, number> = { '': 0, k: 1, m: 2, g: 3, t: 4, p: 5 };

/**
 * A size as an admin types it -> bytes. A bare number takes `unit` ("12.5", GiB ->
 * 13421772800); a suffix wins over it: "512M", "512 MiB", "1.5t", "2 TiB", "4096 B".
 * Binary only: "GB" is refused rather than guessed (vendors mean 10^9 by it, lsblk 2^30).
 * Rounded to whole bytes. Anything else, zero, or past 2^53 -> null.
 */
export function parseSize(text: string, unit: SizeUnit = 'GiB'): number | null {
  const match = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(?:([kmgtp])(?:i|ib)?|(b))?\s*$/i.exec(text);
  if (!match) return null;
  const amount = Number(match[1]);
  const power = match[3] ? 0 : match[2] ? unitPowers[match[2].toLowerCase()]! : unitPower(unit);
  const bytes = Math.round(amount * 1024 ** power);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : null;
}

function unitPower(unit: SizeUnit): number {
  return unitPowers[unit[0]!.toLowerCase()]!;
}

/**
 * Bytes -> what a size field shows: the largest unit that keeps the number at or above 1,
 * with at most two decimals, e.g. 1610612736 -> { amount: "1.5", unit: "GiB" }.
 */
export function sizeFieldValue(bytes: number): { amount: string; unit: SizeUnit } {
  let unit: SizeUnit = 'MiB';
  for (const u of sizeUnits) if (bytes >= 1024 ** unitPower(u)) unit = u;
  const amount = Math.round((bytes / 1024 ** unitPower(unit)) * 100) / 100;
  return { amount: String(amount), unit };
}
