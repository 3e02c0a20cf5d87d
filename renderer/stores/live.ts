import type { Ref } from 'vue';
import type { StationEvent } from '../../protocol/station-api.js';
import { station, transport } from '../api/index.js';
import { toShape } from '../error-text.js';

/**
 * Keeps a store live from the event stream: subscribe first, then fetch, so nothing falls
 * between the two; fetch again after a reconnect. The returned start() is idempotent.
 */
export function liveFeed(
  apply: (event: StationEvent) => void,
  load: () => Promise<void>,
): () => void {
  let started = false;
  return () => {
    if (started) return;
    started = true;
    station.onEvent(apply);
    transport.onReconnect(() => void load());
    void load();
  };
}

/**
 * Runs one fetch with the loading flag and error message the pages show for it: the message
 * is cleared when the fetch works and set when it fails.
 */
export async function tracked(
  loading: Ref<boolean>,
  error: Ref<string | null>,
  work: () => Promise<void>,
): Promise<void> {
  loading.value = true;
  try {
    await work();
    error.value = null;
  } catch (err) {
    error.value = toShape(err).message;
  } finally {
    loading.value = false;
  }
}
