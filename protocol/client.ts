import { DvsanError, errorShape } from './errors.js';
import type { Params, Result, StationEvent, StationMethod } from './station-api.js';

/** A way to carry one call and the event stream: HTTP+WebSocket, Electron IPC, or in-process. */
export interface StationTransport {
  call(
    method: string,
    params: unknown,
  ): Promise<{ ok: true; result: unknown } | { ok: false; error: unknown }>;
  subscribe(listener: (event: StationEvent) => void): () => void;
}

/** The typed client every console and CLI uses; it keeps the types the transport drops. */
export class StationClient {
  constructor(private readonly transport: StationTransport) {}

  async call<M extends StationMethod>(method: M, params: Params<M>): Promise<Result<M>> {
    const answer = await this.transport.call(method, params);
    if (answer.ok) return answer.result as Result<M>;
    const parsed = errorShape.safeParse(answer.error);
    if (parsed.success) throw DvsanError.fromShape(parsed.data);
    throw new DvsanError('internal', 'the station answered with an unreadable error');
  }

  onEvent(listener: (event: StationEvent) => void): () => void {
    return this.transport.subscribe(listener);
  }
}
