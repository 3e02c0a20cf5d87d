import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { nicSchema } from '../../../../protocol/inventory.js';
import { listNics, nicsFrom, parseSpeed } from '../../../../agents/inventory/nics.js';

describe('parseSpeed', () => {
  it('reads Mb/s and rejects unknown or negative speeds', () => {
    expect(parseSpeed('10000\n')).toBe(10000);
    expect(parseSpeed('-1\n')).toBeNull();
    expect(parseSpeed('')).toBeNull();
    expect(parseSpeed('fast')).toBeNull();
  });
});

describe('nicsFrom', () => {
  it('drops lo, takes the mac, maps families and cidr, and looks up speeds', () => {
    const interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = {
      lo: [
        {
          address: '127.0.0.1',
          netmask: '255.0.0.0',
          family: 'IPv4',
          mac: '00:00:00:00:00:00',
          internal: true,
          cidr: '127.0.0.1/8',
        },
      ],
      ens3f0: [
        {
          address: '10.99.0.11',
          netmask: '255.255.0.0',
          family: 'IPv4',
          mac: '3c:fd:fe:9a:1b:20',
          internal: false,
          cidr: '10.99.0.11/16',
        },
        {
          address: 'fe80::3efd:feff:fe9a:1b20',
          netmask: 'ffff:ffff:ffff:ffff::',
          family: 'IPv6',
          mac: '3c:fd:fe:9a:1b:20',
          internal: false,
          cidr: 'fe80::3efd:feff:fe9a:1b20/64',
          scopeid: 2,
        },
      ],
      // Node 18.0–18.3 reported numeric families.
      veth1: [
        {
          address: '10.1.0.1',
          netmask: '255.255.255.0',
          family: 4 as unknown as 'IPv4',
          mac: 'aa:bb:cc:dd:ee:ff',
          internal: false,
          cidr: null,
        },
      ],
    };
    const nics = nicsFrom(interfaces, new Map([['ens3f0', 25000]]));
    expect(nics).toEqual([
      {
        name: 'ens3f0',
        mac: '3c:fd:fe:9a:1b:20',
        speedMbps: 25000,
        addresses: [
          { address: '10.99.0.11', family: 'IPv4', cidr: '10.99.0.11/16' },
          {
            address: 'fe80::3efd:feff:fe9a:1b20',
            family: 'IPv6',
            cidr: 'fe80::3efd:feff:fe9a:1b20/64',
          },
        ],
      },
      {
        name: 'veth1',
        mac: 'aa:bb:cc:dd:ee:ff',
        speedMbps: null,
        addresses: [{ address: '10.1.0.1', family: 'IPv4', cidr: null }],
      },
    ]);
  });
});

describe('listNics', () => {
  it('lists this machine without lo, valid per the schema, with unreadable speeds as null', async () => {
    const nics = await listNics('/nonexistent/sys/class/net');
    expect(nics.map((n) => n.name)).not.toContain('lo');
    for (const nic of nics) {
      nicSchema.parse(nic);
      expect(nic.speedMbps).toBeNull();
    }
  });
});
