import { describe, expect, it } from 'vitest';
import { isLoopback, sameSiteCheck } from '../../../../station/server/same-site.js';

const req = (host: string, origin?: string) => ({ headers: { host, origin } });

describe('same-site check', () => {
  it('on loopback takes only the station’s own names, as before login existed', () => {
    const ok = sameSiteCheck({ host: '127.0.0.1', port: 7300, login: true, tls: true });
    expect(ok(req('127.0.0.1:7300'))).toBe(true);
    expect(ok(req('localhost:7300', 'https://localhost:7300'))).toBe(true);
    expect(ok(req('evil.example:7300'))).toBe(false);
    expect(ok(req('127.0.0.1:7300', 'https://evil.example'))).toBe(false);
  });

  it('beyond loopback takes any name it is reached by, but only from its own pages', () => {
    const ok = sameSiteCheck({ host: '0.0.0.0', port: 7300, login: true, tls: true });
    expect(ok(req('san1.example:7300'))).toBe(true);
    expect(ok(req('10.0.0.5:7300', 'https://10.0.0.5:7300'))).toBe(true);
    expect(ok(req('10.0.0.5:7300', 'https://evil.example'))).toBe(false);
    // Plain http from a page is another origin than the https station.
    expect(ok(req('10.0.0.5:7300', 'http://10.0.0.5:7300'))).toBe(false);
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '::', 'san1'].some(isLoopback)).toBe(false);
  });
});
