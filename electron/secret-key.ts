import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The part of Electron's safeStorage this module uses, so tests can hand in a fake. */
export interface KeyVault {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plain: string): Promise<Buffer>;
  decryptStringAsync(sealed: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
}

export const sealedKeyFile = 'secret.key.sealed';
/** The station's own 0600 key file (station/index.ts) where no keychain sealed the key. */
export const plainKeyFile = 'secret.key';

/**
 * The station's secret key on the desktop: 32 random bytes kept sealed by the OS keychain
 * (safeStorage), so saved passwords and CHAP secrets are useless without the user's login.
 * Returns undefined where no keychain is available; the station then uses its 0600 key file.
 */
export async function desktopSecretKey(
  vault: KeyVault,
  dataDir: string,
): Promise<Buffer | undefined> {
  if (!(await vault.isAsyncEncryptionAvailable())) return undefined;
  const file = join(dataDir, sealedKeyFile);
  let sealed: Buffer | null = null;
  try {
    sealed = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (sealed) {
    const { result, shouldReEncrypt } = await vault.decryptStringAsync(sealed);
    const key = Buffer.from(result, 'hex');
    if (key.length !== 32)
      throw new Error(
        `${file} does not hold a station key; move it away to start over (saved secrets will need entering again)`,
      );
    if (shouldReEncrypt) await store(vault, file, result);
    return key;
  }
  // A station that ran without a keychain (or before the desktop sealed its key) kept its key
  // in a 0600 file: adopt that key, or every secret it sealed would be lost.
  const plainFile = join(dataDir, plainKeyFile);
  const existing = await readFile(plainFile).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  const key = existing?.length === 32 ? existing : randomBytes(32);
  await store(vault, file, key.toString('hex'));
  // Sealed now: the plain copy would make the keychain pointless.
  if (existing) await rm(plainFile, { force: true });
  return key;
}

async function store(vault: KeyVault, file: string, hex: string): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, await vault.encryptStringAsync(hex), { mode: 0o600 });
  await rename(tmp, file);
}
