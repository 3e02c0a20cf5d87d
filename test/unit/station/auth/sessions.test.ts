import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csrfMatches, Sessions } from '../../../../station/auth/sessions.js';
import { UsersRepo } from '../../../../station/auth/users-repo.js';
import type { Database } from '../../../../station/db/database.js';
import { freshDb } from './setup.js';

let db: Database;
let now: number;
let sessions: Sessions;
let userId: string;

beforeEach(async () => {
  db = await freshDb();
  now = Date.parse('2026-11-26T00:00:00Z');
  sessions = new Sessions(db, { maxAgeMs: 12 * 3_600_000, idleMs: 30 * 60_000 }, () => now);
  userId = (await new UsersRepo(db).add('bob', 'viewer', 'scrypt$x')).id;
});
afterEach(() => db.close());

describe('sessions', () => {
  it('hands out 256-bit random ids and stores only their hashes', async () => {
    const a = await sessions.create(userId);
    const b = await sessions.create(userId);
    expect(Buffer.from(a.id, 'base64url')).toHaveLength(32);
    expect(a.id).not.toBe(b.id);
    const rows = await db.all<{ id_hash: string }>('SELECT id_hash FROM sessions');
    expect(rows.map((r) => r.id_hash)).not.toContain(a.id);
    expect((await sessions.resolve(a.id))?.userId).toBe(userId);
    expect(await sessions.resolve('made-up')).toBeNull();
    expect(await sessions.resolve(undefined)).toBeNull();
  });

  it('ends a session after 30 idle minutes, and keeps a used one alive', async () => {
    const used = await sessions.create(userId);
    const idle = await sessions.create(userId);
    for (let i = 0; i < 4; i++) {
      now += 20 * 60_000;
      expect(await sessions.resolve(used.id)).not.toBeNull();
    }
    expect(await sessions.resolve(idle.id)).toBeNull();
  });

  it('ends every session 12 hours after login, however busy', async () => {
    const s = await sessions.create(userId);
    for (let i = 0; i < 47; i++) {
      now += 15 * 60_000;
      expect(await sessions.resolve(s.id)).not.toBeNull();
    }
    now += 15 * 60_000;
    expect(await sessions.resolve(s.id)).toBeNull();
  });

  it('ends on logout, and all of a user’s sessions at once', async () => {
    const a = await sessions.create(userId);
    const b = await sessions.create(userId);
    await sessions.end(a.id);
    expect(await sessions.resolve(a.id)).toBeNull();
    expect(await sessions.resolve(b.id)).not.toBeNull();
    await sessions.endAllOf(userId);
    expect(await sessions.resolve(b.id)).toBeNull();
  });

  it('gives each session its own CSRF token, checked against that session only', async () => {
    const a = await sessions.create(userId);
    const b = await sessions.create(userId);
    expect(a.session.csrfToken).not.toBe(b.session.csrfToken);
    expect(csrfMatches(a.id, a.session.csrfToken)).toBe(true);
    expect(csrfMatches(a.id, b.session.csrfToken)).toBe(false);
    expect(csrfMatches(a.id, undefined)).toBe(false);
    expect(csrfMatches(a.id, '')).toBe(false);
    expect((await sessions.resolve(a.id))?.csrfToken).toBe(a.session.csrfToken);
  });
});
