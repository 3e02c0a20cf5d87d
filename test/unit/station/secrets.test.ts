import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../../station/secrets.js';

describe('SecretBox', () => {
  it('creates a 0600 key file once and reopens the same key', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dvsan-key-')), 'secret.key');
    const box = await SecretBox.fromKeyFile(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const sealed = box.seal('hunter2');
    expect(sealed).not.toContain('hunter2');
    expect((await SecretBox.fromKeyFile(file)).open(sealed)).toBe('hunter2');
  });
  it('refuses a tampered secret and a wrong key', () => {
    const box = SecretBox.fromKey(Buffer.alloc(32, 1));
    const sealed = box.seal('s3cret');
    const parts = sealed.split(':');
    parts[3] = Buffer.from('x').toString('base64');
    expect(() => box.open(parts.join(':'))).toThrow();
    expect(() => SecretBox.fromKey(Buffer.alloc(32, 2)).open(sealed)).toThrow();
  });
});
