// The enquiry path without SSH: a signed startup for a known unit makes the station ask its
// (simulated) agent for storage; good answers join the pool, bad ones are refused with a reason.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StationClient } from '../../../../protocol/index.js';
import { Database } from '../../../../station/db/database.js';
import { NodesRepo } from '../../../../station/db/nodes-repo.js';
import { unitRecord } from '../fixtures.js';
import { createStation, type Station } from '../../../../station/index.js';
import { createLogger } from '../../../../station/log.js';
import { signed } from './packets.js';

const GiB = 1024 ** 3;
let station: Station;
afterEach(() => station?.close());

async function stationWith(answer: unknown): Promise<{ client: StationClient; key: Buffer }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dvsan-enquiry-'));
  const db = await Database.open(join(dataDir, 'station.db'));
  await new NodesRepo(db).insert(unitRecord('u1'));
  await db.close();
  station = await createStation({
    dataDir,
    log: createLogger('silent'),
    connectAgent: async () => ({ call: async () => answer as never }),
  });
  const key = randomBytes(32);
  station.setAnnounceKey('u1', key);
  return { client: new StationClient(station.transport), key };
}

describe('enquiry after a startup announce', () => {
  it('merges a good storage answer into the pool and marks the unit up', async () => {
    const good = {
      pools: [
        { id: 'dir:/d', kind: 'directory', path: '/d', totalBytes: 10 * GiB, freeBytes: 4 * GiB },
      ],
      volumes: [],
    };
    const { client, key } = await stationWith(good);
    station.injectAnnounce(signed({ nodeId: 'u1', kind: 'startup' }, key));
    await station.settled();
    const pool = await client.call('pool/get', {});
    expect(pool.units).toMatchObject([
      { name: 'u1', health: 'up', totalBytes: 10 * GiB, freeBytes: 4 * GiB },
    ]);
  });

  it.each([
    [
      'fails its schema',
      { pools: [{ id: 'dir:/d', kind: 'tape' }], volumes: [] },
      /does not fit the schema/,
    ],
    [
      'claims more free than total',
      {
        pools: [
          { id: 'dir:/d', kind: 'directory', path: '/d', totalBytes: GiB, freeBytes: 2 * GiB },
        ],
        volumes: [],
      },
      /more free/,
    ],
  ])(
    'refuses an answer that %s, records why, and leaves the pool as it was',
    async (_what, answer, why) => {
      const { client, key } = await stationWith(answer);
      station.injectAnnounce(signed({ nodeId: 'u1', kind: 'startup' }, key));
      await station.settled();
      expect((await client.call('pool/get', {})).units).toEqual([]);
      const events = await client.call('event/list', { limit: 10 });
      expect(events.find((e) => e.kind === 'storage.rejected')?.message).toMatch(why);
    },
  );
});

describe('storage refresh on heartbeats', () => {
  it('asks an up unit for its storage again once the refresh interval has passed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dvsan-refresh-'));
    const db = await Database.open(join(dataDir, 'station.db'));
    await new NodesRepo(db).insert(unitRecord('u1'));
    await db.close();
    let enquiries = 0;
    const storage = { pools: [], volumes: [] };
    station = await createStation({
      dataDir,
      log: createLogger('silent'),
      storageRefreshMs: 50,
      connectAgent: async () => ({
        call: async (method: string) => {
          if (method === 'storage.inventory') enquiries++;
          return storage as never;
        },
      }),
    });
    const key = randomBytes(32);
    station.setAnnounceKey('u1', key);
    const beat = async () => {
      station.injectAnnounce(signed({ nodeId: 'u1' }, key));
      await station.settled();
    };
    station.injectAnnounce(signed({ nodeId: 'u1', kind: 'startup' }, key));
    await station.settled();
    expect(enquiries).toBe(1);
    // Heartbeats within the interval cost nothing.
    await beat();
    await beat();
    expect(enquiries).toBe(1);
    await new Promise((r) => setTimeout(r, 80));
    await beat();
    await expect.poll(() => enquiries).toBe(2);
  });
});

describe('shutdown', () => {
  it('marks an up unit down at once when its agent says goodbye', async () => {
    const { client, key } = await stationWith({ pools: [], volumes: [] });
    station.injectAnnounce(signed({ nodeId: 'u1', kind: 'startup' }, key));
    await station.settled();
    expect((await client.call('node/get', { id: 'u1' })).health).toBe('up');
    station.injectAnnounce(signed({ nodeId: 'u1', kind: 'shutdown' }, key));
    await station.settled();
    expect((await client.call('node/get', { id: 'u1' })).health).toBe('down');
  });
});
