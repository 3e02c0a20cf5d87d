import type { Filesystem, HostRequestState } from '../../protocol/index.js';
import type { Database } from './database.js';

export interface AttachmentRecord {
  id: string;
  volumeId: string;
  hostId: string;
  state: 'attaching' | 'attached' | 'failed' | 'detaching';
  readOnly: boolean;
  filesystem: Filesystem | null;
  mountPoint: string | null;
  device: string | null;
  backend: string | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  /** The mirror this attachment is a leg of. */
  mirrorId?: string | null;
}

export interface HostRequestRecord {
  id: string;
  hostId: string;
  sizeBytes: number;
  mountPoint: string | null;
  filesystem: Filesystem | null;
  state: HostRequestState;
  reason: string | null;
  taskId: string | null;
  volumeId: string | null;
  decidedBy: string | null;
  createdAt: string;
  updatedAt: string;
}

interface AttachmentRow {
  id: string;
  volume_id: string;
  host_id: string;
  state: AttachmentRecord['state'];
  read_only: number;
  filesystem: Filesystem | null;
  mount_point: string | null;
  device: string | null;
  backend: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
  mirror_id: string | null;
}

interface RequestRow {
  id: string;
  host_id: string;
  size_bytes: number;
  mount_point: string | null;
  filesystem: Filesystem | null;
  state: HostRequestState;
  reason: string | null;
  task_id: string | null;
  volume_id: string | null;
  decided_by: string | null;
  created_at: string;
  updated_at: string;
}

const attachmentFromRow = (r: AttachmentRow): AttachmentRecord => ({
  id: r.id,
  volumeId: r.volume_id,
  hostId: r.host_id,
  state: r.state,
  readOnly: r.read_only === 1,
  filesystem: r.filesystem,
  mountPoint: r.mount_point,
  device: r.device,
  backend: r.backend,
  error: r.error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  mirrorId: r.mirror_id,
});

const requestFromRow = (r: RequestRow): HostRequestRecord => ({
  id: r.id,
  hostId: r.host_id,
  sizeBytes: r.size_bytes,
  mountPoint: r.mount_point,
  filesystem: r.filesystem,
  state: r.state,
  reason: r.reason,
  taskId: r.task_id,
  volumeId: r.volume_id,
  decidedBy: r.decided_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

type AttachmentChanges = Partial<
  Pick<AttachmentRecord, 'state' | 'device' | 'backend' | 'error' | 'mountPoint' | 'mirrorId'>
>;
type RequestChanges = Partial<
  Pick<HostRequestRecord, 'state' | 'reason' | 'taskId' | 'volumeId' | 'decidedBy'>
>;

const attachmentColumns: Record<keyof AttachmentChanges, string> = {
  state: 'state',
  device: 'device',
  backend: 'backend',
  error: 'error',
  mountPoint: 'mount_point',
  mirrorId: 'mirror_id',
};
const requestColumns: Record<keyof RequestChanges, string> = {
  state: 'state',
  reason: 'reason',
  taskId: 'task_id',
  volumeId: 'volume_id',
  decidedBy: 'decided_by',
};

/** Which volume is attached where, and what hosts have asked for. */
export class AttachmentsRepo {
  constructor(private readonly db: Database) {}

  async list(): Promise<AttachmentRecord[]> {
    const rows = await this.db.all<AttachmentRow>('SELECT * FROM attachments ORDER BY created_at');
    return rows.map(attachmentFromRow);
  }

  async get(id: string): Promise<AttachmentRecord | undefined> {
    const row = await this.db.get<AttachmentRow>('SELECT * FROM attachments WHERE id = ?', [id]);
    return row ? attachmentFromRow(row) : undefined;
  }

  async ofVolume(volumeId: string): Promise<AttachmentRecord[]> {
    const rows = await this.db.all<AttachmentRow>('SELECT * FROM attachments WHERE volume_id = ?', [
      volumeId,
    ]);
    return rows.map(attachmentFromRow);
  }

  async ofHost(hostId: string): Promise<AttachmentRecord[]> {
    const rows = await this.db.all<AttachmentRow>(
      'SELECT * FROM attachments WHERE host_id = ? ORDER BY created_at',
      [hostId],
    );
    return rows.map(attachmentFromRow);
  }

  async insert(a: AttachmentRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO attachments (id, volume_id, host_id, state, read_only, filesystem, mount_point,
       device, backend, error, created_at, updated_at, mirror_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        a.id,
        a.volumeId,
        a.hostId,
        a.state,
        a.readOnly ? 1 : 0,
        a.filesystem,
        a.mountPoint,
        a.device,
        a.backend,
        a.error,
        a.createdAt,
        a.updatedAt,
        a.mirrorId ?? null,
      ],
    );
  }

  async update(id: string, changes: AttachmentChanges): Promise<void> {
    await this.patch('attachments', id, changes, attachmentColumns);
  }

  async remove(id: string): Promise<void> {
    await this.db.run('DELETE FROM attachments WHERE id = ?', [id]);
  }

  async listRequests(state?: HostRequestState): Promise<HostRequestRecord[]> {
    const rows = state
      ? await this.db.all<RequestRow>(
          'SELECT * FROM host_requests WHERE state = ? ORDER BY created_at',
          [state],
        )
      : await this.db.all<RequestRow>('SELECT * FROM host_requests ORDER BY created_at');
    return rows.map(requestFromRow);
  }

  async getRequest(id: string): Promise<HostRequestRecord | undefined> {
    const row = await this.db.get<RequestRow>('SELECT * FROM host_requests WHERE id = ?', [id]);
    return row ? requestFromRow(row) : undefined;
  }

  /** False when a request with this id exists already (a resent datagram). */
  async insertRequest(r: HostRequestRecord): Promise<boolean> {
    const { changes } = await this.db.run(
      `INSERT OR IGNORE INTO host_requests (id, host_id, size_bytes, mount_point, filesystem, state,
       reason, task_id, volume_id, decided_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        r.id,
        r.hostId,
        r.sizeBytes,
        r.mountPoint,
        r.filesystem,
        r.state,
        r.reason,
        r.taskId,
        r.volumeId,
        r.decidedBy,
        r.createdAt,
        r.updatedAt,
      ],
    );
    return changes > 0;
  }

  async updateRequest(id: string, changes: RequestChanges): Promise<void> {
    await this.patch('host_requests', id, changes, requestColumns);
  }

  private async patch<C extends object>(
    table: 'attachments' | 'host_requests',
    id: string,
    changes: C,
    columns: Record<keyof C, string>,
  ): Promise<void> {
    const keys = (Object.keys(changes) as (keyof C)[]).filter((k) => changes[k] !== undefined);
    if (!keys.length) return;
    const sets = keys.map((k) => `${columns[k]} = ?`).join(', ');
    const values = keys.map((k) => changes[k] as string | number | null);
    await this.db.run(`UPDATE ${table} SET ${sets}, updated_at = ? WHERE id = ?`, [
      ...values,
      new Date().toISOString(),
      id,
    ]);
  }
}
