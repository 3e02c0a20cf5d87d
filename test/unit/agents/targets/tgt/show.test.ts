// The parsers against output captured from Debian 12's tgtd 1.0.85 (in a scratch network
// namespace): two targets with CHAP and rules, a live session, tgt-admin's restore, mixed rules.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isAddressRule,
  lowestFreeTid,
  parseAccounts,
  parsePortals,
  parseTargets,
} from '../../../../../agents/targets/tgt/index.js';

const fixture = (name: string) =>
  readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('parseTargets on real tgtadm output', () => {
  it('reads two targets: LUNs with backing path and size, accounts, initiator names', () => {
    const targets = parseTargets(fixture('show-two-targets.txt'));
    expect(targets.map((t) => [t.tid, t.iqn, t.state])).toEqual([
      [1, 'iqn.2025-01.dev.dvsan:vol-v1', 'ready'],
      [3, 'iqn.2025-01.dev.dvsan:vol-v2', 'ready'],
    ]);
    const [one, three] = targets;
    expect(one?.luns).toEqual([
      {
        lun: 0,
        type: 'controller',
        sizeMb: 0,
        blockSize: 1,
        backingStoreType: 'null',
        backingPath: null,
      },
      {
        lun: 1,
        type: 'disk',
        sizeMb: 67,
        blockSize: 512,
        backingStoreType: 'rdwr',
        backingPath: '/tmp/tgtscratch/v1.img',
      },
    ]);
    expect(one?.incomingUsers).toEqual(['u-h1']);
    expect(one?.outgoingUser).toBe('m-h1');
    expect(one?.initiatorNames).toEqual([
      'iqn.2025-01.dev.dvsan:host-h1',
      'iqn.2025-01.dev.dvsan:host-h2',
    ]);
    expect(one?.addressRules).toEqual([]);
    expect(one?.sessions).toEqual([]);
    // A path with a space survives whole.
    expect(three?.luns[1]?.backingPath).toBe('/tmp/tgtscratch/v 2.img');
    expect(three?.incomingUsers).toEqual([]);
    expect(three?.outgoingUser).toBeNull();
    expect(three?.initiatorNames).toEqual([]);
  });

  it('reads the I_T nexus of a logged-in initiator', () => {
    const [target] = parseTargets(fixture('show-session.txt'));
    expect(target?.sessions).toEqual([
      { nexus: 4, initiator: 'iqn.2025-01.dev.dvsan:host-h1', addresses: ['127.0.0.1'] },
    ]);
    expect(target?.luns.map((l) => l.lun)).toEqual([0, 1]);
  });

  it('tells address rules from initiator names under the one ACL heading', () => {
    const targets = parseTargets(fixture('show-mixed-acls.txt'));
    const mixed = targets.find((t) => t.iqn === 'iqn.2026-11.io.example:mixed');
    expect(mixed?.addressRules).toEqual(['ALL', '10.99.7.0/24', '::1']);
    expect(mixed?.initiatorNames).toEqual(['iqn.2026-01.dev.host:c']);
    expect(mixed?.incomingUsers).toEqual(['foreign', 'dvsan-bbbb']);
    expect(mixed?.luns.map((l) => [l.lun, l.backingPath])).toEqual([
      [0, null],
      [1, '/tmp/tgtscratch/data/volumes/v1.img'],
      [3, '/tmp/tgtscratch/data/volumes/v2.img'],
    ]);
  });

  it('reads what tgt-admin restored: the no-peer address rule and a LUN it skipped', () => {
    const targets = parseTargets(fixture('show-restored.txt'));
    expect(targets.map((t) => [t.tid, t.addressRules, t.initiatorNames])).toEqual([
      [5, ['255.255.255.255'], ['iqn.2025-01.dev.dvsan:host-h1']],
      [6, ['255.255.255.255'], []],
    ]);
    expect(targets[0]?.luns.map((l) => l.lun)).toEqual([0]);
  });

  it('returns nothing for no targets, and skips lines it does not know', () => {
    expect(parseTargets('')).toEqual([]);
    const text = [
      'Target 2: iqn.2026-11.io.dvsan:u.v',
      '    System information:',
      '        Driver: iscsi',
      '        State: offline',
      '        Some future field: 1',
      '    Something new:',
      '        whatever: x',
      '    ACL information:',
      '        iqn.2026-01.dev.host:a',
      '',
    ].join('\r\n');
    const [t] = parseTargets(text);
    expect(t).toMatchObject({
      tid: 2,
      state: 'offline',
      initiatorNames: ['iqn.2026-01.dev.host:a'],
    });
  });
});

describe('other show modes', () => {
  it('parses the account list', () => {
    expect(parseAccounts(fixture('show-accounts.txt'))).toEqual(['foreign', 'dvsan-bbbb']);
    expect(parseAccounts('Account list:\n')).toEqual([]);
  });

  it('parses portals, IPv6 in brackets', () => {
    expect(parsePortals(fixture('show-portals.txt'))).toEqual([
      { address: '::1', port: 3261, tpgt: 1 },
      { address: '::', port: 3260, tpgt: 1 },
      { address: '0.0.0.0', port: 3260, tpgt: 1 },
    ]);
  });

  it('classifies ACL entries', () => {
    for (const a of ['ALL', '10.0.0.5', '10.99.7.0/24', '::1', '[fe80::1]', 'fe80::/64'])
      expect(isAddressRule(a), a).toBe(true);
    for (const n of ['iqn.2026-01.dev.host:a', 'eui.0123456789abcdef', 'all', '10.0.0.5/x'])
      expect(isAddressRule(n), n).toBe(false);
  });

  it('picks the lowest free target id', () => {
    expect(lowestFreeTid([])).toBe(1);
    expect(lowestFreeTid([{ tid: 1 }, { tid: 3 }])).toBe(2);
    expect(lowestFreeTid([{ tid: 2 }, { tid: 1 }])).toBe(3);
  });
});
