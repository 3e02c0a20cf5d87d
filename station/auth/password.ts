import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  /** CPU/memory cost (a power of two). */
  N: number;
  r: number;
  p: number;
}

/** ~110 ms and 32 MiB per hash on a small server: cheap for a login, dear for a guesser. */
export const defaultScrypt: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

const keyBytes = 32;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFC'),
      salt,
      keyBytes,
      // scrypt needs 128 * N * r bytes; Node's default ceiling (32 MiB) is just too small.
      { ...params, maxmem: 256 * params.N * params.r },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

/**
 * `scrypt$N$r$p$salt$hash` (base64): the parameters travel with the hash, so raising the cost
 * later leaves old hashes verifiable.
 */
export async function hashPassword(
  password: string,
  params: ScryptParams = defaultScrypt,
): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return [
    'scrypt',
    params.N,
    params.r,
    params.p,
    salt.toString('base64'),
    key.toString('base64'),
  ].join('$');
}

const stored = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

/** True when `password` matches; the comparison takes the same time wherever they differ. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const m = stored.exec(hash);
  if (!m) return false;
  const params = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  // A tampered row must not make the station burn gigabytes.
  if (params.N > 2 ** 20 || params.r > 32 || params.p > 16) return false;
  const expected = Buffer.from(m[5] as string, 'base64');
  const key = await derive(password, Buffer.from(m[4] as string, 'base64'), params);
  return key.length === expected.length && timingSafeEqual(key, expected);
}
