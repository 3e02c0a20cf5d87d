import type { StationEvent } from '../protocol/index.js';

/** Fan-out of station events to every subscriber (WebSocket clients, IPC, CLI waiters). */
export class EventBus {
  private readonly listeners = new Set<(e: StationEvent) => void>();

  emit(event: StationEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken subscriber must not stop the others or the task that emitted.
      }
    }
  }

  subscribe(listener: (e: StationEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
