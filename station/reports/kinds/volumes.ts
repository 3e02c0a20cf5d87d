import type { Database } from '../../db/database.js';
import { paged } from '../paged.js';
import type { ReportDefinition, Row } from '../types.js';

interface VolumeRow {
  name: string;
  size_bytes: number;
  unit: string;
  pool: string;
  shared: number;
  iqn: string;
  exported_to: string | null;
  created_at: string;
}

/** Every volume: its size, the unit and pool it lives on, and who it is exported to. */
export const volumesReport: ReportDefinition = {
  kind: 'volumes',
  title: 'Volumes',
  periodic: false,
  async build({ db }) {
    const totals = await db.get<{ count: number; bytes: number | null }>(
      'SELECT count(*) AS count, sum(size_bytes) AS bytes FROM volumes',
    );
    const perUnit = await db.all<{ unit: string; count: number; bytes: number }>(
      `SELECT n.name AS unit, count(*) AS count, sum(v.size_bytes) AS bytes
       FROM volumes v JOIN nodes n ON n.id = v.unit_id GROUP BY n.name ORDER BY n.name`,
    );
    return {
      summary: [
        { key: 'volumes', label: 'Volumes', value: totals?.count ?? 0, type: 'number' },
        { key: 'totalBytes', label: 'Total size', value: totals?.bytes ?? 0, type: 'bytes' },
        { key: 'units', label: 'Units holding volumes', value: perUnit.length, type: 'number' },
      ],
      charts: perUnit.length
        ? [
            {
              title: 'Provisioned size per unit (GiB)',
              option: {
                xAxis: { type: 'category', data: perUnit.map((u) => u.unit) },
                yAxis: { type: 'value', name: 'GiB' },
                series: [
                  {
                    type: 'bar',
                    data: perUnit.map((u) => Math.round((u.bytes / 2 ** 30) * 10) / 10),
                  },
                ],
              },
            },
          ]
        : [],
      tables: [
        {
          name: 'volumes',
          title: 'Volumes',
          columns: [
            { key: 'name', label: 'Volume' },
            { key: 'sizeBytes', label: 'Size', type: 'bytes' },
            { key: 'unit', label: 'Unit' },
            { key: 'pool', label: 'Pool' },
            { key: 'shared', label: 'Shared', type: 'bool' },
            { key: 'iqn', label: 'Target IQN' },
            { key: 'exportedTo', label: 'Exported to' },
            { key: 'createdAt', label: 'Created', type: 'time' },
          ],
          rows: () => rows(db),
        },
      ],
    };
  },
};

async function* rows(db: Database): AsyncGenerator<Row> {
  const pages = paged<VolumeRow>((after, limit) =>
    db.all<VolumeRow>(
      `SELECT v.name, v.size_bytes, n.name AS unit, v.pool, v.shared, v.iqn, v.created_at,
         (SELECT group_concat(initiator_iqn, ' ') FROM
            (SELECT initiator_iqn FROM exports e WHERE e.volume_id = v.id ORDER BY initiator_iqn))
           AS exported_to
       FROM volumes v JOIN nodes n ON n.id = v.unit_id
       WHERE v.name > ? ORDER BY v.name LIMIT ?`,
      [after?.name ?? '', limit],
    ),
  );
  for await (const v of pages) {
    yield {
      name: v.name,
      sizeBytes: v.size_bytes,
      unit: v.unit,
      pool: v.pool,
      shared: v.shared === 1,
      iqn: v.iqn,
      exportedTo: v.exported_to ?? '',
      createdAt: v.created_at,
    };
  }
}
