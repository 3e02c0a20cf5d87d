import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { PoolUnit, PoolView } from '../../protocol/pool.js';
import type { StationEvent } from '../../protocol/station-api.js';
import { station } from '../api/index.js';
import { toShape } from '../error-text.js';
import { liveFeed } from './live.js';
import { useNodesStore } from './nodes.js';

/**
 * The storage pool as the station last computed it, replaced whole by each 'pool.updated'
 * event; fetched once and again after the event stream reconnects. Nothing polls.
 */
export const usePoolStore = defineStore('pool', () => {
  // shallow: a PoolView is replaced whole, never mutated in place.
  const pool = shallowRef<PoolView | null>(null);
  const loaded = ref(false);
  const loading = ref(false);
  const loadError = ref<string | null>(null);

  // Every snapshot is complete, so a 'pool.updated' that lands while a fetch is in flight is
  // newer than (or as new as) the fetch's answer: the answer must not overwrite it.
  let eventsSeen = 0;
  let generation = 0;

  function apply(event: StationEvent): void {
    if (event.type !== 'pool.updated') return;
    eventsSeen += 1;
    pool.value = event.pool;
    loaded.value = true;
  }

  async function load(): Promise<void> {
    const mine = ++generation;
    const seenBefore = eventsSeen;
    loading.value = true;
    try {
      const answer = await station.call('pool/get', {});
      if (mine !== generation) return;
      if (eventsSeen === seenBefore) pool.value = answer;
      loaded.value = true;
      loadError.value = null;
    } catch (err) {
      if (mine !== generation) return;
      loadError.value = toShape(err).message;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  const start = liveFeed(apply, load);

  /** Units sorted by name, the order of the chart and the table. */
  const units = computed<PoolUnit[]>(() =>
    [...(pool.value?.units ?? [])].sort((a, b) => a.name.localeCompare(b.name)),
  );

  /**
   * Holds a unit back for recovery (or releases it). The station answers with the node and
   * follows with 'node.updated' and 'pool.updated'; the node is applied at once so the Nodes
   * page agrees, and the pool is fetched once so the totals do not wait for the event.
   */
  async function setSpare(nodeId: string, spare: boolean): Promise<void> {
    const node = await station.call('node/setSpare', { id: nodeId, spare });
    useNodesStore().apply({ type: 'node.updated', node });
    await load();
  }

  return { pool, units, loaded, loading, loadError, start, load, apply, setSpare };
});
