import {
  DvsanError,
  isStationMethod,
  stationApi,
  type StationEvent,
  type StationMethod,
  type StationTransport,
  toErrorShape,
} from '../../protocol/index.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { Handlers } from './handlers.js';
import { type CallContext, localCall } from './call-context.js';
import type { CallAudit } from '../db/audit-repo.js';

/** The transport with the caller's identity: servers that know who calls pass it in. */
export interface StationDispatcher extends StationTransport {
  call(
    method: string,
    params: unknown,
    context?: CallContext,
  ): ReturnType<StationTransport['call']>;
}

/**
 * The in-process transport: every call is checked against its schema before a handler sees
 * it, and every failure comes back as an error shape (this never throws).
 */
export function createDispatcher(
  handlers: Handlers,
  bus: EventBus,
  log: Logger,
  audit?: CallAudit,
  /** Throws `forbidden` when the caller's role may not make the call; nothing has run yet. */
  authorize?: (method: StationMethod, params: unknown, context: CallContext) => Promise<void>,
): StationDispatcher {
  return {
    async call(method, params, context: CallContext = localCall) {
      try {
        if (!isStationMethod(method)) throw new DvsanError('not-found', `unknown method ${method}`);
        await authorize?.(method, params, context);
        const parsed = stationApi[method].params.safeParse(params ?? {});
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          const field = issue?.path.join('.') || 'params';
          throw new DvsanError('invalid-params', `${field}: ${issue?.message ?? 'invalid'}`, {
            field,
          });
        }
        const handler = handlers[method] as (p: unknown, c: CallContext) => Promise<unknown>;
        const result = await handler(parsed.data, context);
        audit?.(method, params, context, null);
        return { ok: true, result };
      } catch (err) {
        const error = toErrorShape(err);
        if (error.code === 'internal') log.error({ err, method }, 'station call failed');
        else log.info({ method, code: error.code }, error.message);
        if (isStationMethod(method)) audit?.(method, params, context, error);
        return { ok: false, error };
      }
    },
    subscribe(listener: (event: StationEvent) => void) {
      return bus.subscribe(listener);
    },
  };
}
