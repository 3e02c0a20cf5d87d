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

export interface InitiatorChapRecord {
  initiatorIqn: string;
  user: string;
  secretEnc: string;
  mutualUser: string;
  mutualSecretEnc: string;
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
    const rows = await this.db.all<{
      volume_id: string;
      initiator_iqn: string;
      host_id: string | null;
    }>('SELECT * FROM exports WHERE volume_id = ? ORDER BY initiator_iqn', [volumeId]);
    return rows.map((r) => ({
      volumeId: r.volume_id,
      initiatorIqn: r.initiator_iqn,
      hostId: r.host_id,
    }));
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

  async chapFor(initiatorIqn: string): Promise<InitiatorChapRecord | undefined> {
    const r = await this.db.get<{
      initiator_iqn: string;
      user: string;
      secret_enc: string;
      mutual_user: string;
      mutual_secret_enc: string;
    }>('SELECT * FROM initiator_chap WHERE initiator_iqn = ?', [initiatorIqn]);
    return (
      r && {
        initiatorIqn: r.initiator_iqn,
        user: r.user,
        secretEnc: r.secret_enc,
        mutualUser: r.mutual_user,
        mutualSecretEnc: r.mutual_secret_enc,
      }
    );
  }

  async saveChap(c: InitiatorChapRecord): Promise<void> {
    await this.db.run(
      'INSERT INTO initiator_chap (initiator_iqn, user, secret_enc, mutual_user, mutual_secret_enc) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [c.initiatorIqn, c.user, c.secretEnc, c.mutualUser, c.mutualSecretEnc],
    );
  }
}
