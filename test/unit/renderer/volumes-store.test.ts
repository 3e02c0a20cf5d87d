import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { VolumeView } from '../../../protocol/volumes.js';
import { deferred, fake, freshStores } from './fake-station.js';
import { hostExport, manyVolumes, volume } from './volume-fixtures.js';

vi.mock('../../../renderer/api/index.js', () => import('./fake-station.js'));

const { useVolumesStore } = await import('../../../renderer/stores/volumes.js');

describe('volumes store', () => {
  beforeEach(freshStores);

  it('loads once, sorts by name and groups by unit', async () => {
    fake.call.mockResolvedValue([
      volume('web-01', { unitId: 'u2' }),
      volume('db-10'),
      volume('db-9'),
    ]);
    const store = useVolumesStore();
    store.start();
    store.start();
    await vi.waitFor(() => expect(store.loaded).toBe(true));
    expect(fake.call).toHaveBeenCalledTimes(1);
    expect(fake.call).toHaveBeenCalledWith('volume/list', {});
    expect(store.list.map((v) => v.name)).toEqual(['db-9', 'db-10', 'web-01']);
    expect(store.byUnit.get('u1')?.map((v) => v.name)).toEqual(['db-9', 'db-10']);
    expect(store.byUnit.get('u2')?.map((v) => v.name)).toEqual(['web-01']);
  });

  it('follows volume.updated and volume.removed events', async () => {
    fake.call.mockResolvedValue([volume('db-01')]);
    const store = useVolumesStore();
    store.start();
    await vi.waitFor(() => expect(store.loaded).toBe(true));
    fake.emit({ type: 'volume.updated', volume: volume('db-01', { exports: [hostExport('h1')] }) });
    fake.emit({ type: 'volume.updated', volume: volume('logs') });
    fake.emit({ type: 'node.removed', id: 'id-db-01' });
    expect(store.get('id-db-01')?.exports).toHaveLength(1);
    expect(store.list.map((v) => v.name)).toEqual(['db-01', 'logs']);
    fake.emit({ type: 'volume.removed', id: 'id-db-01' });
    expect(store.list.map((v) => v.name)).toEqual(['logs']);
  });

  it('replays events that land while the list is being fetched', async () => {
    const answer = deferred<VolumeView[]>();
    fake.call.mockReturnValue(answer.promise);
    const store = useVolumesStore();
    store.start();
    fake.emit({ type: 'volume.updated', volume: volume('db-01', { sizeBytes: 99 }) });
    fake.emit({ type: 'volume.removed', id: 'id-old' });
    answer.resolve([volume('db-01'), volume('old')]);
    await vi.waitFor(() => expect(store.loaded).toBe(true));
    expect(store.list.map((v) => [v.name, v.sizeBytes])).toEqual([['db-01', 99]]);
  });

  it('keeps the load error and fetches again after a reconnect', async () => {
    fake.call.mockRejectedValueOnce({ name: 'DvsanError', code: 'internal', message: 'db locked' });
    const store = useVolumesStore();
    store.start();
    await vi.waitFor(() => expect(store.loadError).toBe('db locked'));
    fake.call.mockResolvedValue([volume('db-01')]);
    fake.reconnect();
    await vi.waitFor(() => expect(store.loadError).toBeNull());
    expect(store.list).toHaveLength(1);
  });

  it('applies the station answers of create, resize, export, unexport and delete', async () => {
    fake.call.mockResolvedValueOnce([]);
    const store = useVolumesStore();
    store.start();
    await vi.waitFor(() => expect(store.loaded).toBe(true));

    fake.call.mockResolvedValueOnce(volume('db-01'));
    await store.create({ name: 'db-01', sizeBytes: 1024 ** 3 });
    expect(store.list.map((v) => v.name)).toEqual(['db-01']);

    fake.call.mockResolvedValueOnce(volume('db-01', { sizeBytes: 2 * 1024 ** 3 }));
    await store.resize('id-db-01', 2 * 1024 ** 3);
    expect(fake.call).toHaveBeenLastCalledWith('volume/resize', {
      id: 'id-db-01',
      sizeBytes: 2 * 1024 ** 3,
    });
    expect(store.get('id-db-01')?.sizeBytes).toBe(2 * 1024 ** 3);

    const iqn = 'iqn.1993-08.org.debian:01:h1';
    fake.call.mockResolvedValueOnce(volume('db-01', { exports: [hostExport('h1')] }));
    await store.exportTo('id-db-01', iqn, 'id-h1');
    expect(fake.call).toHaveBeenLastCalledWith('volume/export', {
      id: 'id-db-01',
      initiatorIqn: iqn,
      hostId: 'id-h1',
    });
    fake.call.mockResolvedValueOnce(volume('db-01', { exports: [hostExport('h1')] }));
    await store.exportTo('id-db-01', iqn);
    expect(fake.call).toHaveBeenLastCalledWith('volume/export', {
      id: 'id-db-01',
      initiatorIqn: iqn,
    });

    fake.call.mockResolvedValueOnce(volume('db-01'));
    await store.unexport('id-db-01', iqn);
    expect(store.get('id-db-01')?.exports).toEqual([]);

    fake.call.mockResolvedValueOnce({ deleted: true });
    await store.remove('id-db-01', true, 'db-01');
    expect(fake.call).toHaveBeenLastCalledWith('volume/delete', {
      id: 'id-db-01',
      force: true,
      confirm: 'db-01',
    });
    expect(store.list).toEqual([]);
  });

  it('leaves the list alone when the station refuses', async () => {
    fake.call.mockResolvedValueOnce([volume('db-01', { exports: [hostExport('h1')] })]);
    const store = useVolumesStore();
    store.start();
    await vi.waitFor(() => expect(store.loaded).toBe(true));
    const refusal = { name: 'DvsanError', code: 'conflict', message: 'db-01 is exported' };
    fake.call.mockRejectedValueOnce(refusal);
    await expect(store.remove('id-db-01')).rejects.toBe(refusal);
    expect(fake.call).toHaveBeenLastCalledWith('volume/delete', { id: 'id-db-01', force: false });
    expect(store.list).toHaveLength(1);
  });

  it('takes in 10,000 volumes quickly', async () => {
    const many = manyVolumes(10_000);
    fake.call.mockResolvedValue(many);
    const store = useVolumesStore();
    const t = performance.now();
    store.start();
    await vi.waitFor(() => expect(store.loaded).toBe(true));
    expect(store.list).toHaveLength(10_000);
    expect(store.byUnit.size).toBe(4);
    expect(performance.now() - t).toBeLessThan(500);
    // One event is one change, not a rebuild of every entry.
    fake.emit({ type: 'volume.removed', id: many[0]!.id });
    expect(store.list).toHaveLength(9_999);
  });
});
