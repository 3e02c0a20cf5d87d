import { randomUUID } from 'node:crypto';
import type { UserRole, UserView } from '../../protocol/index.js';
import type { Database } from '../db/database.js';

export interface UserRecord extends UserView {
  id: string;
  passwordHash: string;
}

interface UserRow {
  id: string;
  name: string;
  role: UserRole;
  password_hash: string;
  created_at: string;
  updated_at: string;
}

const fromRow = (r: UserRow): UserRecord => ({
  id: r.id,
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The view a client may see: never the hash. */
export const userView = (u: UserRecord): UserView => ({
  name: u.name,
  role: u.role,
  createdAt: u.createdAt,
  updatedAt: u.updatedAt,
});

/** The station's user accounts. */
export class UsersRepo {
  constructor(private readonly db: Database) {}

  async list(): Promise<UserRecord[]> {
    const rows = await this.db.all<UserRow>('SELECT * FROM users ORDER BY name');
    return rows.map(fromRow);
  }

  async byName(name: string): Promise<UserRecord | null> {
    const row = await this.db.get<UserRow>('SELECT * FROM users WHERE name = ?', [name]);
    return row ? fromRow(row) : null;
  }

  async byId(id: string): Promise<UserRecord | null> {
    const row = await this.db.get<UserRow>('SELECT * FROM users WHERE id = ?', [id]);
    return row ? fromRow(row) : null;
  }

  async count(): Promise<number> {
    const row = await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM users');
    return row?.n ?? 0;
  }

  async add(name: string, role: UserRole, passwordHash: string): Promise<UserRecord> {
    const now = new Date().toISOString();
    const id = randomUUID();
    await this.db.run(
      'INSERT INTO users (id, name, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      [id, name, role, passwordHash, now, now],
    );
    return { id, name, role, passwordHash, createdAt: now, updatedAt: now };
  }

  /**
   * Changes a role unless that would leave no admin; checked and written in one transaction
   * so two admins demoting each other at once cannot both succeed.
   */
  setRole(name: string, role: UserRole): Promise<'ok' | 'missing' | 'last-admin'> {
    return this.db.transaction(async () => {
      const user = await this.byName(name);
      if (!user) return 'missing';
      if (user.role === 'admin' && role !== 'admin' && (await this.admins()) <= 1)
        return 'last-admin';
      await this.db.run('UPDATE users SET role = ?, updated_at = ? WHERE id = ?', [
        role,
        new Date().toISOString(),
        user.id,
      ]);
      return 'ok';
    });
  }

  /** Removes a user (and so their sessions) unless they are the last admin. */
  remove(name: string): Promise<'ok' | 'missing' | 'last-admin'> {
    return this.db.transaction(async () => {
      const user = await this.byName(name);
      if (!user) return 'missing';
      if (user.role === 'admin' && (await this.admins()) <= 1) return 'last-admin';
      await this.db.run('DELETE FROM users WHERE id = ?', [user.id]);
      return 'ok';
    });
  }

  async setPasswordHash(name: string, passwordHash: string): Promise<boolean> {
    const { changes } = await this.db.run(
      'UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?',
      [passwordHash, new Date().toISOString(), name],
    );
    return changes > 0;
  }

  private async admins(): Promise<number> {
    const row = await this.db.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM users WHERE role = 'admin'",
    );
    return row?.n ?? 0;
  }
}
