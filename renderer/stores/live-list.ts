import { ref } from 'vue';
import type { StationEvent } from '../../protocol/station-api.js';
import { toShape } from '../error-text.js';
import { liveFeed } from './live.js';

export interface LiveListOptions<T> {
  /** The event types this list follows; the rest pass by. */
  types: readonly StationEvent['type'][];
  /** The whole list, from the station. */
  fetch: () => Promise<T[]>;
  /** Puts a fetched list in place of what the store held. */
  replace: (items: T[]) => void;
  /** Applies one of `types` to what the store holds. */
  applyNow: (event: StationEvent) => void;
}

/**
 * A store's list kept live by events: fetched once and again after a reconnect. Events that
 * arrive while a fetch is in flight are replayed over its answer, so an item changed during
 * the fetch does not snap back to the older snapshot; a newer fetch supersedes an older one.
 */
export function liveList<T>(opts: LiveListOptions<T>) {
  const loaded = ref(false);
  const loading = ref(false);
  const loadError = ref<string | null>(null);
  let buffered: StationEvent[] | null = null;
  let generation = 0;

  function apply(event: StationEvent): void {
    if (!opts.types.includes(event.type)) return;
    if (buffered) buffered.push(event);
    else opts.applyNow(event);
  }

  function replay(): void {
    const held = buffered ?? [];
    buffered = null;
    held.forEach(opts.applyNow);
  }

  async function load(): Promise<void> {
    const mine = ++generation;
    buffered = [];
    loading.value = true;
    try {
      const items = await opts.fetch();
      if (mine !== generation) return; // a newer load superseded this one
      opts.replace(items);
      replay();
      loaded.value = true;
      loadError.value = null;
    } catch (err) {
      if (mine !== generation) return;
      replay();
      loadError.value = toShape(err).message;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  return { loaded, loading, loadError, load, apply, start: liveFeed(apply, load) };
}
