import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../../../station/auth/password.js';

// Cheap parameters keep the suite fast; the format and the checks are the same.
const cheap = { N: 1024, r: 8, p: 1 };

describe('scrypt passwords', () => {
  it('stores the parameters and a per-hash salt with the hash, never the password', async () => {
    const a = await hashPassword('correct horse', cheap);
    const b = await hashPassword('correct horse', cheap);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b); // different salts
    expect(a).not.toContain('correct horse');
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse', cheap);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct hors', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('verifies a hash made with other parameters (the cost can rise later)', async () => {
    const older = await hashPassword('pw-0123456789', { N: 512, r: 4, p: 1 });
    expect(await verifyPassword('pw-0123456789', older)).toBe(true);
  });

  it('refuses malformed or tampered hashes instead of throwing or burning memory', async () => {
    const hash = await hashPassword('pw-0123456789', cheap);
    expect(await verifyPassword('pw-0123456789', 'plain')).toBe(false);
    expect(await verifyPassword('pw-0123456789', hash.replace('$1024$', '$2048$'))).toBe(false);
    expect(await verifyPassword('pw-0123456789', hash.replace('$1024$', `$${2 ** 24}$`))).toBe(
      false,
    );
  });
});
