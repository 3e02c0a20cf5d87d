import {
  DvsanError,
  isStationMethod,
  stationApi,
  type StationEvent,
  type StationTransport,
  toErrorShape,
} from '../../protocol/index.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { Handlers } from './handlers.js';

/**
 * The in-process transport: every call is checked against its schema before a handler sees
 * it, and every failure comes back as an error shape (this never throws).
 */
export function createDispatcher(handlers: Handlers, bus: EventBus, log: Logger): StationTransport {
  return {
    async call(method, params) {
      try {
        if (!isStationMethod(method)) throw new DvsanError('not-found', `unknown method ${method}`);
        const parsed = stationApi[method].params.safeParse(params ?? {});
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          const field = issue?.path.join('.') || 'params';
          throw new DvsanError('invalid-params', `${field}: ${issue?.message ?? 'invalid'}`, {
            field,
          });
        }
        const handler = handlers[method] as (p: unknown) => Promise<unknown>;
        return { ok: true, result: await handler(parsed.data) };
      } catch (err) {
        const error = toErrorShape(err);
        if (error.code === 'internal') log.error({ err, method }, 'station call failed');
        else log.info({ method, code: error.code }, error.message);
        return { ok: false, error };
      }
    },
    subscribe(listener: (event: StationEvent) => void) {
      return bus.subscribe(listener);
    },
  };
}
