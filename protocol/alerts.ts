import { z } from 'zod';
import { stationEventRecordSchema, type EventRecord } from './pool.js';

/** Events at these severities are alerts: someone should look, then acknowledge them. */
export const alertSeverities = ['warning', 'critical'] as const;

export function isAlert(event: Pick<EventRecord, 'severity'>): boolean {
  return (alertSeverities as readonly string[]).includes(event.severity);
}

/** An alert nobody has acknowledged yet. */
export function isOpenAlert(event: Pick<EventRecord, 'severity' | 'acknowledgedAt'>): boolean {
  return isAlert(event) && event.acknowledgedAt === null;
}

/** 'event/list' params: the newest events, or only the open alerts. */
export const eventListParamsSchema = z
  .object({
    limit: z.number().int().min(1).max(1000).default(200),
    /** Only warning and critical events nobody has acknowledged. */
    openAlerts: z.boolean().default(false),
  })
  .strict();

/** StationApi methods for alerts; merged into stationApi. */
export const alertApi = {
  /**
   * Marks alerts as seen by the caller. All or nothing: an unknown id or an info event
   * refuses the whole call. Acknowledging twice keeps the first acknowledgement.
   */
  'event/acknowledge': {
    params: z.object({ ids: z.array(z.number().int().positive()).min(1).max(1000) }).strict(),
    result: z.array(stationEventRecordSchema),
  },
} as const;
