import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fake, freshStores } from './fake-station.js';
import { attachment, hostNode, hostRequest, hostView } from './host-fixtures.js';

vi.mock('../../../renderer/api/index.js', () => import('./fake-station.js'));

const { useHostsStore } = await import('../../../renderer/stores/hosts.js');
const { splitRequests, useRequestsStore } = await import('../../../renderer/stores/requests.js');

describe('hosts store', () => {
  beforeEach(freshStores);

  it('loads the hosts sorted by name and follows host.updated', async () => {
    fake.call.mockResolvedValue([hostView('h10'), hostView('h2')]);
    const store = useHostsStore();
    store.start();
    await vi.waitFor(() => expect(store.loaded).toBe(true));
    expect(fake.call).toHaveBeenCalledWith('host/list', {});
    expect(store.list.map((h) => h.node.name)).toEqual(['h2', 'h10']);
    fake.emit({
      type: 'host.updated',
      host: hostView('h2', [attachment('db', 'h2', { state: 'attaching', device: null })]),
    });
    expect(store.get('id-h2')?.attachments.map((a) => [a.volumeName, a.state])).toEqual([
      ['db', 'attaching'],
    ]);
  });

  it("keeps a host's node fresh from node events, adds new hosts, ignores units", async () => {
    fake.call.mockResolvedValue([hostView('h1', [attachment('db', 'h1')])]);
    const store = useHostsStore();
    store.start();
    await vi.waitFor(() => expect(store.loaded).toBe(true));
    fake.emit({ type: 'node.updated', node: hostNode('h1', { health: 'down' }) });
    expect(store.get('id-h1')?.node.health).toBe('down');
    expect(store.get('id-h1')?.attachments).toHaveLength(1);
    fake.emit({ type: 'node.updated', node: hostNode('h3', { state: 'new' }) });
    fake.emit({ type: 'node.updated', node: hostNode('u1', { role: 'unit' }) });
    expect(store.list.map((h) => h.node.name)).toEqual(['h1', 'h3']);
    expect(store.get('id-h3')?.attachments).toEqual([]);
    fake.emit({ type: 'node.removed', id: 'id-h1' });
    expect(store.list.map((h) => h.node.name)).toEqual(['h3']);
  });

  it('starts attach, detach and assign tasks with the params given', async () => {
    fake.call.mockResolvedValueOnce([]);
    const store = useHostsStore();
    store.start();
    await vi.waitFor(() => expect(store.loaded).toBe(true));
    fake.call.mockResolvedValue({ taskId: 't1' });
    const attach = { volumeId: 'v', hostId: 'h', filesystem: 'ext4' as const, mountPoint: '/m' };
    expect(await store.attach(attach)).toBe('t1');
    expect(fake.call).toHaveBeenLastCalledWith('host/attach', attach);
    await store.detach('a1', true);
    expect(fake.call).toHaveBeenLastCalledWith('host/detach', { attachmentId: 'a1', force: true });
    await store.detach('a1');
    expect(fake.call).toHaveBeenLastCalledWith('host/detach', { attachmentId: 'a1', force: false });
    await store.assign({ hostId: 'h', sizeBytes: 2 ** 24 });
    expect(fake.call).toHaveBeenLastCalledWith('host/assign', { hostId: 'h', sizeBytes: 2 ** 24 });
  });
});

describe('requests store', () => {
  beforeEach(freshStores);

  it('splits the queue (oldest first) from the decided ones (newest first)', () => {
    const { pending, decided } = splitRequests(
      [
        hostRequest('b', { createdAt: '2025-11-25T10:00:02Z' }),
        hostRequest('a', { createdAt: '2025-11-25T10:00:01Z' }),
        hostRequest('c', { state: 'done', updatedAt: '2025-11-25T10:00:01Z' }),
        hostRequest('d', { state: 'denied', updatedAt: '2025-11-25T10:00:03Z' }),
        hostRequest('e', { state: 'failed', updatedAt: '2025-11-25T10:00:02Z' }),
      ],
      2,
    );
    expect(pending.map((r) => r.id[0])).toEqual(['a', 'b']);
    expect(decided.map((r) => r.id[0])).toEqual(['d', 'e']);
  });

  it('follows request.updated and never rolls a request back to an older state', async () => {
    fake.call.mockResolvedValue([hostRequest('a')]);
    const store = useRequestsStore();
    store.start();
    await vi.waitFor(() => expect(store.loaded).toBe(true));
    expect(fake.call).toHaveBeenCalledWith('request/list', {});
    expect(store.pending).toHaveLength(1);
    const granted = hostRequest('a', { state: 'granted', updatedAt: '2025-11-25T10:00:05Z' });
    fake.emit({ type: 'request.updated', request: granted });
    fake.emit({ type: 'request.updated', request: hostRequest('a') });
    expect(store.pending).toEqual([]);
    expect(store.decided.map((r) => r.state)).toEqual(['granted']);
  });

  it('approves and denies through the station, showing its answer at once', async () => {
    fake.call.mockResolvedValueOnce([hostRequest('a'), hostRequest('b')]);
    const store = useRequestsStore();
    store.start();
    await vi.waitFor(() => expect(store.loaded).toBe(true));
    const id = hostRequest('a').id;
    fake.call.mockResolvedValueOnce(
      hostRequest('a', { state: 'granted', taskId: 't1', updatedAt: '2025-11-25T10:01:00Z' }),
    );
    expect((await store.approve(id)).taskId).toBe('t1');
    expect(fake.call).toHaveBeenLastCalledWith('request/approve', { id });
    const other = hostRequest('b').id;
    fake.call.mockResolvedValueOnce(
      hostRequest('b', { state: 'denied', updatedAt: '2025-11-25T10:01:00Z' }),
    );
    await store.deny(other);
    expect(fake.call).toHaveBeenLastCalledWith('request/deny', { id: other });
    expect(store.pending).toEqual([]);
    fake.call.mockRejectedValueOnce({ name: 'DvsanError', code: 'conflict', message: 'done' });
    await expect(store.deny(other, 'no room')).rejects.toMatchObject({ code: 'conflict' });
    expect(fake.call).toHaveBeenLastCalledWith('request/deny', { id: other, reason: 'no room' });
  });
});
