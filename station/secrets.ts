import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, open, readFile } from 'node:fs/promises';

/**
 * Encrypts saved secrets (passwords now, CHAP secrets later) with AES-256-GCM. The key comes
 * from a 0600 file in the station's data directory; the desktop shell may supply its own key
 * (kept with the OS keychain) instead.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromKey(key: Buffer): SecretBox {
    if (key.length !== 32) throw new Error('a secret key must be 32 bytes');
    return new SecretBox(key);
  }

  /** Reads the key file, creating it (0600, exclusively) on first use. */
  static async fromKeyFile(path: string): Promise<SecretBox> {
    try {
      const handle = await open(path, 'wx', 0o600);
      const key = randomBytes(32);
      await handle.writeFile(key);
      await handle.sync();
      await handle.close();
      return new SecretBox(key);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    await chmod(path, 0o600);
    return SecretBox.fromKey(await readFile(path));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [
      'v1',
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      body.toString('base64'),
    ].join(':');
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split(':');
    if (version !== 'v1' || !iv || !tag || body === undefined)
      throw new Error('unreadable sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  }
}
