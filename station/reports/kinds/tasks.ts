import type { Database } from '../../db/database.js';
import { paged } from '../paged.js';
import type { Period, ReportDefinition, Row } from '../types.js';

interface TaskRow {
  id: string;
  kind: string;
  targets_json: string;
  state: string;
  progress: number;
  error_json: string | null;
  created_at: string;
  updated_at: string;
}

/** Tasks started in the period, oldest first, with how each ended. */
export const tasksReport: ReportDefinition = {
  kind: 'tasks',
  title: 'Tasks',
  periodic: true,
  async build({ db, period }) {
    const byState = await db.all<{ state: string; count: number }>(
      'SELECT state, count(*) AS count FROM tasks WHERE created_at >= ? AND created_at < ? GROUP BY state ORDER BY state',
      [period.from, period.to],
    );
    const count = (state?: string) =>
      byState.filter((s) => !state || s.state === state).reduce((n, s) => n + s.count, 0);
    return {
      summary: [
        { key: 'tasks', label: 'Tasks', value: count(), type: 'number' },
        { key: 'succeeded', label: 'Succeeded', value: count('succeeded'), type: 'number' },
        { key: 'failed', label: 'Failed', value: count('failed'), type: 'number' },
        { key: 'interrupted', label: 'Interrupted', value: count('interrupted'), type: 'number' },
      ],
      charts: byState.length
        ? [
            {
              title: 'Tasks by outcome',
              option: {
                xAxis: { type: 'category', data: byState.map((s) => s.state) },
                yAxis: { type: 'value', minInterval: 1 },
                series: [{ type: 'bar', data: byState.map((s) => s.count) }],
              },
            },
          ]
        : [],
      tables: [
        {
          name: 'tasks',
          title: 'Tasks',
          columns: [
            { key: 'createdAt', label: 'Started', type: 'time' },
            { key: 'kind', label: 'Kind' },
            { key: 'targets', label: 'Targets' },
            { key: 'state', label: 'State' },
            { key: 'progress', label: 'Progress', type: 'percent' },
            { key: 'updatedAt', label: 'Last change', type: 'time' },
            { key: 'error', label: 'Error' },
            { key: 'id', label: 'Task id' },
          ],
          rows: () => rows(db, period),
        },
      ],
    };
  },
};

async function* rows(db: Database, period: Period): AsyncGenerator<Row> {
  const pages = paged<TaskRow>((after, limit) =>
    db.all<TaskRow>(
      `SELECT id, kind, targets_json, state, progress, error_json, created_at, updated_at
       FROM tasks WHERE created_at >= ? AND created_at < ? AND (created_at, id) > (?, ?)
       ORDER BY created_at, id LIMIT ?`,
      [period.from, period.to, after?.created_at ?? '', after?.id ?? '', limit],
    ),
  );
  for await (const t of pages) {
    const error = t.error_json ? (JSON.parse(t.error_json) as { message?: string }) : null;
    yield {
      createdAt: t.created_at,
      kind: t.kind,
      targets: (JSON.parse(t.targets_json) as string[]).join(' '),
      state: t.state,
      progress: t.progress,
      updatedAt: t.updated_at,
      error: error?.message ?? '',
      id: t.id,
    };
  }
}
