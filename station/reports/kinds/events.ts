import type { Database } from '../../db/database.js';
import { paged } from '../paged.js';
import type { Period, ReportDefinition, Row } from '../types.js';

interface EventRow {
  id: number;
  at: string;
  severity: string;
  kind: string;
  node: string | null;
  message: string;
}

const severities = ['critical', 'warning', 'info'] as const;
const colors = { critical: '#c62828', warning: '#d08a00', info: '#5470c6' };

/** Events and alerts raised in the period, oldest first. */
export const eventsReport: ReportDefinition = {
  kind: 'events',
  title: 'Events and alerts',
  periodic: true,
  async build({ db, period }) {
    const perDay = await db.all<{ day: string; severity: string; count: number }>(
      `SELECT substr(at, 1, 10) AS day, severity, count(*) AS count FROM events
       WHERE at >= ? AND at < ? GROUP BY day, severity ORDER BY day`,
      [period.from, period.to],
    );
    const days = [...new Set(perDay.map((d) => d.day))];
    const count = (severity?: string) =>
      perDay.filter((d) => !severity || d.severity === severity).reduce((n, d) => n + d.count, 0);
    return {
      summary: [
        { key: 'events', label: 'Events', value: count(), type: 'number' },
        ...severities.map((s) => ({ key: s, label: s, value: count(s), type: 'number' as const })),
      ],
      charts: days.length
        ? [
            {
              title: 'Events per day',
              option: {
                legend: { data: [...severities], top: 4, right: 8 },
                xAxis: { type: 'category', data: days },
                yAxis: { type: 'value', minInterval: 1 },
                series: severities.map((s) => ({
                  name: s,
                  type: 'bar',
                  stack: 'all',
                  itemStyle: { color: colors[s] },
                  data: days.map(
                    (day) => perDay.find((d) => d.day === day && d.severity === s)?.count ?? 0,
                  ),
                })),
              },
            },
          ]
        : [],
      tables: [
        {
          name: 'events',
          title: 'Events',
          columns: [
            { key: 'at', label: 'At', type: 'time' },
            { key: 'severity', label: 'Severity' },
            { key: 'kind', label: 'Kind' },
            { key: 'node', label: 'Node' },
            { key: 'message', label: 'Message' },
          ],
          rows: () => rows(db, period),
        },
      ],
    };
  },
};

async function* rows(db: Database, period: Period): AsyncGenerator<Row> {
  const pages = paged<EventRow>((after, limit) =>
    db.all<EventRow>(
      `SELECT e.id, e.at, e.severity, e.kind, n.name AS node, e.message
       FROM events e LEFT JOIN nodes n ON n.id = e.node_id
       WHERE e.at >= ? AND e.at < ? AND e.id > ? ORDER BY e.id LIMIT ?`,
      [period.from, period.to, after?.id ?? 0, limit],
    ),
  );
  for await (const e of pages) {
    yield { at: e.at, severity: e.severity, kind: e.kind, node: e.node ?? '', message: e.message };
  }
}
