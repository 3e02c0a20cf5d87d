import type { StationTransport } from '../../protocol/client.js';

/**
 * What a transport tells the console about its event stream besides the events themselves.
 * A dropped WebSocket loses events, so stores re-fetch their lists on `onReconnect`.
 */
export interface LiveTransport extends StationTransport {
  /** Called after the event stream came back following a drop (not on the first connect). */
  onReconnect(listener: () => void): () => void;
  /** `true` while events flow; `false` while the stream is down and being retried. */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
  readonly connected: boolean;
}

export type CallAnswer = Awaited<ReturnType<StationTransport['call']>>;

/** The answer a transport gives when it never got one from the station. */
export function unreachable(reason: unknown): CallAnswer {
  const text = reason instanceof Error ? reason.message : String(reason);
  return {
    ok: false,
    error: { name: 'DvsanError', code: 'internal', message: `cannot reach the station: ${text}` },
  };
}

/** A tiny listener set whose `add` returns its own remover. */
export class Listeners<A extends unknown[]> {
  private readonly set = new Set<(...args: A) => void>();
  add(listener: (...args: A) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }
  get size(): number {
    return this.set.size;
  }
  emit(...args: A): void {
    for (const listener of [...this.set]) {
      // One broken listener must not starve the others of events.
      try {
        listener(...args);
      } catch (err) {
        console.error('dvsan: event listener failed', err);
      }
    }
  }
}
