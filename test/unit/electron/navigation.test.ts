import { describe, expect, it, vi } from 'vitest';
import {
  externalUrl,
  isAllowedPermission,
  guardNavigation,
  guardOrigin,
  isAppPage,
  isSameOrigin,
  type GuardedContents,
} from '../../../electron/navigation.js';

const appPage = 'file:///opt/dvsan/dist/renderer/index.html';

describe('isAppPage', () => {
  it('accepts the page itself with any hash or query', () => {
    expect(isAppPage(appPage, appPage)).toBe(true);
    expect(isAppPage(`${appPage}#/volumes`, appPage)).toBe(true);
    expect(isAppPage(`${appPage}?x=1`, appPage)).toBe(true);
  });
  it.each([
    'file:///opt/dvsan/dist/renderer/other.html',
    'https://opt/dvsan/dist/renderer/index.html',
    'about:blank',
    'not a url',
  ])('refuses %s', (url) => expect(isAppPage(url, appPage)).toBe(false));
});

describe('externalUrl', () => {
  it('passes http(s) URLs, normalised', () => {
    expect(externalUrl('https://dvsan.io/docs')).toBe('https://dvsan.io/docs');
    expect(externalUrl('HTTP://Example.COM')).toBe('http://example.com/');
  });
  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'smb://server/share',
    'ms-msdt:/id PCWDiagnostic',
    'https://user:pw@example.com/',
    '//example.com',
    'example.com',
    42,
    `https://example.com/${'a'.repeat(3000)}`,
  ])('refuses %s', (url) => expect(externalUrl(url)).toBeNull());
});

function fakeContents() {
  let openHandler: ((d: { url: string }) => { action: 'deny' }) | undefined;
  const listeners = new Map<string, (event: { preventDefault(): void }, url?: string) => void>();
  const contents = {
    setWindowOpenHandler: (h: (d: { url: string }) => { action: 'deny' }) => {
      openHandler = h;
    },
    on: (name: string, l: (event: { preventDefault(): void }, url?: string) => void) =>
      listeners.set(name, l),
  } as GuardedContents;
  const fire = (name: string, url?: string) => {
    const event = { preventDefault: vi.fn() };
    listeners.get(name)?.(event, url);
    return event.preventDefault.mock.calls.length > 0;
  };
  return { contents, open: (url: string) => openHandler?.({ url }), fire };
}

describe('guardNavigation', () => {
  it('denies every new window and opens only safe external links outside', () => {
    const { contents, open } = fakeContents();
    const openExternal = vi.fn(async () => undefined);
    guardNavigation(contents, appPage, openExternal);
    expect(open('https://dvsan.io/')).toEqual({ action: 'deny' });
    expect(open('file:///etc/shadow')).toEqual({ action: 'deny' });
    expect(open(appPage)).toEqual({ action: 'deny' });
    expect(openExternal.mock.calls).toEqual([['https://dvsan.io/']]);
  });

  it('blocks navigation away from the console page, allows reloads of it', () => {
    const { contents, fire } = fakeContents();
    const openExternal = vi.fn(async () => undefined);
    guardNavigation(contents, appPage, openExternal);
    expect(fire('will-navigate', `${appPage}#/tasks`)).toBe(false);
    expect(fire('will-navigate', 'https://dvsan.io/help')).toBe(true);
    expect(fire('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(fire('will-redirect', 'https://elsewhere.example/')).toBe(true);
    expect(fire('will-attach-webview')).toBe(true);
    expect(openExternal.mock.calls).toEqual([['https://dvsan.io/help']]);
  });
});

describe('isSameOrigin', () => {
  const origin = 'https://san1.example:8443';
  it('accepts any page of the station', () => {
    expect(isSameOrigin('https://san1.example:8443/#/volumes', origin)).toBe(true);
    expect(isSameOrigin('https://SAN1.example:8443/login?next=/', origin)).toBe(true);
  });
  it.each([
    'http://san1.example:8443/',
    'https://san1.example:9443/',
    'https://san1.example/',
    'https://san1.example.evil.example:8443/',
    'https://evil.example/?https://san1.example:8443',
    'file:///etc/passwd',
    'data:text/html,<h1>x</h1>',
    'about:blank',
    'not a url',
  ])('refuses %s', (url) => expect(isSameOrigin(url, origin)).toBe(false));
});

describe('guardOrigin', () => {
  const origin = 'https://san1.example:8443';
  it('keeps a remote station window on its station; other links go to the system browser', () => {
    const { contents, fire, open } = fakeContents();
    const openExternal = vi.fn(async () => undefined);
    guardOrigin(contents, origin, openExternal);
    expect(fire('will-navigate', `${origin}/#/tasks`)).toBe(false);
    expect(fire('will-redirect', `${origin}/login`)).toBe(false);
    expect(fire('will-navigate', 'https://san2.example:8443/')).toBe(true);
    expect(fire('will-navigate', 'http://san1.example:8443/')).toBe(true);
    expect(fire('will-redirect', 'https://elsewhere.example/')).toBe(true);
    expect(fire('will-attach-webview')).toBe(true);
    expect(open(`${origin}/popup`)).toEqual({ action: 'deny' });
    expect(openExternal.mock.calls).toEqual([
      ['https://san2.example:8443/'],
      ['http://san1.example:8443/'],
      [`${origin}/popup`],
    ]);
  });
});

describe('isAllowedPermission', () => {
  it('allows only plain clipboard writes', () => {
    expect(isAllowedPermission('clipboard-sanitized-write')).toBe(true);
    for (const p of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
      'fileSystem',
    ]) {
      expect(isAllowedPermission(p)).toBe(false);
    }
  });
});
