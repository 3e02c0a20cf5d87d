import type { EventLog } from '../event-log.js';
import type { Handlers } from './handlers.js';

type AlertMethods = 'event/list' | 'event/acknowledge';

/** The StationApi entries for the event log and alert acknowledgement. */
export function alertHandlers(events: EventLog): Pick<Handlers, AlertMethods> {
  return {
    'event/list': ({ limit, openAlerts }) => events.list(limit, openAlerts),
    'event/acknowledge': ({ ids }, call) => events.acknowledge(ids, call.user),
  };
}
