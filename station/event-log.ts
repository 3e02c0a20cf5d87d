import type { EventRecord } from '../protocol/index.js';
import type { EventsRepo } from './db/events-repo.js';
import type { EventBus } from './events.js';
import type { Logger } from './log.js';

/** Records what happened (node down, identity change, thresholds, refused packets) and streams it. */
export class EventLog {
  constructor(
    private readonly repo: EventsRepo,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {}

  async record(
    severity: EventRecord['severity'],
    kind: string,
    nodeId: string | null,
    message: string,
    details: Record<string, unknown> | null = null,
  ): Promise<void> {
    try {
      const event = await this.repo.add({
        at: new Date().toISOString(),
        severity,
        kind,
        nodeId,
        message,
        details,
      });
      this.bus.emit({ type: 'event.created', event });
      this.log[severity === 'info' ? 'info' : 'warn']({ kind, nodeId }, message);
    } catch (err) {
      // Recording must never take the caller down; the log still has it.
      this.log.error({ err, kind, nodeId }, message);
    }
  }

  list(limit: number, openAlerts = false): Promise<EventRecord[]> {
    return this.repo.list(limit, openAlerts);
  }

  /** Acknowledges alerts for `user`; each one that changed is streamed as 'event.updated'. */
  async acknowledge(ids: readonly number[], user: string): Promise<EventRecord[]> {
    const { records, changed } = await this.repo.acknowledge(ids, user, new Date().toISOString());
    for (const event of changed) this.bus.emit({ type: 'event.updated', event });
    if (changed.length)
      this.log.info({ ids: changed.map((e) => e.id), user }, 'alerts acknowledged');
    return records;
  }
}
