import WebSocket from 'ws';
import {
  type StationEvent,
  stationEventSchema,
  type StationTransport,
} from '../../protocol/index.js';

/** The CLI's way to a running station: the same HTTP + WebSocket API the console uses. */
export function remoteTransport(baseUrl: string): StationTransport {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    async call(method, params) {
      try {
        const res = await fetch(`${base}/api/call/${encodeURIComponent(method)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(params ?? {}),
          signal: AbortSignal.timeout(120_000),
        });
        return (await res.json()) as { ok: true; result: unknown } | { ok: false; error: unknown };
      } catch (err) {
        return {
          ok: false,
          error: {
            name: 'DvsanError',
            code: 'internal',
            message: `cannot reach the station at ${base}: ${(err as Error).message}`,
          },
        };
      }
    },
    subscribe(listener: (e: StationEvent) => void) {
      const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/events`);
      ws.on('message', (data) => {
        try {
          const parsed = stationEventSchema.safeParse(JSON.parse(String(data)));
          if (parsed.success) listener(parsed.data);
        } catch {
          // Not an event; ignore.
        }
      });
      ws.on('error', () => undefined);
      return () => ws.close();
    },
  };
}
