import { createHmac } from 'node:crypto';
import type { NetworkInterfaceInfo } from 'node:os';
import {
  announceBodySchema,
  maxAnnounceBytes,
  type AnnounceBody,
} from '../../protocol/announce.js';

export type AnnounceNic = NonNullable<AnnounceBody['nics']>[number];

// The schema's limits for one NIC entry and the list.
const maxNics = 64;
const maxAddresses = 32;
const maxText = { name: 32, mac: 32, address: 64 };

/**
 * The NIC list of a startup announce, from os.networkInterfaces(): loopback left out, each
 * address as CIDR. NICs that have addresses come first, so when the datagram has to be cut
 * short the ones the station can reach the node through survive.
 */
export function announceNics(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): AnnounceNic[] {
  const nics: AnnounceNic[] = [];
  for (const [name, entries] of Object.entries(interfaces)) {
    if (name === 'lo' || !entries || entries.length === 0 || name.length > maxText.name) continue;
    const addresses = entries
      .map((entry) => entry.cidr ?? entry.address)
      .filter((address) => address.length <= maxText.address)
      .slice(0, maxAddresses);
    nics.push({ name, mac: entries[0]!.mac.slice(0, maxText.mac), addresses });
  }
  const withAddresses = nics.filter((nic) => nic.addresses.length > 0);
  const without = nics.filter((nic) => nic.addresses.length === 0);
  return [...withAddresses, ...without].slice(0, maxNics);
}

/** A string that changes whenever the node's hostname or NIC set does (order ignored). */
export function identityKey(hostname: string, nics: readonly AnnounceNic[]): string {
  const sorted = nics
    .map((nic) => `${nic.name} ${nic.mac} ${[...nic.addresses].sort().join(',')}`)
    .sort();
  return JSON.stringify([hostname, sorted]);
}

function datagram(body: AnnounceBody, key: Buffer): Buffer {
  const b = JSON.stringify(body);
  const m = createHmac('sha256', key).update(b, 'utf8').digest('hex');
  return Buffer.from(JSON.stringify({ b, m }), 'utf8');
}

/**
 * One announce datagram: `{ b, m }` with `b` the body's JSON and `m` its HMAC-SHA256 under the
 * node's key (hex). The body is checked against the protocol schema first. A datagram over
 * maxAnnounceBytes loses NICs from the end of its list until it fits, since the station drops
 * oversized packets unread.
 */
export function signAnnounce(body: AnnounceBody, keyHex: string): Buffer {
  if (!/^[0-9a-f]{64}$/.test(keyHex)) throw new Error('announce key must be 64 hex digits');
  const key = Buffer.from(keyHex, 'hex');
  const checked = announceBodySchema.parse(body);
  let packet = datagram(checked, key);
  if (packet.length <= maxAnnounceBytes || !checked.nics) {
    if (packet.length > maxAnnounceBytes) throw new Error('announce body too large');
    return packet;
  }
  // Find the longest NIC prefix that fits; the size grows with the prefix, so bisect.
  let fits = 0;
  let tooMany = checked.nics.length;
  while (tooMany - fits > 1) {
    const middle = (fits + tooMany) >> 1;
    if (
      datagram({ ...checked, nics: checked.nics.slice(0, middle) }, key).length <= maxAnnounceBytes
    ) {
      fits = middle;
    } else {
      tooMany = middle;
    }
  }
  packet = datagram({ ...checked, nics: checked.nics.slice(0, fits) }, key);
  if (packet.length > maxAnnounceBytes) throw new Error('announce body too large');
  return packet;
}
