/**
 * Keeps the window on the console page: no new windows, no navigation elsewhere, and external
 * http(s) links handed to the system browser only after the URL is checked. Electron types are
 * used structurally so this is unit-tested without Electron.
 */

/** Same file as the console page (query and hash ignored: the console routes by hash). */
export function isAppPage(url: string, appPageUrl: string): boolean {
  let target: URL;
  let page: URL;
  try {
    target = new URL(url);
    page = new URL(appPageUrl);
  } catch {
    return false;
  }
  return (
    target.protocol === page.protocol &&
    target.host === page.host &&
    target.pathname === page.pathname
  );
}

/**
 * The URL to give `shell.openExternal`, or null when it must not be opened: only absolute
 * http(s) URLs with a host and no embedded credentials; the normalised href is returned so
 * what is opened is exactly what was checked.
 */
export function externalUrl(url: unknown): string | null {
  if (typeof url !== 'string' || url.length > 2048) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  if (parsed.hostname === '' || parsed.username !== '' || parsed.password !== '') return null;
  return parsed.href;
}

interface PreventableEvent {
  preventDefault(): void;
}

/** The parts of `WebContents` this module touches. */
export interface GuardedContents {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  on(
    event: 'will-navigate' | 'will-redirect',
    listener: (event: PreventableEvent, url: string) => void,
  ): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
}

export function guardNavigation(
  contents: GuardedContents,
  appPageUrl: string,
  openExternal: (url: string) => Promise<void>,
): void {
  keepWithin(contents, (url) => isAppPage(url, appPageUrl), openExternal);
}

/** Same scheme, host and port as `origin` (a remote station's window stays on its station). */
export function isSameOrigin(url: string, origin: string): boolean {
  try {
    const target = new URL(url);
    return target.origin !== 'null' && target.origin === new URL(origin).origin;
  } catch {
    return false;
  }
}

/** Keeps a remote station's window on that station; other links go to the system browser. */
export function guardOrigin(
  contents: GuardedContents,
  origin: string,
  openExternal: (url: string) => Promise<void>,
): void {
  keepWithin(contents, (url) => isSameOrigin(url, origin), openExternal);
}

function keepWithin(
  contents: GuardedContents,
  isHome: (url: string) => boolean,
  openExternal: (url: string) => Promise<void>,
): void {
  const openOutside = (url: string): void => {
    const safe = externalUrl(url);
    if (safe !== null) openExternal(safe).catch(() => undefined);
  };
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url);
    return { action: 'deny' };
  });
  const stayHome = (event: PreventableEvent, url: string): void => {
    if (isHome(url)) return;
    event.preventDefault();
    openOutside(url);
  };
  contents.on('will-navigate', stayHome);
  contents.on('will-redirect', (event, url) => {
    if (!isHome(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/**
 * Web permissions the console may use: writing plain text to the clipboard (copy a
 * fingerprint or a sudoers rule). Camera, microphone, notifications, geolocation and the rest
 * are refused.
 */
export function isAllowedPermission(permission: string): boolean {
  return permission === 'clipboard-sanitized-write';
}
