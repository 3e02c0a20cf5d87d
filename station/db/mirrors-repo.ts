import type { Filesystem } from '../../protocol/index.js';
import type { Database } from './database.js';

export type MirrorRecordState = 'creating' | 'whole' | 'degraded' | 'failed' | 'removing';

/** A mirrored volume on a host: md RAID1 over two attachments (their `mirrorId` is this id). */
export interface MirrorRecord {
  id: string;
  hostId: string;
  name: string;
  state: MirrorRecordState;
  filesystem: Filesystem | null;
  mountPoint: string | null;
  device: string | null;
  /** Attachment ids of the legs md has lost, from the host's last report. */
  missing: string[];
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  host_id: string;
  name: string;
  state: MirrorRecordState;
  filesystem: Filesystem | null;
  mount_point: string | null;
  device: string | null;
  missing_json: string;
  error: string | null;
  created_at: string;
  updated_at: string;
}

const fromRow = (r: Row): MirrorRecord => ({
  id: r.id,
  hostId: r.host_id,
  name: r.name,
  state: r.state,
  filesystem: r.filesystem,
  mountPoint: r.mount_point,
  device: r.device,
  missing: JSON.parse(r.missing_json) as string[],
  error: r.error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export type MirrorChanges = Partial<Pick<MirrorRecord, 'state' | 'device' | 'missing' | 'error'>>;

const columns: Record<keyof MirrorChanges, string> = {
  state: 'state',
  device: 'device',
  missing: 'missing_json',
  error: 'error',
};

export class MirrorsRepo {
  constructor(private readonly db: Database) {}

  async get(id: string): Promise<MirrorRecord | undefined> {
    const row = await this.db.get<Row>('SELECT * FROM mirrors WHERE id = ?', [id]);
    return row ? fromRow(row) : undefined;
  }

  async list(): Promise<MirrorRecord[]> {
    return (await this.db.all<Row>('SELECT * FROM mirrors ORDER BY created_at')).map(fromRow);
  }

  async ofHost(hostId: string): Promise<MirrorRecord[]> {
    const rows = await this.db.all<Row>(
      'SELECT * FROM mirrors WHERE host_id = ? ORDER BY created_at',
      [hostId],
    );
    return rows.map(fromRow);
  }

  async findByName(hostId: string, name: string): Promise<MirrorRecord | undefined> {
    const row = await this.db.get<Row>('SELECT * FROM mirrors WHERE host_id = ? AND name = ?', [
      hostId,
      name,
    ]);
    return row ? fromRow(row) : undefined;
  }

  async insert(m: MirrorRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO mirrors (id, host_id, name, state, filesystem, mount_point, device, missing_json,
       error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        m.id,
        m.hostId,
        m.name,
        m.state,
        m.filesystem,
        m.mountPoint,
        m.device,
        JSON.stringify(m.missing),
        m.error,
        m.createdAt,
        m.updatedAt,
      ],
    );
  }

  async update(id: string, c: MirrorChanges): Promise<void> {
    const keys = (Object.keys(columns) as (keyof MirrorChanges)[]).filter(
      (k) => c[k] !== undefined,
    );
    if (!keys.length) return;
    const values = keys.map((k) =>
      k === 'missing' ? JSON.stringify(c.missing) : (c[k] as string | null),
    );
    const sets = keys.map((k) => `${columns[k]} = ?`).join(', ');
    await this.db.run(`UPDATE mirrors SET ${sets}, updated_at = ? WHERE id = ?`, [
      ...values,
      new Date().toISOString(),
      id,
    ]);
  }

  async remove(id: string): Promise<void> {
    await this.db.run('DELETE FROM mirrors WHERE id = ?', [id]);
  }
}
