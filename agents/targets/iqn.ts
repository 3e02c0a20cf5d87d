import { InvalidExportError } from './errors.js';

/** RFC 3720 3.2.6.1: an iSCSI name is at most 223 bytes (UTF-8). */
export const iqnMaxBytes = 223;

/** The naming authority dvsan writes its target names under (RFC 3720 3.2.6.3.1). */
export const dvsanIqnPrefix = 'iqn.2026-11.io.dvsan:';

const label = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
const authorityPattern = new RegExp(`^${label}(?:\\.${label})*$`);
const unitPattern = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/;
/** The same rule protocol/volumes.ts gives volume names. */
const volumePattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Why `name` is not an iqn.-type iSCSI name as dvsan accepts it, or null when it is one:
 * `iqn.` + yyyy-mm + `.` + reversed domain name [+ `:` + unique string], lowercase (the form
 * RFC 3720's stringprep profile produces), only a-z 0-9 `.` `-` `:`, at most 223 bytes.
 */
export function iqnProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'is empty or not a string';
  if (Buffer.byteLength(name, 'utf8') > iqnMaxBytes) return `is longer than ${iqnMaxBytes} bytes`;
  if (/\s/.test(name)) return 'contains whitespace';
  if (/[A-Z]/.test(name)) return 'contains uppercase letters (iSCSI names are lowercase)';
  if (/[^a-z0-9.:-]/.test(name)) return 'contains a character other than a-z 0-9 . - :';
  const match = /^iqn\.(\d{4})-(\d{2})\.([^:]*)(?::(.*))?$/.exec(name);
  if (!match) return 'does not start with iqn.yyyy-mm.';
  const month = Number(match[2]);
  if (month < 1 || month > 12) return 'has a month outside 01-12';
  if (!authorityPattern.test(match[3] ?? '')) return 'has a malformed naming authority';
  if (match[4] !== undefined && match[4].length === 0) return 'has an empty part after the colon';
  return null;
}

export function isValidIqn(name: unknown): name is string {
  return iqnProblem(name) === null;
}

/** Throws {@link InvalidExportError} naming `what` and the reason when `name` is no valid IQN. */
export function assertIqn(name: unknown, what = 'IQN'): asserts name is string {
  const problem = iqnProblem(name);
  if (problem !== null) {
    // The name itself is echoed only when it is a short string: it is never a secret.
    const shown = typeof name === 'string' && name.length <= 256 ? ` "${name}"` : '';
    throw new InvalidExportError(`${what}${shown} ${problem}`, { field: what });
  }
}

/**
 * The target name of one volume: `iqn.2026-11.io.dvsan:<unit>.<volume>`. The unit may hold
 * dots (a host name); the volume may not, so the last dot splits them again.
 */
export function buildVolumeIqn(unit: string, volume: string): string {
  if (!unitPattern.test(unit))
    throw new InvalidExportError(
      `unit name "${unit.slice(0, 64)}" must be lowercase a-z 0-9 . - (no leading or trailing . or -)`,
      { field: 'unit' },
    );
  if (!volumePattern.test(volume))
    throw new InvalidExportError(
      `volume name "${volume.slice(0, 64)}" must be 1-63 lowercase letters, digits and dashes`,
      { field: 'volume' },
    );
  const iqn = `${dvsanIqnPrefix}${unit}.${volume}`;
  assertIqn(iqn);
  return iqn;
}

/** The unit and volume of a dvsan target name, or null for any other name. */
export function parseVolumeIqn(iqn: string): { unit: string; volume: string } | null {
  if (!iqn.startsWith(dvsanIqnPrefix) || !isValidIqn(iqn)) return null;
  const rest = iqn.slice(dvsanIqnPrefix.length);
  const dot = rest.lastIndexOf('.');
  if (dot <= 0) return null;
  const unit = rest.slice(0, dot);
  const volume = rest.slice(dot + 1);
  return unitPattern.test(unit) && volumePattern.test(volume) ? { unit, volume } : null;
}
