import type { StationTransport } from '../../protocol/client.js';
import { stationEventSchema, type StationEvent } from '../../protocol/station-api.js';
import { unreachable, type CallAnswer, type LiveTransport } from './connection.js';

/**
 * The station through Electron's preload bridge (`window.dvsanStation`). IPC does not drop
 * like a socket, so it is always "connected"; events are still validated at this boundary.
 */
export class IpcTransport implements LiveTransport {
  readonly connected = true;

  constructor(private readonly bridge: StationTransport) {}

  async call(method: string, params: unknown): Promise<CallAnswer> {
    try {
      return await this.bridge.call(method, params);
    } catch (err) {
      return unreachable(err);
    }
  }

  subscribe(listener: (event: StationEvent) => void): () => void {
    return this.bridge.subscribe((event: unknown) => {
      const parsed = stationEventSchema.safeParse(event);
      if (parsed.success) listener(parsed.data);
    });
  }

  onReconnect(_listener: () => void): () => void {
    return () => {};
  }

  onConnectionChange(_listener: (connected: boolean) => void): () => void {
    return () => {};
  }
}
