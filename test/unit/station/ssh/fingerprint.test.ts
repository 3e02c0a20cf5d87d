import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideHostKey, sshFingerprint } from '../../../../station/ssh/fingerprint.js';

describe('sshFingerprint', () => {
  it('matches what ssh-keygen -l prints for the same key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dvsan-fp-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
    const blob = Buffer.from(
      readFileSync(join(dir, 'k.pub'), 'utf8').split(' ')[1] as string,
      'base64',
    );
    const openssh = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'k.pub')], {
      encoding: 'utf8',
    }).split(' ')[1];
    expect(sshFingerprint(blob)).toBe(openssh);
    expect(sshFingerprint(blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe('decideHostKey', () => {
  const a = 'SHA256:' + 'a'.repeat(43);
  const b = 'SHA256:' + 'b'.repeat(43);
  it('records the first key seen', () =>
    expect(decideHostKey(null, a)).toEqual({ action: 'record', fingerprint: a }));
  it('accepts the trusted key', () => expect(decideHostKey(a, a)).toEqual({ action: 'accept' }));
  it('refuses a changed key and names both', () =>
    expect(decideHostKey(a, b)).toEqual({ action: 'refuse-changed', expected: a, presented: b }));
});
