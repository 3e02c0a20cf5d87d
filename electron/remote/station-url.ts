import { createHash } from 'node:crypto';

/** A headless station the desktop connects to: its origin and its pinned certificate. */
export interface RemoteStation {
  /** Normalised origin, e.g. `https://san1.example:8443` (no path, no trailing slash). */
  url: string;
  /** `SHA256:AB:CD:…` as `dvsan serve` prints it; absent only for plain-http loopback. */
  fingerprint?: string;
}

const maxUrlLength = 2048;

/** 127.0.0.0/8, ::1 and localhost: traffic that never leaves this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return /^127(\.\d{1,3}){3}$/.test(host);
}

export type UrlCheck = { ok: true; url: string; secure: boolean } | { ok: false; error: string };

/**
 * Checks what the admin typed as a station address and reduces it to an origin. HTTPS only,
 * because the console sends a password; plain http is allowed for loopback alone (a station
 * on this machine or behind an SSH tunnel). A user name or password inside the URL is refused
 * rather than dropped: it would otherwise sit in the remembered-stations file.
 */
export function checkStationUrl(input: unknown): UrlCheck {
  if (typeof input !== 'string' || input.trim() === '')
    return { ok: false, error: 'enter the station address, e.g. https://san1.example:8443' };
  const text = input.trim();
  if (text.length > maxUrlLength)
    return { ok: false, error: `the address is longer than ${maxUrlLength} characters` };
  // "san1:8443" would parse as scheme "san1:"; an address without a scheme means https.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    return { ok: false, error: `${text} is not a valid address` };
  }
  if (parsed.username !== '' || parsed.password !== '')
    return {
      ok: false,
      error: 'remove the user name and password from the address: sign in on the station page',
    };
  if (parsed.hostname === '') return { ok: false, error: `${text} names no host` };
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname))
    return {
      ok: false,
      error: `use https:// for ${parsed.host}: plain http is allowed only for 127.0.0.1 and localhost`,
    };
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    return { ok: false, error: `${parsed.protocol} is not a station address: use https://` };
  return { ok: true, url: parsed.origin, secure: parsed.protocol === 'https:' };
}

/**
 * The persistent session partition of a station: cookies of two stations never mix. The pin
 * is part of the name because Chromium caches certificate verdicts per session: a station
 * re-pinned to a new certificate gets a fresh session rather than an old verdict.
 */
export function stationPartition(station: RemoteStation): string {
  const hash = createHash('sha256')
    .update(`${station.url}\n${station.fingerprint ?? ''}`)
    .digest('hex')
    .slice(0, 24);
  return `persist:station-${hash}`;
}
