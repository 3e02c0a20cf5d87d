import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Auth } from '../../../../station/auth/service.js';
import type { AuditEntry } from '../../../../station/db/audit-repo.js';
import type { Database } from '../../../../station/db/database.js';
import { cheapScrypt, freshDb } from './setup.js';

let db: Database;
let auth: Auth;
let audit: AuditEntry[];

beforeEach(async () => {
  db = await freshDb();
  audit = [];
  auth = new Auth(db, { scrypt: cheapScrypt, audit: (e) => audit.push(e) });
  await auth.add('ada', 'admin', 'admin-password-1');
  await auth.add('vic', 'viewer', 'viewer-password-1');
});
afterEach(() => db.close());

describe('accounts and login', () => {
  it('signs in with the right password and never shows a hash', async () => {
    const { user, sessionId } = await auth.login('vic', 'viewer-password-1', '10.0.0.1');
    expect(user.role).toBe('viewer');
    expect((await auth.signedIn(sessionId))?.user.name).toBe('vic');
    expect(JSON.stringify(await auth.list())).not.toMatch(/scrypt|hash/i);
    expect(audit.at(-1)).toMatchObject({
      user: 'vic',
      action: 'session/login',
      source: 'http 10.0.0.1',
      result: 'ok',
    });
  });

  it('says the same for an unknown name and a wrong password, and records both', async () => {
    await expect(auth.login('vic', 'wrong-password', '10.0.0.1')).rejects.toThrow(
      'wrong user name or password',
    );
    await expect(auth.login('nobody', 'wrong-password', '10.0.0.1')).rejects.toThrow(
      'wrong user name or password',
    );
    expect(audit.filter((e) => e.result === 'failed')).toHaveLength(2);
  });

  it('makes a guessed name wait after five failures, even for the right password', async () => {
    for (let i = 0; i < 5; i++)
      await expect(auth.login('vic', `guess-${i}`, '10.0.0.1')).rejects.toThrow(/wrong/);
    await expect(auth.login('vic', 'viewer-password-1', '10.0.0.1')).rejects.toMatchObject({
      code: 'login-failed',
      message: 'too many failed logins: try again in 30 s',
      details: { retryAfterSeconds: 30 },
    });
  });

  it('checks one guess at a time per name: parallel guesses do not slip past the limit', async () => {
    const guesses = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => auth.login('vic', `guess-${i}`, `10.0.0.${i + 1}`)),
    );
    const checked = guesses.filter(
      (g) => g.status === 'rejected' && /wrong user name/.test(String(g.reason)),
    );
    expect(checked).toHaveLength(1);
    expect(guesses.every((g) => g.status === 'rejected')).toBe(true);
  });

  it('keeps the last admin: not removed, not demoted', async () => {
    await expect(auth.remove('ada')).rejects.toThrow(/last admin/);
    await expect(auth.setRole('ada', 'operator')).rejects.toThrow(/last admin/);
    await auth.setRole('vic', 'admin');
    await auth.setRole('ada', 'operator');
    expect((await auth.list()).map((u) => `${u.name}:${u.role}`)).toEqual([
      'ada:operator',
      'vic:admin',
    ]);
  });

  it('refuses a second user of the same name and names the field', async () => {
    await expect(auth.add('vic', 'operator', 'another-password')).rejects.toMatchObject({
      code: 'conflict',
      details: { field: 'name' },
    });
  });

  it('ends every session of a user whose password changes, or who is removed', async () => {
    const a = await auth.login('vic', 'viewer-password-1', '10.0.0.1');
    await auth.setPassword('vic', 'new-viewer-password');
    expect(await auth.signedIn(a.sessionId)).toBeNull();
    await expect(auth.login('vic', 'viewer-password-1', '10.0.0.1')).rejects.toThrow(/wrong/);
    const b = await auth.login('vic', 'new-viewer-password', '10.0.0.1');
    await auth.remove('vic');
    expect(await auth.signedIn(b.sessionId)).toBeNull();
  });
});
