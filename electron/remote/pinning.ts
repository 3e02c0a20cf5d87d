// A headless station's certificate is usually self-made, so no CA vouches for it: the desktop
// trusts exactly the certificate whose SHA-256 the admin copied from `dvsan serve`, the same
// rule (and the same fingerprint format) as `dvsan --station … --fingerprint`.
import { certificateFingerprint, normalizeFingerprint } from '../../station/auth/tls.js';
import { checkStationUrl, type RemoteStation } from './station-url.js';

export { normalizeFingerprint };

/** Chromium's answers to a certificate verify proc. */
export const verdict = { accept: 0, refuse: -2 } as const;

/** The parts of Electron's certificate verify request the check reads. */
export interface VerifyRequest {
  hostname: string;
  certificate: { data: string };
}

/** Why a certificate was refused, for the error the admin sees. */
export interface Refusal {
  hostname: string;
  /** Fingerprint of the certificate the server presented (null if it could not be read). */
  seen: string | null;
  /** The pinned fingerprint, or null when the station was added without one (plain http). */
  pinned: string | null;
}

const bare = (host: string): string => host.replace(/^\[|\]$/g, '').toLowerCase();

function fingerprintOf(pem: string): string | null {
  try {
    return certificateFingerprint(pem);
  } catch {
    return null;
  }
}

/**
 * The verify proc for one station's session: accepts the station's host only with the pinned
 * certificate, and refuses every other host and certificate (nothing else should be loaded
 * in that session). Chromium's own verdict is never consulted: a public CA may not vouch for
 * a station, and a pinned certificate is trusted whatever the CAs say.
 */
export function pinnedVerifyProc(
  station: RemoteStation,
  onRefused: (refusal: Refusal) => void,
): (request: VerifyRequest, callback: (result: number) => void) => void {
  const host = bare(new URL(station.url).hostname);
  const pinned = station.fingerprint ? normalizeFingerprint(station.fingerprint) : null;
  return (request, callback) => {
    const seen = fingerprintOf(request.certificate.data);
    if (pinned !== null && seen === pinned && bare(request.hostname) === host) {
      callback(verdict.accept);
      return;
    }
    callback(verdict.refuse);
    onRefused({ hostname: request.hostname, seen, pinned });
  };
}

/** Text of the error shown when a station's certificate is refused, naming both fingerprints. */
export function refusalText(station: RemoteStation, refusal: Refusal): string {
  const seen = refusal.seen ?? 'a certificate that could not be read';
  if (bare(refusal.hostname) !== bare(new URL(station.url).hostname))
    return `${refusal.hostname} is not the station ${station.url}; the station window loads nothing from other hosts.`;
  if (refusal.pinned === null)
    return `${station.url} presented certificate ${seen}, but no fingerprint is pinned for it: connect again and enter the fingerprint \`dvsan serve\` prints.`;
  return [
    `${station.url} presented certificate`,
    `  ${seen}`,
    'but the pinned fingerprint is',
    `  ${refusal.pinned}`,
    'Nothing was sent to it. If the station made a new certificate, check the fingerprint `dvsan serve` prints and connect again with it; otherwise someone may be intercepting the connection.',
  ].join('\n');
}

export type PinCheck = { ok: true; fingerprint?: string } | { ok: false; error: string };

/**
 * Checks the fingerprint the admin typed: required for https (including https on loopback),
 * optional for plain-http loopback, where there is no certificate to pin.
 */
export function checkPin(input: unknown, secure: boolean, url: string): PinCheck {
  const text = typeof input === 'string' ? input.trim() : '';
  if (text === '') {
    if (!secure) return { ok: true };
    return {
      ok: false,
      error: `enter the certificate fingerprint of ${url}: \`dvsan serve\` prints it at start (SHA256:AB:CD:…)`,
    };
  }
  if (!secure)
    return {
      ok: false,
      error: `${url} is plain http and has no certificate: leave the fingerprint empty or use https://`,
    };
  const fingerprint = normalizeFingerprint(text);
  if (fingerprint === null)
    return {
      ok: false,
      error: `${text.slice(0, 120)} is not a SHA-256 fingerprint (SHA256:AB:CD:… as \`dvsan serve\` prints it)`,
    };
  return { ok: true, fingerprint };
}

export type StationCheck = { ok: true; station: RemoteStation } | { ok: false; error: string };

/** Checks a connect request from the connect window (untrusted input) as a whole. */
export function checkStation(input: unknown): StationCheck {
  const fields =
    typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const url = checkStationUrl(fields.url);
  if (!url.ok) return url;
  const pin = checkPin(fields.fingerprint, url.secure, url.url);
  if (!pin.ok) return pin;
  return {
    ok: true,
    station: pin.fingerprint ? { url: url.url, fingerprint: pin.fingerprint } : { url: url.url },
  };
}
