import { DvsanError, type EventRecord } from '../../protocol/index.js';
import type { Database } from './database.js';

interface EventRow {
  id: number;
  at: string;
  severity: EventRecord['severity'];
  kind: string;
  node_id: string | null;
  message: string;
  details_json: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
}

const fromRow = (r: EventRow): EventRecord => ({
  id: r.id,
  at: r.at,
  severity: r.severity,
  kind: r.kind,
  nodeId: r.node_id,
  message: r.message,
  details: r.details_json ? (JSON.parse(r.details_json) as Record<string, unknown>) : null,
  acknowledgedAt: r.acknowledged_at,
  acknowledgedBy: r.acknowledged_by,
});

// Written out in SQL so the partial index events_open_alerts matches these queries.
const openAlert = "severity IN ('warning', 'critical') AND acknowledged_at IS NULL";

export type NewEvent = Omit<EventRecord, 'id' | 'acknowledgedAt' | 'acknowledgedBy'>;

export interface Acknowledged {
  /** Every record asked for, as it is now. */
  records: EventRecord[];
  /** The ones this call acknowledged (the rest were acknowledged before). */
  changed: EventRecord[];
}

export class EventsRepo {
  constructor(private readonly db: Database) {}

  async add(e: NewEvent): Promise<EventRecord> {
    const row = await this.db.get<EventRow>(
      `INSERT INTO events (at, severity, kind, node_id, message, details_json) VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
      [e.at, e.severity, e.kind, e.nodeId, e.message, e.details ? JSON.stringify(e.details) : null],
    );
    return fromRow(row as EventRow);
  }

  /** The newest events, or with `openAlerts` only the alerts nobody acknowledged. */
  async list(limit: number, openAlerts = false): Promise<EventRecord[]> {
    const where = openAlerts ? `WHERE ${openAlert}` : '';
    return (
      await this.db.all<EventRow>(`SELECT * FROM events ${where} ORDER BY id DESC LIMIT ?`, [limit])
    ).map(fromRow);
  }

  /**
   * Acknowledges alerts in one transaction: nothing changes when an id is unknown or names
   * an info event. Alerts acknowledged before keep who did it first and when.
   */
  acknowledge(ids: readonly number[], user: string, at: string): Promise<Acknowledged> {
    const unique = [...new Set(ids)];
    const marks = unique.map(() => '?').join(', ');
    return this.db.transaction(async () => {
      const before = (
        await this.db.all<EventRow>(`SELECT * FROM events WHERE id IN (${marks})`, unique)
      ).map(fromRow);
      const found = new Set(before.map((e) => e.id));
      const missing = unique.filter((id) => !found.has(id));
      if (missing.length)
        throw new DvsanError('not-found', `no event with id ${missing.join(', ')}`, { missing });
      const info = before.filter((e) => e.severity === 'info').map((e) => e.id);
      if (info.length)
        throw new DvsanError(
          'invalid-params',
          `event ${info.join(', ')} is info, not an alert: only warning and critical events are acknowledged`,
          { field: 'ids', info },
        );
      const changed = (
        await this.db.all<EventRow>(
          `UPDATE events SET acknowledged_at = ?, acknowledged_by = ? WHERE id IN (${marks}) AND ${openAlert} RETURNING *`,
          [at, user, ...unique],
        )
      ).map(fromRow);
      const now = new Map(changed.map((e) => [e.id, e]));
      const records = before.map((e) => now.get(e.id) ?? e).sort((a, b) => b.id - a.id);
      return { records, changed: changed.sort((a, b) => b.id - a.id) };
    });
  }
}
