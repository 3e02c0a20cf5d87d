import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  announceBodySchema,
  announcePacketSchema,
  maxAnnounceBytes,
  type AnnounceBody,
} from '../../../../protocol/announce.js';
import {
  announceNics,
  identityKey,
  signAnnounce,
  type AnnounceNic,
} from '../../../../agents/daemon/packet.js';

const key = randomBytes(32).toString('hex');

function body(overrides: Partial<AnnounceBody> = {}): AnnounceBody {
  return {
    v: 1,
    kind: 'heartbeat',
    nodeId: 'unit-01',
    hostname: 'unit-01.lab',
    agentVersion: '1.2.3',
    ts: 1_700_000_000_000,
    nonce: randomBytes(16).toString('hex'),
    interval: 5,
    ...overrides,
  };
}

/** What the station does with a datagram: size, shape, signature, then the body. */
function receive(datagram: Buffer, keyHex: string): AnnounceBody {
  expect(datagram.length).toBeLessThanOrEqual(maxAnnounceBytes);
  const packet = announcePacketSchema.parse(JSON.parse(datagram.toString('utf8')));
  const expected = createHmac('sha256', Buffer.from(keyHex, 'hex'))
    .update(Buffer.from(packet.b, 'utf8'))
    .digest();
  if (!timingSafeEqual(expected, Buffer.from(packet.m, 'hex'))) throw new Error('bad signature');
  return announceBodySchema.parse(JSON.parse(packet.b));
}

function nic(i: number): AnnounceNic {
  return {
    name: `enp${i}s0f1np1`,
    mac: `52:54:00:12:34:${(i % 256).toString(16).padStart(2, '0')}`,
    addresses: [`10.${i}.0.17/24`, `fd00:${i}::17/64`, `fe80::5054:ff:fe12:34${i}/64`],
  };
}

describe('signAnnounce', () => {
  it('signs the body bytes so the station verifies them with the key', () => {
    const sent = body({ kind: 'startup', nics: [nic(1)], hostname: 'ünit-é' });
    expect(receive(signAnnounce(sent, key), key)).toEqual(sent);
  });

  it('does not verify under another key or after the body is touched', () => {
    const datagram = signAnnounce(body(), key);
    expect(() => receive(datagram, randomBytes(32).toString('hex'))).toThrow('bad signature');
    const packet = JSON.parse(datagram.toString('utf8')) as { b: string; m: string };
    const forged = Buffer.from(
      JSON.stringify({ ...packet, b: packet.b.replace('unit-01', 'unit-02') }),
    );
    expect(() => receive(forged, key)).toThrow('bad signature');
  });

  it('refuses a body outside the schema and a malformed key', () => {
    expect(() => signAnnounce(body({ nonce: 'abc' }), key)).toThrow();
    expect(() => signAnnounce({ ...body(), extra: 1 } as AnnounceBody, key)).toThrow();
    expect(() => signAnnounce(body(), 'ABCD')).toThrow(/64 hex/);
  });

  it('keeps a startup with 64 NICs within maxAnnounceBytes by cutting the NIC list', () => {
    const nics = Array.from({ length: 64 }, (_, i) => nic(i));
    const sent = body({ kind: 'startup', nics });
    const received = receive(signAnnounce(sent, key), key);
    expect(received.nics!.length).toBeGreaterThan(0);
    expect(received.nics!.length).toBeLessThan(64);
    // A prefix of the list, the longest that fits.
    expect(received.nics).toEqual(nics.slice(0, received.nics!.length));
    const oneMore = { ...sent, nics: nics.slice(0, received.nics!.length + 1) };
    const b = JSON.stringify(oneMore);
    expect(Buffer.byteLength(JSON.stringify({ b, m: 'f'.repeat(64) }))).toBeGreaterThan(
      maxAnnounceBytes,
    );
  });
});

describe('announceNics', () => {
  const entry = (
    address: string,
    family: 'IPv4' | 'IPv6',
    cidr: string | null,
  ): NetworkInterfaceInfo =>
    ({
      address,
      family,
      cidr,
      mac: '52:54:00:aa:bb:cc',
      internal: false,
      netmask: '',
      scopeid: 0,
    }) as NetworkInterfaceInfo;

  it('leaves out lo, lists CIDRs, puts NICs with addresses first', () => {
    const nics = announceNics({
      lo: [entry('127.0.0.1', 'IPv4', '127.0.0.1/8')],
      eth1: [],
      eth0: [entry('10.0.0.5', 'IPv4', '10.0.0.5/24'), entry('fe80::1', 'IPv6', null)],
    });
    expect(nics).toEqual([
      { name: 'eth0', mac: '52:54:00:aa:bb:cc', addresses: ['10.0.0.5/24', 'fe80::1'] },
    ]);
  });

  it('gives an identity key that ignores order but not content', () => {
    const a = [nic(1), nic(2)];
    expect(identityKey('h', a)).toBe(identityKey('h', [...a].reverse()));
    expect(identityKey('h', a)).not.toBe(identityKey('h2', a));
    expect(identityKey('h', a)).not.toBe(identityKey('h', [nic(1)]));
  });
});
