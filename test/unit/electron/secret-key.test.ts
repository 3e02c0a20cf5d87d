import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  desktopSecretKey,
  type KeyVault,
  plainKeyFile,
  sealedKeyFile,
} from '../../../electron/secret-key.js';

/** A stand-in keychain: "seals" by reversing and tagging, enough to see what is stored. */
function fakeVault(available = true, rotate = false): KeyVault & { sealed: number } {
  const vault = {
    sealed: 0,
    isAsyncEncryptionAvailable: async () => available,
    encryptStringAsync: async (plain: string) => {
      vault.sealed++;
      return Buffer.from(`sealed:${[...plain].reverse().join('')}`);
    },
    decryptStringAsync: async (b: Buffer) => ({
      result: [...b.toString().replace(/^sealed:/, '')].reverse().join(''),
      shouldReEncrypt: rotate,
    }),
  };
  return vault;
}

describe('desktopSecretKey', () => {
  it('makes a 32-byte key once, stores it only sealed (0600), and returns the same key after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dvsan-key-'));
    const vault = fakeVault();
    const key = await desktopSecretKey(vault, dir);
    expect(key).toHaveLength(32);
    const stored = readFileSync(join(dir, sealedKeyFile));
    expect(stored.toString()).toMatch(/^sealed:/);
    expect(stored.includes(Buffer.from(key!.toString('hex')))).toBe(false);
    expect(statSync(join(dir, sealedKeyFile)).mode & 0o777).toBe(0o600);
    expect(await desktopSecretKey(vault, dir)).toEqual(key);
    expect(vault.sealed).toBe(1);
  });

  it('re-seals when the keychain rotated its key, and leaves the choice to the station without a keychain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dvsan-key-'));
    const key = await desktopSecretKey(fakeVault(), dir);
    const rotating = fakeVault(true, true);
    expect(await desktopSecretKey(rotating, dir)).toEqual(key);
    expect(rotating.sealed).toBe(1);
    expect(
      await desktopSecretKey(fakeVault(false), mkdtempSync(join(tmpdir(), 'dvsan-key-'))),
    ).toBeUndefined();
  });
});

describe('desktopSecretKey on an existing station', () => {
  it('adopts the key file the station kept before the keychain sealed it, then removes the plain copy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dvsan-key-'));
    const old = Buffer.alloc(32, 9);
    writeFileSync(join(dir, plainKeyFile), old, { mode: 0o600 });
    const vault = fakeVault();
    expect(await desktopSecretKey(vault, dir)).toEqual(old);
    expect(existsSync(join(dir, plainKeyFile))).toBe(false);
    expect(await desktopSecretKey(vault, dir)).toEqual(old);
  });
});
