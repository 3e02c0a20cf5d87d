// The pin check with real certificates (made by openssl, as `dvsan serve` makes its own) and
// the fingerprint format of the CLI (`dvsan --fingerprint`, station/auth/tls.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  checkPin,
  checkStation,
  normalizeFingerprint,
  pinnedVerifyProc,
  refusalText,
  verdict,
  type Refusal,
} from '../../../../electron/remote/pinning.js';
import { certificateFingerprint } from '../../../../station/auth/tls.js';

let dir = '';
const certs: Record<'station' | 'impostor', { pem: string; openssl: string }> = {
  station: { pem: '', openssl: '' },
  impostor: { pem: '', openssl: '' },
};

function makeCertificate(name: string): { pem: string; openssl: string } {
  const cert = join(dir, `${name}.crt`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', join(dir, `${name}.key`), '-out', cert, '-days', '2', '-subj', '/CN=dvsan station',
  ], { stdio: 'ignore' }); // prettier-ignore
  const printed = execFileSync('openssl', [
    'x509',
    '-in',
    cert,
    '-noout',
    '-fingerprint',
    '-sha256',
  ])
    .toString()
    .trim();
  return { pem: readFileSync(cert, 'utf8'), openssl: printed.replace(/^.*=/, '') };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dvsan-pin-'));
  certs.station = makeCertificate('station');
  certs.impostor = makeCertificate('impostor');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pinOf = (which: 'station' | 'impostor'): string => `SHA256:${certs[which].openssl}`;

describe('fingerprints', () => {
  it('are what openssl prints, in the form `dvsan serve` prints', () => {
    expect(certificateFingerprint(certs.station.pem)).toBe(pinOf('station'));
    expect(pinOf('station')).toMatch(/^SHA256:([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('parse like the CLI: any case, with or without colons and prefix', () => {
    const pin = pinOf('station');
    const hex = pin.slice('SHA256:'.length).replaceAll(':', '');
    for (const typed of [pin, pin.toLowerCase(), hex, hex.toLowerCase(), `sha256:${hex}`])
      expect(normalizeFingerprint(typed)).toBe(pin);
    expect(normalizeFingerprint(hex.slice(2))).toBeNull();
    expect(normalizeFingerprint(`SHA1:${hex}`)).toBeNull();
    expect(normalizeFingerprint(`${hex.slice(2)}ZZ`)).toBeNull();
  });
});

describe('pinnedVerifyProc', () => {
  const station = () => ({ url: 'https://san1.example:8443', fingerprint: pinOf('station') });
  function verify(
    proc: ReturnType<typeof pinnedVerifyProc>,
    hostname: string,
    pem: string,
  ): number {
    let result: number | undefined;
    proc({ hostname, certificate: { data: pem } }, (r) => (result = r));
    return result!;
  }

  it('accepts the pinned certificate from the station host, and nothing else', () => {
    const refused: Refusal[] = [];
    const proc = pinnedVerifyProc(station(), (r) => refused.push(r));
    expect(verify(proc, 'san1.example', certs.station.pem)).toBe(verdict.accept);
    expect(refused).toEqual([]);

    expect(verify(proc, 'san1.example', certs.impostor.pem)).toBe(verdict.refuse);
    expect(verify(proc, 'other.example', certs.station.pem)).toBe(verdict.refuse);
    expect(verify(proc, 'san1.example', 'not a certificate')).toBe(verdict.refuse);
    expect(refused).toEqual([
      { hostname: 'san1.example', seen: pinOf('impostor'), pinned: pinOf('station') },
      { hostname: 'other.example', seen: pinOf('station'), pinned: pinOf('station') },
      { hostname: 'san1.example', seen: null, pinned: pinOf('station') },
    ]);
  });

  it('matches an IPv6 station host with or without brackets', () => {
    const proc = pinnedVerifyProc(
      { url: 'https://[fd00::5]:8443', fingerprint: pinOf('station') },
      () => undefined,
    );
    expect(verify(proc, 'fd00::5', certs.station.pem)).toBe(verdict.accept);
    expect(verify(proc, '[fd00::5]', certs.station.pem)).toBe(verdict.accept);
  });

  it('refuses every certificate when nothing is pinned (a plain-http station)', () => {
    const onRefused = vi.fn();
    const proc = pinnedVerifyProc({ url: 'http://127.0.0.1:8080' }, onRefused);
    expect(verify(proc, '127.0.0.1', certs.station.pem)).toBe(verdict.refuse);
    expect(onRefused).toHaveBeenCalledWith({
      hostname: '127.0.0.1',
      seen: pinOf('station'),
      pinned: null,
    });
  });

  it('explains a refusal naming both fingerprints', () => {
    const text = refusalText(station(), {
      hostname: 'san1.example',
      seen: pinOf('impostor'),
      pinned: pinOf('station'),
    });
    expect(text).toContain('https://san1.example:8443');
    expect(text).toContain(pinOf('impostor'));
    expect(text).toContain(pinOf('station'));
    expect(text).toMatch(/Nothing was sent/);
  });
});

describe('checkPin / checkStation', () => {
  it('requires a fingerprint for https, loopback included', () => {
    expect(checkPin('', true, 'https://127.0.0.1:8443')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/enter the certificate fingerprint of https:\/\/127\.0\.0\.1/),
    });
    expect(checkPin(pinOf('station').toLowerCase(), true, 'https://s:1')).toEqual({
      ok: true,
      fingerprint: pinOf('station'),
    });
    expect(checkPin('SHA256:12:34', true, 'https://s:1')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/is not a SHA-256 fingerprint/),
    });
  });

  it('takes no fingerprint for plain-http loopback', () => {
    expect(checkPin('  ', false, 'http://127.0.0.1:8080')).toEqual({ ok: true });
    expect(checkPin(pinOf('station'), false, 'http://127.0.0.1:8080')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/has no certificate/),
    });
  });

  it('checks a whole request and returns the normalised station', () => {
    expect(
      checkStation({ url: 'San1.Example:8443/', fingerprint: pinOf('station').toLowerCase() }),
    ).toEqual({
      ok: true,
      station: { url: 'https://san1.example:8443', fingerprint: pinOf('station') },
    });
    expect(checkStation({ url: 'http://localhost:8080' })).toEqual({
      ok: true,
      station: { url: 'http://localhost:8080' },
    });
    expect(checkStation(null)).toMatchObject({ ok: false });
    expect(
      checkStation({ url: 'http://san1.example', fingerprint: pinOf('station') }),
    ).toMatchObject({ ok: false, error: expect.stringMatching(/use https/) });
  });
});
