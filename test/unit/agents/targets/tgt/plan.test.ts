import { describe, expect, it } from 'vitest';
import {
  parseTargets,
  planEnsure,
  planRemove,
  portalCovered,
  type LiveState,
  type TgtExportRecord,
  type TgtTarget,
} from '../../../../../agents/targets/tgt/index.js';
import type { ExportSpec } from '../../../../../agents/targets/index.js';

const iqn = 'iqn.2026-11.io.dvsan:u1.vol-a';
const h1 = 'iqn.2026-01.dev.host:h1';
const h2 = 'iqn.2026-01.dev.host:h2';
const file = '/var/lib/dvsan/data/volumes/vol-a.img';
const chap1 = {
  user: 'dvsan-h1',
  secret: 'Secret1111aaaa',
  mutualUser: 'dvsan-t-h1',
  mutualSecret: 'Mutual1111aaaa',
};
const chap2 = { user: 'dvsan-h2', secret: 'Secret2222bbbb' };

const spec = (acls: ExportSpec['acls'], over: Partial<ExportSpec> = {}): ExportSpec => ({
  iqn,
  backing: { kind: 'file', path: file, sizeBytes: 1 << 20 },
  portal: { address: '10.99.7.11', port: 3260 },
  acls,
  ...over,
});

const wildcardPortals = [
  { address: '::', port: 3260, tpgt: 1 },
  { address: '0.0.0.0', port: 3260, tpgt: 1 },
];

function target(over: Partial<TgtTarget> & Pick<TgtTarget, 'tid' | 'iqn'>): TgtTarget {
  return {
    state: 'ready',
    sessions: [],
    luns: [
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
        sizeMb: 1,
        blockSize: 512,
        backingStoreType: 'rdwr',
        backingPath: file,
      },
    ],
    incomingUsers: [],
    outgoingUser: null,
    addressRules: [],
    initiatorNames: [],
    ...over,
  };
}

const live = (targets: TgtTarget[], accounts: string[] = []): LiveState => ({
  targets,
  accounts,
  portals: wildcardPortals,
});

const record = (acls: TgtExportRecord['acls'], name = iqn): TgtExportRecord => ({
  iqn: name,
  backing: file,
  acls,
});

describe('planEnsure', () => {
  it('creates a target at the lowest free tid: LUN 1, accounts, mutual, and the name rule last', () => {
    const other = target({ tid: 1, iqn: 'iqn.2026-11.io.dvsan:u1.other' });
    const plan = planEnsure(
      live([other, target({ tid: 3, iqn: 'iqn.x:y' })]),
      [],
      spec([{ initiatorIqn: h1, chap: chap1 }]),
    );
    expect(plan.tid).toBe(2);
    expect(plan.steps).toEqual([
      ['--op', 'new', '--mode', 'target', '--tid', '2', '-T', iqn],
      ['--op', 'new', '--mode', 'logicalunit', '--tid', '2', '--lun', '1', '-b', file],
      ['--op', 'new', '--mode', 'account', '--user', 'dvsan-h1', '--password', 'Secret1111aaaa'],
      ['--op', 'new', '--mode', 'account', '--user', 'dvsan-t-h1', '--password', 'Mutual1111aaaa'],
      ['--op', 'bind', '--mode', 'account', '--tid', '2', '--user', 'dvsan-h1'],
      ['--op', 'bind', '--mode', 'account', '--tid', '2', '--user', 'dvsan-t-h1', '--outgoing'],
      ['--op', 'bind', '--mode', 'target', '--tid', '2', '--initiator-name', h1],
    ]);
    // Deny by default: never an address rule, never "ALL".
    expect(plan.steps.flat()).not.toContain('--initiator-address');
    expect(plan.steps.flat()).not.toContain('ALL');
  });

  it('does nothing when tgtd already has exactly the export and the file knows the secrets', () => {
    const have = target({
      tid: 4,
      iqn,
      incomingUsers: ['dvsan-h1'],
      outgoingUser: 'dvsan-t-h1',
      initiatorNames: [h1],
    });
    const acls = [{ initiatorIqn: h1, chap: chap1 }];
    expect(
      planEnsure(live([have], ['dvsan-h1', 'dvsan-t-h1']), [record(acls)], spec(acls)),
    ).toEqual({
      tid: 4,
      steps: [],
    });
  });

  it('converges the ACL set: removes address rules and other initiators first, adds new ones last', () => {
    const have = target({
      tid: 1,
      iqn,
      incomingUsers: ['dvsan-h1', 'dvsan-old'],
      initiatorNames: [h1, 'iqn.2026-01.dev.host:old'],
      addressRules: ['ALL', '10.99.7.0/24'],
    });
    const steps = planEnsure(
      live([have], ['dvsan-h1', 'dvsan-old']),
      [record([{ initiatorIqn: h1, chap: { user: 'dvsan-h1', secret: 'Secret1111aaaa' } }])],
      spec([
        { initiatorIqn: h1, chap: { user: 'dvsan-h1', secret: 'Secret1111aaaa' } },
        { initiatorIqn: h2, chap: chap2 },
      ]),
    ).steps;
    expect(steps).toEqual([
      ['--op', 'unbind', '--mode', 'target', '--tid', '1', '--initiator-address', 'ALL'],
      ['--op', 'unbind', '--mode', 'target', '--tid', '1', '--initiator-address', '10.99.7.0/24'],
      [
        '--op',
        'unbind',
        '--mode',
        'target',
        '--tid',
        '1',
        '--initiator-name',
        'iqn.2026-01.dev.host:old',
      ],
      ['--op', 'new', '--mode', 'account', '--user', 'dvsan-h2', '--password', 'Secret2222bbbb'],
      ['--op', 'bind', '--mode', 'account', '--tid', '1', '--user', 'dvsan-h2'],
      ['--op', 'unbind', '--mode', 'account', '--tid', '1', '--user', 'dvsan-old'],
      ['--op', 'bind', '--mode', 'target', '--tid', '1', '--initiator-name', h2],
      ['--op', 'delete', '--mode', 'account', '--user', 'dvsan-old'],
    ]);
  });

  it('keeps an account another target still uses', () => {
    const mine = target({ tid: 1, iqn, incomingUsers: ['dvsan-shared'], initiatorNames: [h1] });
    const theirs = target({
      tid: 2,
      iqn: 'iqn.2026-11.io.dvsan:u1.vol-b',
      incomingUsers: ['dvsan-shared'],
    });
    const steps = planEnsure(
      live([mine, theirs], ['dvsan-shared']),
      [],
      spec([{ initiatorIqn: h1, chap: null }]),
    ).steps;
    expect(steps).toEqual([
      ['--op', 'unbind', '--mode', 'account', '--tid', '1', '--user', 'dvsan-shared'],
    ]);
  });

  it('changes a secret by making the account again, with the target closed meanwhile', () => {
    const have = target({ tid: 1, iqn, incomingUsers: ['dvsan-h1'], initiatorNames: [h1] });
    const acls = [{ initiatorIqn: h1, chap: { user: 'dvsan-h1', secret: 'Rotated111aaaa' } }];
    const steps = planEnsure(
      live([have], ['dvsan-h1']),
      [record([{ initiatorIqn: h1, chap: { user: 'dvsan-h1', secret: 'Secret1111aaaa' } }])],
      spec(acls),
    ).steps;
    expect(steps).toEqual([
      ['--op', 'unbind', '--mode', 'target', '--tid', '1', '--initiator-name', h1],
      ['--op', 'unbind', '--mode', 'account', '--tid', '1', '--user', 'dvsan-h1'],
      ['--op', 'delete', '--mode', 'account', '--user', 'dvsan-h1'],
      ['--op', 'new', '--mode', 'account', '--user', 'dvsan-h1', '--password', 'Rotated111aaaa'],
      ['--op', 'bind', '--mode', 'account', '--tid', '1', '--user', 'dvsan-h1'],
      ['--op', 'bind', '--mode', 'target', '--tid', '1', '--initiator-name', h1],
    ]);
  });

  it('makes an account of unknown secret again when nothing else uses it', () => {
    const steps = planEnsure(
      live([], ['dvsan-h2']),
      [],
      spec([{ initiatorIqn: h2, chap: chap2 }]),
    ).steps;
    expect(steps).toContainEqual(['--op', 'delete', '--mode', 'account', '--user', 'dvsan-h2']);
    expect(steps).toContainEqual([
      '--op',
      'new',
      '--mode',
      'account',
      '--user',
      'dvsan-h2',
      '--password',
      'Secret2222bbbb',
    ]);
  });

  it('refuses to change the secret of a user another target uses (tgt: one secret per user)', () => {
    const theirs = target({
      tid: 2,
      iqn: 'iqn.2026-11.io.dvsan:u1.vol-b',
      outgoingUser: 'dvsan-target',
    });
    const chap = {
      user: 'dvsan-h1',
      secret: 'Secret1111aaaa',
      mutualUser: 'dvsan-target',
      mutualSecret: 'OtherHostsMut1',
    };
    const known = [
      record(
        [
          {
            initiatorIqn: h2,
            chap: {
              user: 'dvsan-h2',
              secret: 'Secret2222bbbb',
              mutualUser: 'dvsan-target',
              mutualSecret: 'Mutual2222bbbb',
            },
          },
        ],
        theirs.iqn,
      ),
    ];
    let err: unknown;
    try {
      planEnsure(
        live([theirs], ['dvsan-target', 'dvsan-h2']),
        known,
        spec([{ initiatorIqn: h1, chap }]),
      );
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: 'conflict',
      details: { user: 'dvsan-target', usedBy: [theirs.iqn] },
    });
    expect(String((err as Error).message)).not.toContain('OtherHostsMut1');
  });

  it('replaces the outgoing account (tgt allows one) by unbinding the old one first', () => {
    const have = target({
      tid: 1,
      iqn,
      incomingUsers: ['dvsan-h1'],
      outgoingUser: 'dvsan-t-old',
      initiatorNames: [h1],
    });
    const acls = [{ initiatorIqn: h1, chap: chap1 }];
    const steps = planEnsure(
      live([have], ['dvsan-h1', 'dvsan-t-old']),
      [record([{ initiatorIqn: h1, chap: { user: 'dvsan-h1', secret: 'Secret1111aaaa' } }])],
      spec(acls),
    ).steps;
    expect(steps).toEqual([
      ['--op', 'new', '--mode', 'account', '--user', 'dvsan-t-h1', '--password', 'Mutual1111aaaa'],
      ['--op', 'unbind', '--mode', 'account', '--tid', '1', '--user', 'dvsan-t-old', '--outgoing'],
      ['--op', 'bind', '--mode', 'account', '--tid', '1', '--user', 'dvsan-t-h1', '--outgoing'],
      ['--op', 'delete', '--mode', 'account', '--user', 'dvsan-t-old'],
    ]);
  });

  it('adds LUN 1 when missing, drops extra LUNs, and refuses another backing on LUN 1', () => {
    const bare = target({ tid: 1, iqn, luns: [] });
    expect(planEnsure(live([bare]), [], spec([])).steps).toEqual([
      ['--op', 'new', '--mode', 'logicalunit', '--tid', '1', '--lun', '1', '-b', file],
    ]);
    const extra = target({ tid: 1, iqn });
    extra.luns.push({
      lun: 2,
      type: 'disk',
      sizeMb: 1,
      blockSize: 512,
      backingStoreType: 'rdwr',
      backingPath: '/x.img',
    });
    expect(planEnsure(live([extra]), [], spec([])).steps).toEqual([
      ['--op', 'delete', '--mode', 'logicalunit', '--tid', '1', '--lun', '2'],
    ]);
    const wrong = target({ tid: 1, iqn });
    wrong.luns[1]!.backingPath = '/elsewhere.img';
    expect(() => planEnsure(live([wrong]), [], spec([]))).toThrow(
      /already exports \/elsewhere.img/,
    );
  });

  it('adds the portal only when tgtd does not already listen there', () => {
    const base = { targets: [], accounts: [] };
    expect(portalCovered(wildcardPortals, { address: '10.99.7.11', port: 3260 })).toBe(true);
    expect(portalCovered(wildcardPortals, { address: 'fd00::1', port: 3260 })).toBe(true);
    expect(portalCovered(wildcardPortals, { address: '10.99.7.11', port: 3261 })).toBe(false);
    const own = [{ address: '10.99.7.11', port: 3260, tpgt: 1 }];
    expect(planEnsure({ ...base, portals: own }, [], spec([])).steps[0]).toEqual([
      '--op',
      'new',
      '--mode',
      'target',
      '--tid',
      '1',
      '-T',
      iqn,
    ]);
    expect(
      planEnsure(
        { ...base, portals: own },
        [],
        spec([], { portal: { address: 'fd00::1', port: 3260 } }),
      ).steps[0],
    ).toEqual(['--op', 'new', '--mode', 'portal', '--param', 'portal=[fd00::1]:3260']);
  });

  it('refuses what tgt cannot represent', () => {
    const m = (mutualUser: string, mutualSecret: string) => ({
      ...chap2,
      mutualUser,
      mutualSecret,
    });
    expect(() =>
      planEnsure(
        live([]),
        [],
        spec([
          { initiatorIqn: h1, chap: { ...chap1 } },
          { initiatorIqn: h2, chap: m('dvsan-t-h2', 'Mutual2222bbbb') },
        ]),
      ),
    ).toThrow(/one account per target/);
    expect(() =>
      planEnsure(
        live([]),
        [],
        spec([
          { initiatorIqn: h1, chap: { user: 'same', secret: 'Secret1111aaaa' } },
          { initiatorIqn: h2, chap: { user: 'same', secret: 'Secret2222bbbb' } },
        ]),
      ),
    ).toThrow(/two different secrets/);
    expect(() =>
      planEnsure(
        live([]),
        [],
        spec([{ initiatorIqn: h1, chap: { user: 'dvsan-h1', secret: 'bad;secret;123' } }]),
      ),
    ).toThrow(/may only use/);
  });
});

describe('planRemove', () => {
  it('unbinds everything, deletes LUNs and the target, and the accounts nobody else uses', () => {
    const mine = target({
      tid: 2,
      iqn,
      incomingUsers: ['dvsan-h1', 'dvsan-shared'],
      outgoingUser: 'dvsan-t-h1',
      initiatorNames: [h1],
      addressRules: ['255.255.255.255'],
    });
    const theirs = target({
      tid: 1,
      iqn: 'iqn.2026-11.io.dvsan:u1.vol-b',
      incomingUsers: ['dvsan-shared'],
    });
    expect(planRemove(live([theirs, mine]), iqn)).toEqual([
      [
        '--op',
        'unbind',
        '--mode',
        'target',
        '--tid',
        '2',
        '--initiator-address',
        '255.255.255.255',
      ],
      ['--op', 'unbind', '--mode', 'target', '--tid', '2', '--initiator-name', h1],
      ['--op', 'unbind', '--mode', 'account', '--tid', '2', '--user', 'dvsan-h1'],
      ['--op', 'unbind', '--mode', 'account', '--tid', '2', '--user', 'dvsan-shared'],
      ['--op', 'unbind', '--mode', 'account', '--tid', '2', '--user', 'dvsan-t-h1', '--outgoing'],
      ['--op', 'delete', '--mode', 'logicalunit', '--tid', '2', '--lun', '1'],
      ['--op', 'delete', '--mode', 'target', '--tid', '2', '--force'],
      ['--op', 'delete', '--mode', 'account', '--user', 'dvsan-h1'],
      ['--op', 'delete', '--mode', 'account', '--user', 'dvsan-t-h1'],
    ]);
  });

  it('forces the delete (an initiator may be logged in), and is empty for an unknown IQN', () => {
    const busy = target({ tid: 1, iqn, sessions: [{ nexus: 1, initiator: h1, addresses: [] }] });
    expect(planRemove(live([busy]), iqn).at(-1)).toEqual([
      '--op',
      'delete',
      '--mode',
      'target',
      '--tid',
      '1',
      '--force',
    ]);
    expect(planRemove(live([busy]), 'iqn.2026-11.io.dvsan:u1.gone')).toEqual([]);
  });

  it('works on parsed output', () => {
    const targets = parseTargets(
      'Target 7: iqn.2026-11.io.dvsan:u1.vol-a\n    LUN information:\n        LUN: 0\n        LUN: 1\n            Backing store path: /x.img\n    Account information:\n    ACL information:\n',
    );
    expect(planRemove(live(targets), iqn)).toEqual([
      ['--op', 'delete', '--mode', 'logicalunit', '--tid', '7', '--lun', '1'],
      ['--op', 'delete', '--mode', 'target', '--tid', '7', '--force'],
    ]);
  });
});
