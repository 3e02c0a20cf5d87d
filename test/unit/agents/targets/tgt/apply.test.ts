import { describe, expect, it } from 'vitest';
import type { ExportSpec } from '../../../../../agents/targets/index.js';
import {
  applyStep,
  parseAccounts,
  parsePortals,
  parseTargets,
  planEnsure,
  planRemove,
  type LiveState,
  type TgtExportRecord,
} from '../../../../../agents/targets/tgt/index.js';
import { FakeTgtd } from './fake-tgtd.js';

const h1 = 'iqn.2026-01.dev.host:h1';
const h2 = 'iqn.2026-01.dev.host:h2';
const chap1 = {
  user: 'dvsan-h1',
  secret: 'Secret1111aaaa',
  mutualUser: 'dvsan-t',
  mutualSecret: 'Mutual1111aaaa',
};
const chap2 = {
  user: 'dvsan-h2',
  secret: 'Secret2222bbbb',
  mutualUser: 'dvsan-t',
  mutualSecret: 'Mutual1111aaaa',
};

const spec = (volume: string, acls: ExportSpec['acls']): ExportSpec => ({
  iqn: `iqn.2026-11.io.dvsan:u1.${volume}`,
  backing: { kind: 'file', path: `/data/volumes/${volume}.img`, sizeBytes: 1 << 20 },
  portal: { address: '10.99.7.11', port: 3260 },
  acls,
});

async function read(fake: FakeTgtd): Promise<LiveState> {
  const show = async (mode: string) =>
    (await fake.run('tgtadm', ['--op', 'show', '--mode', mode])).stdout;
  return {
    targets: parseTargets(await show('target')),
    accounts: parseAccounts(await show('account')),
    portals: parsePortals(await show('portal')),
  };
}

/** What the view and a fresh read both know; tgt prints sizes the view does not keep. */
const comparable = (live: LiveState) => ({
  ...live,
  accounts: [...live.accounts].sort(),
  targets: live.targets.map((t) => ({
    ...t,
    luns: t.luns.map((l) => ({ lun: l.lun, backingPath: l.backingPath })),
  })),
});

describe('applyStep: the view after each step is what tgtd then shows', () => {
  it('follows creates, ACL and CHAP changes, a re-keyed account and removes', async () => {
    const fake = new FakeTgtd();
    fake.portals = [];
    const view = await read(fake);
    const records: TgtExportRecord[] = [];
    const run = async (steps: string[][]) => {
      for (const step of steps) {
        expect((await fake.run('tgtadm', step)).code).toBe(0);
        expect(applyStep(view, step)).toBe(true);
      }
      expect(comparable(view)).toEqual(comparable(await read(fake)));
    };
    const ensure = async (s: ExportSpec) => {
      await run(planEnsure(view, records, s).steps);
      records.push({ iqn: s.iqn, backing: s.backing.path, acls: s.acls });
    };
    await ensure(spec('vol-a', [{ initiatorIqn: h1, chap: chap1 }]));
    await ensure(
      spec('vol-b', [
        { initiatorIqn: h1, chap: chap1 },
        { initiatorIqn: h2, chap: chap2 },
      ]),
    );
    await ensure(
      spec('vol-b', [{ initiatorIqn: h2, chap: { ...chap2, secret: 'Rotated22bbbb' } }]),
    );
    await ensure(spec('vol-c', []));
    await run(planRemove(view, spec('vol-a', []).iqn));
    await ensure(spec('vol-d', [{ initiatorIqn: h1, chap: chap1 }]));
    expect(view.targets.map((t) => t.tid)).toEqual([1, 2, 3]);
    await run(planRemove(view, spec('vol-b', []).iqn));
  });

  it('refuses a step it does not model, leaving the view alone', () => {
    const view: LiveState = { targets: [], accounts: [], portals: [] };
    expect(applyStep(view, ['--op', 'update', '--mode', 'target', '--tid', '1'])).toBe(false);
    expect(
      applyStep(view, ['--op', 'bind', '--mode', 'target', '--tid', '9', '--initiator-name', h1]),
    ).toBe(false);
    expect(view).toEqual({ targets: [], accounts: [], portals: [] });
  });
});
