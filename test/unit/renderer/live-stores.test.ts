import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { NodeView } from '../../../protocol/nodes.js';
import type { PoolView, Settings } from '../../../protocol/pool.js';
import type { StationEvent } from '../../../protocol/station-api.js';
import { deferred, fake, flush, freshStores } from './fake-station.js';
import { eventRecord, samplePool, unit } from './fixtures.js';

vi.mock('../../../renderer/api/index.js', () => import('./fake-station.js'));

const { usePoolStore } = await import('../../../renderer/stores/pool.js');
const { useEventsStore, eventsKept } = await import('../../../renderer/stores/events.js');
const { useSettingsStore } = await import('../../../renderer/stores/settings.js');
const { useNodesStore } = await import('../../../renderer/stores/nodes.js');

function poolWith(free: number): PoolView {
  const pool = samplePool();
  pool.units = [unit('unit-01', { freeBytes: free })];
  return pool;
}

beforeEach(freshStores);

describe('pool store', () => {
  it('loads the pool, sorts units by name and takes each pool.updated whole', async () => {
    fake.call.mockResolvedValueOnce(samplePool());
    const pool = usePoolStore();
    pool.start();
    await flush();
    expect(fake.call).toHaveBeenCalledWith('pool/get', {});
    expect(pool.loaded).toBe(true);
    expect(pool.units.map((u) => u.name)).toEqual(['unit-01', 'unit-02', 'unit-03', 'unit-04']);

    fake.emit({ type: 'pool.updated', pool: poolWith(1) } satisfies StationEvent);
    expect(pool.units.map((u) => u.freeBytes)).toEqual([1]);
    // Other events leave it alone.
    fake.emit({ type: 'node.removed', id: 'x' } satisfies StationEvent);
    expect(pool.pool?.units.length).toBe(1);
  });

  it('keeps a pool.updated that lands while a fetch is in flight', async () => {
    const answer = deferred<PoolView>();
    fake.call.mockReturnValueOnce(answer.promise);
    const pool = usePoolStore();
    pool.start();
    fake.emit({ type: 'pool.updated', pool: poolWith(2) });
    answer.resolve(poolWith(1));
    await flush();
    expect(pool.units[0]?.freeBytes).toBe(2);
    expect(pool.loading).toBe(false);
  });

  it('fetches again after the event stream reconnects and reports load errors', async () => {
    fake.call.mockResolvedValueOnce(poolWith(1));
    const pool = usePoolStore();
    pool.start();
    await flush();
    fake.call.mockRejectedValueOnce(new Error('cannot reach the station: refused'));
    fake.reconnect();
    await flush();
    expect(pool.loadError).toBe('cannot reach the station: refused');
    // The last good pool stays on screen.
    expect(pool.units[0]?.freeBytes).toBe(1);
  });

  it('marks a spare, updates the node at once and re-reads the totals', async () => {
    const pool = usePoolStore();
    const nodes = useNodesStore();
    const node = { id: 'id-unit-01', name: 'unit-01', spare: true } as NodeView;
    fake.call.mockImplementation(async (method) => {
      if (method === 'node/setSpare') return node;
      if (method === 'pool/get') return poolWith(7);
      throw new Error(`unexpected ${method}`);
    });
    await pool.setSpare('id-unit-01', true);
    expect(fake.call).toHaveBeenCalledWith('node/setSpare', { id: 'id-unit-01', spare: true });
    expect(nodes.get('id-unit-01')?.spare).toBe(true);
    expect(pool.units[0]?.freeBytes).toBe(7);
  });
});

describe('events store', () => {
  it('merges the fetched list and live events, newest first, without duplicates', async () => {
    fake.call.mockResolvedValueOnce([eventRecord(2), eventRecord(1)]).mockResolvedValueOnce([]);
    const events = useEventsStore();
    events.start();
    await flush();
    expect(fake.call).toHaveBeenCalledWith('event/list', { limit: eventsKept });
    fake.emit({ type: 'event.created', event: eventRecord(3) } satisfies StationEvent);
    fake.emit({ type: 'event.created', event: eventRecord(3) } satisfies StationEvent);
    expect(events.list.map((e) => e.id)).toEqual([3, 2, 1]);
  });

  it('orders by time even when ids arrive out of order, ties by id', () => {
    const events = useEventsStore();
    events.apply({ type: 'event.created', event: eventRecord(5, { at: '2025-01-01T00:00:00Z' }) });
    events.apply({ type: 'event.created', event: eventRecord(4, { at: '2025-01-02T00:00:00Z' }) });
    events.apply({ type: 'event.created', event: eventRecord(6, { at: '2025-01-01T00:00:00Z' }) });
    expect(events.list.map((e) => e.id)).toEqual([4, 6, 5]);
  });

  it(`keeps the newest ${eventsKept}`, () => {
    const events = useEventsStore();
    for (let id = 1; id <= eventsKept + 5; id++)
      events.apply({
        type: 'event.created',
        event: eventRecord(id, { at: '2025-01-01T00:00:00Z' }),
      });
    expect(events.list.length).toBe(eventsKept);
    expect(events.list.at(-1)?.id).toBe(6);
  });

  it('fetches announce stats on demand and keeps the error', async () => {
    const events = useEventsStore();
    fake.call.mockResolvedValueOnce({ accepted: 5, rejected: { signature: 2 } });
    await events.loadStats();
    expect(fake.call).toHaveBeenCalledWith('announce/stats', {});
    expect(events.stats?.accepted).toBe(5);
    fake.call.mockRejectedValueOnce(new Error('boom'));
    await events.loadStats();
    expect(events.statsError).toBe('boom');
    expect(events.stats?.accepted).toBe(5);
  });
});

describe('settings store', () => {
  const settings: Settings = {
    thresholds: { warningPct: 75, criticalPct: 90 },
    heartbeatSeconds: 5,
    missedHeartbeats: 3,
    requestPolicy: { autoGrantBytes: 0, hostQuotaBytes: null },
  };

  it('loads, updates, and follows thresholds carried by pool.updated', async () => {
    fake.call.mockResolvedValueOnce(settings);
    const store = useSettingsStore();
    store.start();
    await flush();
    expect(store.settings).toEqual(settings);

    const pool = samplePool();
    pool.thresholds = { warningPct: 60, criticalPct: 80 };
    fake.emit({ type: 'pool.updated', pool } satisfies StationEvent);
    expect(store.settings?.thresholds).toEqual({ warningPct: 60, criticalPct: 80 });
    expect(store.settings?.heartbeatSeconds).toBe(5);

    fake.call.mockResolvedValueOnce({ ...settings, heartbeatSeconds: 10 });
    await store.update({ heartbeatSeconds: 10 });
    expect(fake.call).toHaveBeenLastCalledWith('settings/update', { heartbeatSeconds: 10 });
    expect(store.settings?.heartbeatSeconds).toBe(10);
  });

  it('lets update errors reach the page', async () => {
    const store = useSettingsStore();
    fake.call.mockRejectedValueOnce(new Error('nope'));
    await expect(store.update({ missedHeartbeats: 2 })).rejects.toThrow('nope');
  });
});
