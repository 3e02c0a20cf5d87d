// Pure helpers behind the Volumes table: search, sort, how exports read. They run over every
// volume on each keystroke, so they stay allocation-light and are timed in the unit tests.
import type { VolumeView } from '../../../protocol/volumes.js';
import { byName } from '../../collate.js';

export type VolumeExport = VolumeView['exports'][number];

/** How one export reads: the host's name when the station knows the host, else its IQN. */
export function exportLabel(e: VolumeExport): string {
  return e.hostName ?? e.initiatorIqn;
}

/** The "Exported to" cell: "—", one or two names, or a count when there are more. */
export function exportsSummary(volume: VolumeView): string {
  const n = volume.exports.length;
  if (n === 0) return '—';
  if (n <= 2) return volume.exports.map(exportLabel).join(', ');
  return `${n} initiators`;
}

// VolumeViews are replaced whole, never mutated, so a view's search text can be cached on
// the object itself: 10,000 rows cost one string build each, then only includes().
const haystacks = new WeakMap<VolumeView, string>();

function haystack(volume: VolumeView): string {
  let text = haystacks.get(volume);
  if (text === undefined) {
    const parts = [volume.name, volume.unitName, volume.iqn];
    for (const e of volume.exports) parts.push(e.initiatorIqn, e.hostName ?? '');
    text = parts.join('\n').toLowerCase();
    haystacks.set(volume, text);
  }
  return text;
}

/**
 * Volumes whose name, unit, target IQN or export (initiator IQN or host name) contains every
 * word of the query, case-insensitively. An empty query returns the list itself.
 */
export function filterVolumes(list: VolumeView[], query: string): VolumeView[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return list;
  return list.filter((v) => {
    const text = haystack(v);
    return words.every((w) => text.includes(w));
  });
}

type Compare = (a: VolumeView, b: VolumeView) => number;

/** The sortable columns' comparators; NDataTable flips them for descending order. */
export const volumeSorters = {
  name: (a, b) => byName(a.name, b.name),
  sizeBytes: (a, b) => a.sizeBytes - b.sizeBytes,
  // Unknown allocation sorts below every known one.
  allocatedBytes: (a, b) => (a.allocatedBytes ?? -1) - (b.allocatedBytes ?? -1),
  unitName: (a, b) => byName(a.unitName, b.unitName) || byName(a.name, b.name),
  shared: (a, b) => Number(a.shared) - Number(b.shared),
  exports: (a, b) => a.exports.length - b.exports.length,
  iqn: (a, b) => byName(a.iqn, b.iqn),
  // ISO timestamps sort as strings.
  createdAt: (a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0),
} satisfies Record<string, Compare>;

export type VolumeSortKey = keyof typeof volumeSorters;

export function sortVolumes(
  list: readonly VolumeView[],
  key: VolumeSortKey,
  order: 'ascend' | 'descend' = 'ascend',
): VolumeView[] {
  const compare = volumeSorters[key];
  const sign = order === 'ascend' ? 1 : -1;
  return [...list].sort((a, b) => sign * compare(a, b));
}

export type BulkMode = 'delete' | 'unexport';

/** What a bulk delete does: unexported volumes go, exported ones are refused and named. */
export function planBulkDelete(volumes: readonly VolumeView[]): {
  deletable: VolumeView[];
  exported: VolumeView[];
} {
  const deletable: VolumeView[] = [];
  const exported: VolumeView[] = [];
  for (const v of volumes) (v.exports.length ? exported : deletable).push(v);
  return { deletable, exported };
}

/** Every (volume, initiator) pair a bulk "Unexport all" removes. */
export function planBulkUnexport(
  volumes: readonly VolumeView[],
): { volume: VolumeView; initiatorIqn: string; label: string }[] {
  return volumes.flatMap((volume) =>
    volume.exports.map((e) => ({ volume, initiatorIqn: e.initiatorIqn, label: exportLabel(e) })),
  );
}

/**
 * Pairs grouped by volume, in order. One volume's exports go one after another, so each
 * answer carries the newest state of that volume; different volumes go in parallel.
 */
export function byVolume<T extends { volume: VolumeView }>(pairs: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const pair of pairs) {
    const group = groups.get(pair.volume.id);
    if (group) group.push(pair);
    else groups.set(pair.volume.id, [pair]);
  }
  return [...groups.values()];
}

/**
 * Runs `work` over `items`, at most `limit` at a time, and collects each failure with its
 * item instead of stopping: one refused volume must not leave the rest of a bulk undone.
 */
export async function runEach<T>(
  items: readonly T[],
  work: (item: T) => Promise<unknown>,
  limit = 4,
  onDone?: (done: number) => void,
): Promise<{ item: T; error: unknown }[]> {
  const failures: { item: T; error: unknown }[] = [];
  let next = 0;
  let done = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failures.push({ item, error });
      }
      done += 1;
      onDone?.(done);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return failures;
}
