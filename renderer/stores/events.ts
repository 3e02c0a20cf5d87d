import { defineStore } from 'pinia';
import { computed, ref, shallowReactive } from 'vue';
import { isOpenAlert } from '../../protocol/alerts.js';
import type { EventRecord } from '../../protocol/pool.js';
import type { Result, StationEvent } from '../../protocol/station-api.js';
import { station } from '../api/index.js';
import { liveFeed, tracked } from './live.js';

/** How many events the console keeps: the most 'event/list' hands out in one answer. */
export const eventsKept = 1000;

export type AnnounceStats = Result<'announce/stats'>;

/** Newest first by the time shown in the table; the id breaks ties (insert order). */
export function newestFirst(a: EventRecord, b: EventRecord): number {
  const byTime = Date.parse(b.at) - Date.parse(a.at);
  return byTime || b.id - a.id;
}

/**
 * The station's event log, newest first, kept live by 'event.created' and 'event.updated'
 * (an alert acknowledged). A fetch and the stream merge by id, the newer copy winning; the
 * oldest fall off past {@link eventsKept}, except open alerts, which stay until acknowledged
 * however old they are.
 */
export const useEventsStore = defineStore('events', () => {
  const byId = shallowReactive(new Map<number, EventRecord>());
  const loaded = ref(false);
  const loading = ref(false);
  const loadError = ref<string | null>(null);

  const list = computed(() => [...byId.values()].sort(newestFirst));

  const openAlerts = computed(() => list.value.filter(isOpenAlert));

  function add(records: readonly EventRecord[]): void {
    for (const record of records) {
      // An acknowledgement only ever moves forward: a late copy must not reopen an alert.
      if (byId.get(record.id)?.acknowledgedAt && !record.acknowledgedAt) continue;
      byId.set(record.id, record);
    }
    if (byId.size <= eventsKept) return;
    const drop = [...byId.values()]
      .filter((e) => !isOpenAlert(e))
      .map((e) => e.id)
      .sort((a, b) => a - b)
      .slice(0, byId.size - eventsKept);
    for (const id of drop) byId.delete(id);
  }

  function apply(event: StationEvent): void {
    if (event.type === 'event.created' || event.type === 'event.updated') add([event.event]);
  }

  async function load(): Promise<void> {
    await tracked(loading, loadError, async () => {
      // Open alerts may be older than the newest events: fetched on their own.
      const [newest, open] = await Promise.all([
        station.call('event/list', { limit: eventsKept }),
        station.call('event/list', { limit: eventsKept, openAlerts: true }),
      ]);
      add([...open, ...newest]);
      loaded.value = true;
    });
  }

  /** Acknowledges alerts as the signed-in user; applies the answer before its events arrive. */
  async function acknowledge(ids: readonly number[]): Promise<void> {
    add(await station.call('event/acknowledge', { ids: [...ids] }));
  }

  const start = liveFeed(apply, load);

  // Announce counters change with every packet, far too often for events: fetched on demand.
  const stats = ref<AnnounceStats | null>(null);
  const statsLoading = ref(false);
  const statsError = ref<string | null>(null);

  async function loadStats(): Promise<void> {
    await tracked(statsLoading, statsError, async () => {
      stats.value = await station.call('announce/stats', {});
    });
  }

  return {
    list,
    openAlerts,
    acknowledge,
    loaded,
    loading,
    loadError,
    start,
    load,
    apply,
    stats,
    statsLoading,
    statsError,
    loadStats,
  };
});
