import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/database.js';

export interface SessionLimits {
  /** A session ends this long after login, used or not. */
  maxAgeMs: number;
  /** A session ends after this long without a request. */
  idleMs: number;
}

export const defaultSessionLimits: SessionLimits = {
  maxAgeMs: 12 * 60 * 60_000,
  idleMs: 30 * 60_000,
};

/** last_seen is written at most this often, so a busy console does not write on every call. */
const touchEveryMs = 60_000;

export interface Session {
  userId: string;
  /** Sent by the console in a header on every POST; a cross-site page cannot read it. */
  csrfToken: string;
  expiresAt: Date;
}

interface SessionRow {
  user_id: string;
  last_seen_at: string;
  expires_at: string;
}

// Only a hash is stored: a copy of the database does not let anyone ride a live session.
const idHash = (id: string) => createHash('sha256').update(id).digest('base64url');
// The token is derived from the session id, so it needs no storage and dies with the session.
const csrfFor = (id: string) => createHmac('sha256', id).update('dvsan csrf').digest('base64url');

/** True when `token` is the CSRF token of session `id`, compared in constant time. */
export function csrfMatches(id: string, token: string | undefined): boolean {
  if (!token) return false;
  const want = Buffer.from(csrfFor(id));
  const got = Buffer.from(token);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Login sessions: random 256-bit ids handed out once, kept as hashes with an expiry. */
export class Sessions {
  constructor(
    private readonly db: Database,
    private readonly limits: SessionLimits = defaultSessionLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts a session; the id goes into the cookie and is never stored in clear. */
  async create(userId: string): Promise<{ id: string; session: Session }> {
    const id = randomBytes(32).toString('base64url');
    const now = this.now();
    const expiresAt = new Date(now + this.limits.maxAgeMs);
    await this.db.run(
      'INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      [idHash(id), userId, iso(now), iso(now), expiresAt.toISOString()],
    );
    return { id, session: { userId, csrfToken: csrfFor(id), expiresAt } };
  }

  /** The live session for a cookie value, or null (unknown, expired or idle too long). */
  async resolve(id: string | undefined): Promise<Session | null> {
    if (!id || id.length > 100) return null;
    const key = idHash(id);
    const row = await this.db.get<SessionRow>(
      'SELECT user_id, last_seen_at, expires_at FROM sessions WHERE id_hash = ?',
      [key],
    );
    if (!row) return null;
    const now = this.now();
    const lastSeen = Date.parse(row.last_seen_at);
    if (now >= Date.parse(row.expires_at) || now - lastSeen >= this.limits.idleMs) {
      await this.db.run('DELETE FROM sessions WHERE id_hash = ?', [key]);
      return null;
    }
    if (now - lastSeen >= touchEveryMs)
      await this.db.run('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?', [iso(now), key]);
    return { userId: row.user_id, csrfToken: csrfFor(id), expiresAt: new Date(row.expires_at) };
  }

  async end(id: string): Promise<void> {
    await this.db.run('DELETE FROM sessions WHERE id_hash = ?', [idHash(id)]);
  }

  /** Ends every session of a user (password changed). */
  async endAllOf(userId: string): Promise<void> {
    await this.db.run('DELETE FROM sessions WHERE user_id = ?', [userId]);
  }

  /** Drops sessions that have expired; run now and then so the table does not grow. */
  async sweep(): Promise<void> {
    const now = this.now();
    await this.db.run('DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?', [
      iso(now),
      iso(now - this.limits.idleMs),
    ]);
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
