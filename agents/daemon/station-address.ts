import { isIP } from 'node:net';
import { DvsanError } from '../../protocol/errors.js';

const hostnamePattern =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** `::ffff:10.0.0.1` is an IPv4 peer seen through a dual-stack socket: send to it over IPv4. */
function unmapped(address: string): string {
  const match = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return match ? match[1]! : address;
}

/**
 * The client address in SSH_CONNECTION ("client_ip client_port server_ip server_port"), i.e.
 * the station as this node sees it, or null when the variable is missing or malformed.
 */
export function sshClientAddress(sshConnection: string | undefined): string | null {
  const fields = (sshConnection ?? '').trim().split(/\s+/);
  if (fields.length !== 4) return null;
  const address = unmapped(fields[0]!);
  return isIP(address) !== 0 ? address : null;
}

/**
 * The address the daemon sends to. An explicit one must be an IP address or a hostname; null
 * means "where this RPC session comes from", fixed now so the daemon never depends on a
 * session that has ended.
 */
export function resolveStationAddress(given: string | null, env: NodeJS.ProcessEnv): string {
  if (given !== null) {
    const address = unmapped(given.trim());
    if (isIP(address) === 0 && !hostnamePattern.test(address)) {
      throw new DvsanError(
        'invalid-params',
        `stationAddress ${JSON.stringify(given)} is neither an IP address nor a hostname`,
      );
    }
    return address;
  }
  const fromSsh = sshClientAddress(env.SSH_CONNECTION);
  if (fromSsh === null) {
    throw new DvsanError(
      'invalid-params',
      'stationAddress is null and this agent was not started over SSH (no usable SSH_CONNECTION), so the station address is unknown: pass it explicitly',
    );
  }
  return fromSsh;
}
