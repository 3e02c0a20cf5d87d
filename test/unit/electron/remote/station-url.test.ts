import { describe, expect, it } from 'vitest';
import {
  checkStationUrl,
  isLoopbackHost,
  stationPartition,
} from '../../../../electron/remote/station-url.js';

describe('checkStationUrl', () => {
  it.each([
    ['https://san1.example:8443', 'https://san1.example:8443'],
    ['  HTTPS://San1.Example:8443/  ', 'https://san1.example:8443'],
    ['https://san1.example:443/#/volumes?x=1', 'https://san1.example'],
    ['san1.example:8443', 'https://san1.example:8443'],
    ['https://10.99.0.5:8443/login', 'https://10.99.0.5:8443'],
    ['https://[fd00::5]:8443', 'https://[fd00::5]:8443'],
  ])('reduces %s to the origin %s', (input, origin) => {
    expect(checkStationUrl(input)).toEqual({ ok: true, url: origin, secure: true });
  });

  it.each([
    'http://127.0.0.1:8080',
    'http://127.3.2.1:8080',
    'http://localhost:8080',
    'http://[::1]:8080',
  ])('allows plain http on loopback: %s', (input) => {
    expect(checkStationUrl(input)).toMatchObject({ ok: true, secure: false });
  });

  it.each<[unknown, RegExp]>([
    ['http://san1.example:8080', /use https:\/\/ for san1\.example:8080/],
    ['http://10.99.0.5', /plain http is allowed only for 127\.0\.0\.1 and localhost/],
    ['http://127.0.0.1.evil.example', /use https:\/\//],
    ['http://localhost.evil.example', /use https:\/\//],
    ['https://admin:secret@san1.example:8443', /remove the user name and password/],
    ['https://admin@san1.example', /remove the user name and password/],
    ['ftp://san1.example', /ftp: is not a station address/],
    ['file:///etc/passwd', /names no host|not a station address/],
    ['javascript:alert(1)', /not a valid address|not a station address/],
    ['https://', /not a valid address/],
    ['', /enter the station address/],
    ['   ', /enter the station address/],
    [42, /enter the station address/],
    [`https://san1.example/${'a'.repeat(3000)}`, /longer than 2048/],
  ])('refuses %s', (input, error) => {
    const result = checkStationUrl(input);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toMatch(error);
  });
});

describe('isLoopbackHost', () => {
  it('knows loopback from look-alikes', () => {
    expect(['127.0.0.1', 'LOCALHOST', '[::1]', '::1'].map(isLoopbackHost)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(
      ['128.0.0.1', '10.0.0.1', 'localhost.example', '127.0.0.1.nip.io'].map(isLoopbackHost),
    ).toEqual([false, false, false, false]);
  });
});

describe('stationPartition', () => {
  const pin = `SHA256:${'AB:'.repeat(31)}AB`;
  it('is persistent and the same for the same station', () => {
    const p = stationPartition({ url: 'https://san1.example:8443', fingerprint: pin });
    expect(p).toMatch(/^persist:station-[0-9a-f]{24}$/);
    expect(stationPartition({ url: 'https://san1.example:8443', fingerprint: pin })).toBe(p);
  });
  it('differs between stations, ports, schemes and pins', () => {
    const partitions = new Set([
      stationPartition({ url: 'https://san1.example:8443', fingerprint: pin }),
      stationPartition({ url: 'https://san2.example:8443', fingerprint: pin }),
      stationPartition({ url: 'https://san1.example:9443', fingerprint: pin }),
      stationPartition({ url: 'https://san1.example:8443', fingerprint: pin.replace('AB', 'CD') }),
      stationPartition({ url: 'http://127.0.0.1:8443' }),
      stationPartition({ url: 'https://127.0.0.1:8443', fingerprint: pin }),
    ]);
    expect(partitions.size).toBe(6);
  });
});
