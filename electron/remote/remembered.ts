// Stations the admin connected to, so they can be reopened from the menu: URL and pinned
// fingerprint only. Passwords are never kept here; the station's own login page and its
// session cookie (in the station's partition) handle sign-in.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { checkStation } from './pinning.js';
import type { RemoteStation } from './station-url.js';

export const rememberedStationsFileName = 'remote-stations.json';
/** Enough for a menu; the oldest fall off. */
export const maxRemembered = 20;

export interface RememberedLoad {
  stations: RemoteStation[];
  /** Why the file, or some entries in it, could not be used; null when all was well. */
  problem: string | null;
}

/**
 * Reads the file. A missing file is an empty list; a corrupt file or bad entries are skipped
 * with a problem to report, never thrown: a broken list must not keep the app from starting.
 * Every entry passes the same checks as a typed-in station.
 */
export async function loadRememberedStations(file: string): Promise<RememberedLoad> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { stations: [], problem: null };
    return { stations: [], problem: `${file} could not be read: ${(err as Error).message}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { stations: [], problem: `${file} is not JSON; its stations were ignored` };
  }
  const list = (raw as { stations?: unknown } | null)?.stations;
  if (!Array.isArray(list))
    return { stations: [], problem: `${file} has no "stations" list; it was ignored` };
  const stations: RemoteStation[] = [];
  let skipped = 0;
  for (const entry of list) {
    const checked = checkStation(entry);
    if (checked.ok && !stations.some((s) => s.url === checked.station.url)) {
      stations.push(checked.station);
    } else skipped += 1;
  }
  return {
    stations: stations.slice(0, maxRemembered),
    problem:
      skipped > 0
        ? `${file}: ${skipped} unusable entr${skipped === 1 ? 'y' : 'ies'} skipped`
        : null,
  };
}

/** Writes the list atomically (temp file + rename): a crash never leaves half a file. */
export async function saveRememberedStations(
  file: string,
  stations: readonly RemoteStation[],
): Promise<void> {
  const plain = stations
    .slice(0, maxRemembered)
    .map((s) => (s.fingerprint ? { url: s.url, fingerprint: s.fingerprint } : { url: s.url }));
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ version: 1, stations: plain }, null, 2)}\n`, {
    mode: 0o600,
  });
  await rename(tmp, file);
}

/** The list with `station` first (most recent), replacing an older entry for the same URL. */
export function rememberStation(
  stations: readonly RemoteStation[],
  station: RemoteStation,
): RemoteStation[] {
  return [station, ...stations.filter((s) => s.url !== station.url)].slice(0, maxRemembered);
}

export function forgetStation(stations: readonly RemoteStation[], url: string): RemoteStation[] {
  return stations.filter((s) => s.url !== url);
}
