import type { Database } from '../../db/database.js';
import { paged } from '../paged.js';
import type { ReportDefinition, Row } from '../types.js';

interface ExportRow {
  host: string;
  host_address: string | null;
  initiator_iqn: string;
  volume: string;
  size_bytes: number;
  unit: string;
  unit_address: string;
  target_iqn: string;
  mount_point: string | null;
}

/** Mount points arrive with host attach; until its table exists the column stays empty. */
async function hasMountPoints(db: Database): Promise<boolean> {
  const row = await db.get(
    "SELECT 1 AS yes FROM pragma_table_info('attachments') WHERE name = 'mount_point'",
  );
  return row !== undefined;
}

/** Per host: the volumes exported to it, their sizes, the units they live on, mount points. */
export const allocationReport: ReportDefinition = {
  kind: 'allocation',
  title: 'Allocation',
  periodic: false,
  async build({ db }) {
    const totals = await db.get<{ exports: number; hosts: number; volumes: number }>(
      `SELECT count(*) AS exports, count(DISTINCT coalesce(e.host_id, e.initiator_iqn)) AS hosts,
         count(DISTINCT e.volume_id) AS volumes FROM exports e`,
    );
    const mounts = await hasMountPoints(db);
    return {
      summary: [
        { key: 'hosts', label: 'Hosts with volumes', value: totals?.hosts ?? 0, type: 'number' },
        { key: 'exports', label: 'Exports', value: totals?.exports ?? 0, type: 'number' },
        { key: 'volumes', label: 'Exported volumes', value: totals?.volumes ?? 0, type: 'number' },
      ],
      charts: [],
      tables: [
        {
          name: 'allocation',
          title: 'Volumes per host',
          columns: [
            { key: 'host', label: 'Host' },
            { key: 'hostAddress', label: 'Host address' },
            { key: 'initiatorIqn', label: 'Initiator' },
            { key: 'volume', label: 'Volume' },
            { key: 'sizeBytes', label: 'Size', type: 'bytes' },
            { key: 'unit', label: 'Unit' },
            { key: 'unitAddress', label: 'Unit address' },
            { key: 'targetIqn', label: 'Target IQN' },
            { key: 'mountPoint', label: 'Mount point' },
          ],
          rows: () => rows(db, mounts),
        },
      ],
    };
  },
};

async function* rows(db: Database, mounts: boolean): AsyncGenerator<Row> {
  const mountPoint = mounts
    ? '(SELECT a.mount_point FROM attachments a WHERE a.volume_id = v.id AND a.host_id = e.host_id)'
    : 'NULL';
  const pages = paged<ExportRow>(
    (after, limit) =>
      db.all<ExportRow>(
        `SELECT * FROM (
         SELECT coalesce(h.name, e.initiator_iqn) AS host, h.address AS host_address,
           e.initiator_iqn, v.name AS volume, v.size_bytes, u.name AS unit,
           u.address AS unit_address, v.iqn AS target_iqn, ${mountPoint} AS mount_point
         FROM exports e JOIN volumes v ON v.id = e.volume_id JOIN nodes u ON u.id = v.unit_id
         LEFT JOIN nodes h ON h.id = e.host_id)
       WHERE (host, volume, initiator_iqn) > (?, ?, ?)
       ORDER BY host, volume, initiator_iqn LIMIT ?`,
        [after?.host ?? '', after?.volume ?? '', after?.initiator_iqn ?? '', limit],
      ),
    // Each page sorts the whole join again: larger pages mean fewer sorts.
    2000,
  );
  for await (const r of pages) {
    yield {
      host: r.host,
      hostAddress: r.host_address ?? '',
      initiatorIqn: r.initiator_iqn,
      volume: r.volume,
      sizeBytes: r.size_bytes,
      unit: r.unit,
      unitAddress: r.unit_address,
      targetIqn: r.target_iqn,
      mountPoint: r.mount_point ?? '',
    };
  }
}
