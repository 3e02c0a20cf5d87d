import type { EventRecord } from '../../protocol/index.js';
import type { Database } from './database.js';

interface EventRow {
  id: number;
  at: string;
  severity: EventRecord['severity'];
  kind: string;
  node_id: string | null;
  message: string;
  details_json: string | null;
}

const fromRow = (r: EventRow): EventRecord => ({
  id: r.id,
  at: r.at,
  severity: r.severity,
  kind: r.kind,
  nodeId: r.node_id,
  message: r.message,
  details: r.details_json ? (JSON.parse(r.details_json) as Record<string, unknown>) : null,
});

export class EventsRepo {
  constructor(private readonly db: Database) {}

  async add(e: Omit<EventRecord, 'id'>): Promise<EventRecord> {
    const row = await this.db.get<EventRow>(
      `INSERT INTO events (at, severity, kind, node_id, message, details_json) VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
      [e.at, e.severity, e.kind, e.nodeId, e.message, e.details ? JSON.stringify(e.details) : null],
    );
    return fromRow(row as EventRow);
  }

  async list(limit: number): Promise<EventRecord[]> {
    return (
      await this.db.all<EventRow>('SELECT * FROM events ORDER BY id DESC LIMIT ?', [limit])
    ).map(fromRow);
  }
}
