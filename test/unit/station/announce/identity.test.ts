import { describe, expect, it } from 'vitest';
import { identityChanges } from '../../../../station/announce/identity.js';

describe('identityChanges', () => {
  const before = {
    hostname: 'u1',
    nics: [{ name: 'eth0', mac: 'aa', addresses: ['10.99.1.11/24'] }],
  };
  it('says nothing the first time or when nothing changed', () => {
    expect(identityChanges(null, before)).toEqual([]);
    expect(identityChanges(before, structuredClone(before))).toEqual([]);
  });
  it('names hostname, address and NIC changes', () => {
    const after = {
      hostname: 'u1b',
      nics: [{ name: 'eth1', mac: 'bb', addresses: ['10.99.1.12/24'] }],
    };
    expect(identityChanges(before, after)).toEqual([
      'hostname changed from u1 to u1b',
      'new addresses 10.99.1.12/24',
      'addresses gone 10.99.1.11/24',
      'network interfaces changed (eth1/bb)',
    ]);
  });
});
