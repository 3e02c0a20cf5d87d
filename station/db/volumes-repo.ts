import type { Database } from './database.js';

export interface VolumeRecord {
  id: string;
  name: string;
  unitId: string;
  pool: string;
  sizeBytes: number;
  shared: boolean;
  iqn: string;
  createdAt: string;
}

export interface ExportRecord {
  volumeId: string;
  initiatorIqn: string;
  hostId: string | null;
}

/** CHAP credentials, sealed: per host initiator (incoming) or per unit (mutual, the target's). */
export interface ChapRecord {
  owner: string;
  user: string;
  secretEnc: string;
}

interface VolumeRow {
  id: string;
  name: string;
  unit_id: string;
  pool: string;
  size_bytes: number;
  shared: number;
  iqn: string;
  created_at: string;
}

const fromRow = (r: VolumeRow): VolumeRecord => ({
  id: r.id,
  name: r.name,
  unitId: r.unit_id,
  pool: r.pool,
  sizeBytes: r.size_bytes,
  shared: r.shared === 1,
  iqn: r.iqn,
  createdAt: r.created_at,
});

/** The desired state of volumes and exports: what the station wants each unit to have. */
export class VolumesRepo {
  constructor(private readonly db: Database) {}

  async list(): Promise<VolumeRecord[]> {
    return (await this.db.all<VolumeRow>('SELECT * FROM volumes ORDER BY name')).map(fromRow);
  }

  /** Volumes per unit id, as the station wants them (a unit's own report may lag behind). */
  async countByUnit(): Promise<Map<string, number>> {
    const rows = await this.db.all<{ unit_id: string; n: number }>(
      'SELECT unit_id, COUNT(*) AS n FROM volumes GROUP BY unit_id',
    );
    return new Map(rows.map((r) => [r.unit_id, r.n]));
  }

  async get(id: string): Promise<VolumeRecord | undefined> {
    const row = await this.db.get<VolumeRow>('SELECT * FROM volumes WHERE id = ?', [id]);
    return row ? fromRow(row) : undefined;
  }

  async findByName(name: string): Promise<VolumeRecord | undefined> {
    const row = await this.db.get<VolumeRow>('SELECT * FROM volumes WHERE name = ?', [name]);
    return row ? fromRow(row) : undefined;
  }

  async insert(v: VolumeRecord): Promise<void> {
    await this.db.run(
      'INSERT INTO volumes (id, name, unit_id, pool, size_bytes, shared, iqn, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [v.id, v.name, v.unitId, v.pool, v.sizeBytes, v.shared ? 1 : 0, v.iqn, v.createdAt],
    );
  }

  async setSize(id: string, sizeBytes: number): Promise<void> {
    await this.db.run('UPDATE volumes SET size_bytes = ? WHERE id = ?', [sizeBytes, id]);
  }

  async remove(id: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM volumes WHERE id = ?', [id])).changes > 0;
  }

  async exportsOf(volumeId: string): Promise<ExportRecord[]> {
    return (await this.exportsGrouped(volumeId)).get(volumeId) ?? [];
  }

  /** Exports grouped by volume: of one volume, or of all in one query (lists of thousands). */
  async exportsGrouped(volumeId?: string): Promise<Map<string, ExportRecord[]>> {
    const rows = await this.db.all<{
      volume_id: string;
      initiator_iqn: string;
      host_id: string | null;
    }>(
      `SELECT * FROM exports ${volumeId ? 'WHERE volume_id = ?' : ''} ORDER BY volume_id, initiator_iqn`,
      volumeId ? [volumeId] : [],
    );
    const grouped = new Map<string, ExportRecord[]>();
    for (const r of rows) {
      const list = grouped.get(r.volume_id) ?? [];
      list.push({ volumeId: r.volume_id, initiatorIqn: r.initiator_iqn, hostId: r.host_id });
      grouped.set(r.volume_id, list);
    }
    return grouped;
  }

  async addExport(e: ExportRecord): Promise<void> {
    await this.db.run(
      'INSERT INTO exports (volume_id, initiator_iqn, host_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [e.volumeId, e.initiatorIqn, e.hostId, new Date().toISOString()],
    );
  }

  async removeExport(volumeId: string, initiatorIqn: string): Promise<void> {
    await this.db.run('DELETE FROM exports WHERE volume_id = ? AND initiator_iqn = ?', [
      volumeId,
      initiatorIqn,
    ]);
  }

  /** `kind` picks the table: a host initiator's credentials or a unit's target identity. */
  async chapFor(kind: 'initiator' | 'unit', owner: string): Promise<ChapRecord | undefined> {
    const sql =
      kind === 'initiator'
        ? 'SELECT initiator_iqn AS owner, user, secret_enc FROM initiator_chap WHERE initiator_iqn = ?'
        : 'SELECT unit_id AS owner, user, secret_enc FROM unit_chap WHERE unit_id = ?';
    const r = await this.db.get<{ owner: string; user: string; secret_enc: string }>(sql, [owner]);
    return r && { owner: r.owner, user: r.user, secretEnc: r.secret_enc };
  }

  async saveChap(kind: 'initiator' | 'unit', c: ChapRecord): Promise<void> {
    const sql =
      kind === 'initiator'
        ? 'INSERT INTO initiator_chap (initiator_iqn, user, secret_enc) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'
        : 'INSERT INTO unit_chap (unit_id, user, secret_enc) VALUES (?, ?, ?) ON CONFLICT DO NOTHING';
    await this.db.run(sql, [c.owner, c.user, c.secretEnc]);
  }
}
