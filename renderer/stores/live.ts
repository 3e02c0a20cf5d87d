import type { StationEvent } from '../../protocol/station-api.js';
import { station, transport } from '../api/index.js';

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
