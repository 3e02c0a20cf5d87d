import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DvsanError, StationClient } from '../../../../protocol/index.js';
import { Database } from '../../../../station/db/database.js';
import { type NodeRecord, NodesRepo } from '../../../../station/db/nodes-repo.js';
import { unitRecord } from '../fixtures.js';
import { createStation, type Station } from '../../../../station/index.js';
import { createLogger } from '../../../../station/log.js';
import { FakeUnit } from './fake-unit.js';

const GiB = 1024 ** 3;
const hostA = 'iqn.2026-11.io.dvsan.test:host-a';
const hostB = 'iqn.2026-11.io.dvsan.test:host-b';
let station: Station;
let client: StationClient;
let dataDir: string;
const units: Record<string, FakeUnit> = {};

const errorOf = async (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: DvsanError) => e,
  );

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dvsan-vol-'));
  const db = await Database.open(join(dataDir, 'station.db'));
  const repo = new NodesRepo(db);
  units.big = new FakeUnit(500 * GiB);
  units.small = new FakeUnit(50 * GiB);
  for (const [id, u] of Object.entries(units)) {
    await repo.insert(unitRecord(id, { address: `10.99.1.${id.length}`, health: 'up' }));
    await repo.update(id, {
      health: 'up',
      storage: (await u.call('storage.inventory', {})) as NodeRecord['storage'],
      storageAt: 'now',
    });
  }
  await db.close();
  station = await createStation({
    dataDir,
    log: createLogger('silent'),
    connectAgent: async (id) => units[id]!,
  });
  client = new StationClient(station.transport);
});
afterEach(() => station.close());

describe('volumes', () => {
  it('places a volume on the unit with the most free space, or spreads them', async () => {
    expect((await client.call('volume/create', { name: 'v1', sizeBytes: GiB })).unitName).toBe(
      'big',
    );
    expect(
      (await client.call('volume/create', { name: 'v2', sizeBytes: GiB, placement: 'spread' }))
        .unitName,
    ).toBe('small');
    expect(
      (await client.call('volume/create', { name: 'v3', sizeBytes: GiB, unitId: 'small' })).iqn,
    ).toBe('iqn.2026-11.io.dvsan:small.v3');
  });

  it('is idempotent, refuses conflicts, oversize requests and bad names, and changes nothing then', async () => {
    const a = await client.call('volume/create', { name: 'v1', sizeBytes: GiB });
    const again = await client.call('volume/create', { name: 'v1', sizeBytes: GiB });
    expect({ ...again, allocatedBytes: null }).toEqual({ ...a, allocatedBytes: null });
    expect(
      (await errorOf(client.call('volume/create', { name: 'v1', sizeBytes: 2 * GiB }))).code,
    ).toBe('conflict');
    expect(
      (await errorOf(client.call('volume/create', { name: 'v9', sizeBytes: 900 * GiB }))).message,
    ).toMatch(/no unit has 900.0 GiB free/);
    expect(
      (await errorOf(client.call('volume/create', { name: 'Bad_Name', sizeBytes: GiB }))).code,
    ).toBe('invalid-params');
    expect((await errorOf(client.call('volume/create', { name: 'v0', sizeBytes: 0 }))).code).toBe(
      'invalid-params',
    );
    expect((await client.call('volume/list', {})).map((v) => v.name)).toEqual(['v1']);
    expect([...units.big!.volumes.keys()]).toEqual(['v1']);
  });

  it('undoes the unit side when recording fails, so nothing is left half-made', async () => {
    units.big!.failNext.add('volume.create');
    expect((await errorOf(client.call('volume/create', { name: 'v1', sizeBytes: GiB }))).code).toBe(
      'agent-error',
    );
    expect(await client.call('volume/list', {})).toEqual([]);
    const v = await client.call('volume/create', { name: 'v1', sizeBytes: GiB });
    units.big!.failNext.add('export.ensure');
    expect(
      (await errorOf(client.call('volume/export', { id: v.id, initiatorIqn: hostA }))).code,
    ).toBe('agent-error');
    expect((await client.call('volume/list', {}))[0]!.exports).toEqual([]);
  });

  it('exports deny-by-default with per-host CHAP, refuses a second host unless shared, and never shows secrets', async () => {
    const v = await client.call('volume/create', { name: 'v1', sizeBytes: GiB });
    const exported = await client.call('volume/export', { id: v.id, initiatorIqn: hostA });
    expect(exported.exports.map((e) => e.initiatorIqn)).toEqual([hostA]);
    expect(await client.call('volume/export', { id: v.id, initiatorIqn: hostA })).toEqual(exported);
    expect(
      (await errorOf(client.call('volume/export', { id: v.id, initiatorIqn: hostB }))).message,
    ).toMatch(/not shared/);
    const target = units.big!.exports.get(v.iqn)!;
    expect(target.acls).toEqual([
      { initiatorIqn: hostA, chapUser: expect.stringMatching(/^dvsan-/), mutual: true },
    ]);
    const [secret] = target.secrets;
    expect(secret).toMatch(/^[A-Za-z0-9]{16}$/);
    const everything = JSON.stringify([
      await client.call('volume/list', {}),
      await client.call('event/list', { limit: 100 }),
    ]);
    expect(everything).not.toContain(secret);
    for (const f of ['station.db', 'station.db-wal']) {
      try {
        expect(readFileSync(join(dataDir, f)).includes(Buffer.from(secret!))).toBe(false);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    const shared = await client.call('volume/create', { name: 'v2', sizeBytes: GiB, shared: true });
    await client.call('volume/export', { id: shared.id, initiatorIqn: hostA });
    expect(
      (await client.call('volume/export', { id: shared.id, initiatorIqn: hostB })).exports,
    ).toHaveLength(2);
    // The same host keeps the same credentials on every volume.
    expect(units.big!.exports.get(shared.iqn)!.secrets[0]).toBe(secret);
  });

  it('refuses to delete an exported volume unless forced and confirmed, then removes target and volume', async () => {
    const v = await client.call('volume/create', { name: 'v1', sizeBytes: GiB });
    await client.call('volume/export', { id: v.id, initiatorIqn: hostA });
    expect((await errorOf(client.call('volume/delete', { id: v.id }))).code).toBe('conflict');
    expect(
      (await errorOf(client.call('volume/delete', { id: v.id, force: true, confirm: 'nope' })))
        .code,
    ).toBe('invalid-params');
    expect(await client.call('volume/delete', { id: v.id, force: true, confirm: 'v1' })).toEqual({
      deleted: true,
    });
    expect(units.big!.exports.size + units.big!.volumes.size).toBe(0);
    expect(await client.call('volume/delete', { id: v.id })).toEqual({ deleted: false });
  });

  it('reconciles: previews drift and leftovers, then repairs them', async () => {
    const v = await client.call('volume/create', { name: 'v1', sizeBytes: GiB });
    await client.call('volume/export', { id: v.id, initiatorIqn: hostA });
    units.big!.exports.delete(v.iqn);
    await units.big!.call('export.ensure', {
      iqn: 'iqn.2026-11.io.dvsan:big.orphan',
      volumeId: 'orphan',
      portal: { address: 'x', port: 3260 },
      acls: [],
    });
    await units.big!.call('export.ensure', {
      iqn: 'iqn.2003-01.org.other:keep',
      volumeId: 'x',
      portal: { address: 'x', port: 3260 },
      acls: [],
    });
    const preview = await client.call('unit/reconcile', { id: 'big' });
    expect(preview).toMatchObject({
      missing: [v.iqn],
      leftovers: ['iqn.2026-11.io.dvsan:big.orphan'],
      applied: false,
    });
    expect(units.big!.exports.has('iqn.2026-11.io.dvsan:big.orphan')).toBe(true);
    await client.call('unit/reconcile', { id: 'big', apply: true });
    expect([...units.big!.exports.keys()].sort()).toEqual(['iqn.2003-01.org.other:keep', v.iqn]);
    expect(await client.call('unit/reconcile', { id: 'big' })).toMatchObject({
      missing: [],
      drifted: [],
      leftovers: [],
    });
  });

  it('grows volumes only', async () => {
    const v = await client.call('volume/create', { name: 'v1', sizeBytes: GiB });
    expect((await client.call('volume/resize', { id: v.id, sizeBytes: 2 * GiB })).sizeBytes).toBe(
      2 * GiB,
    );
    expect(
      (await errorOf(client.call('volume/resize', { id: v.id, sizeBytes: GiB }))).message,
    ).toMatch(/only grow/);
  });
});
