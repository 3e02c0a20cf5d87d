import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Task } from '../../../protocol/tasks.js';
import { deferred, fake, flush, freshStores } from './fake-station.js';
import { volume } from './volume-fixtures.js';

vi.mock('../../../renderer/api/index.js', () => import('./fake-station.js'));

const { useTasksStore } = await import('../../../renderer/stores/tasks.js');
const { useVolumesStore } = await import('../../../renderer/stores/volumes.js');
const { describeKind, statusLine, subject } =
  await import('../../../renderer/pages/tasks/task-columns.js');

function task(id: string, over: Partial<Task> = {}): Task {
  return {
    id,
    kind: 'volume.resize',
    targets: ['v1'],
    user: 'alice',
    state: 'queued',
    progress: 0,
    steps: [{ name: 'grow vol-a to 2.0 GiB', state: 'queued', progress: 0, message: null }],
    locks: [
      { kind: 'unit', id: 'u1', mode: 'read', label: 'unit-1' },
      { kind: 'volume', id: 'v1', mode: 'write', label: 'vol-a' },
    ],
    waitingFor: null,
    log: [],
    error: null,
    result: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    startedAt: null,
    endedAt: null,
    ...over,
  };
}

describe('Tasks page helpers', () => {
  it('names kinds, subjects and what a task is doing or waiting for', () => {
    expect(describeKind('volume.resize')).toBe('Resize volume');
    expect(describeKind('something.new')).toBe('something.new');
    expect(subject(task('a'))).toBe('unit unit-1, volume vol-a');
    expect(subject(task('a', { locks: [{ kind: 'pool', id: 'pool', mode: 'write' }] }))).toBe(
      'grow vol-a to 2.0 GiB',
    );
    expect(statusLine(task('a', { waitingFor: 'volume vol-a — held by task 1a2b3c4d' }))).toBe(
      'waiting for volume vol-a — held by task 1a2b3c4d',
    );
    expect(
      statusLine(
        task('a', {
          state: 'running',
          steps: [{ name: 'grow', state: 'running', progress: 20, message: 'extending' }],
        }),
      ),
    ).toBe('extending');
    expect(
      statusLine(
        task('a', {
          state: 'cancelled',
          error: { name: 'DvsanError', code: 'conflict', message: 'cancelled by bob' },
        }),
      ),
    ).toBe('cancelled by bob');
  });
});

describe('tasks store list and cancel', () => {
  beforeEach(freshStores);

  it('lists newest first, and a cancel answer replaces the task', async () => {
    fake.call.mockResolvedValueOnce([
      task('old', { createdAt: '2025-01-01T00:00:00.000Z' }),
      task('new', { createdAt: '2025-01-02T00:00:00.000Z' }),
    ]);
    const tasks = useTasksStore();
    tasks.start();
    await flush();
    expect(tasks.loaded).toBe(true);
    expect(tasks.list.map((t) => t.id)).toEqual(['new', 'old']);
    fake.call.mockResolvedValueOnce(
      task('new', {
        state: 'cancelled',
        createdAt: '2025-01-02T00:00:00.000Z',
        updatedAt: '2025-01-02T00:00:05.000Z',
      }),
    );
    await tasks.cancel('new');
    expect(fake.call).toHaveBeenLastCalledWith('task/cancel', { id: 'new' });
    expect(tasks.byId.get('new')?.state).toBe('cancelled');
    fake.call.mockRejectedValueOnce(new Error('already succeeded'));
    await expect(tasks.cancel('old')).rejects.toThrow('already succeeded');
  });
});

describe('volumes store with queued changes', () => {
  beforeEach(freshStores);

  it('keeps the newer event when a queued change answers after the next change’s event', async () => {
    fake.call.mockResolvedValueOnce([volume('shared-a', { sizeBytes: 64 })]);
    const volumes = useVolumesStore();
    volumes.start();
    await vi.waitFor(() => expect(volumes.loaded).toBe(true));
    const answer = deferred<unknown>();
    fake.call.mockReturnValueOnce(answer.promise);
    const first = volumes.resize('id-shared-a', 128);
    // The second change (queued behind the first) ran and its event arrived first.
    fake.emit({ type: 'volume.updated', volume: volume('shared-a', { sizeBytes: 256 }) });
    answer.resolve(volume('shared-a', { sizeBytes: 128 }));
    expect((await first).sizeBytes).toBe(128);
    expect(volumes.get('id-shared-a')?.sizeBytes).toBe(256);
    // With no event in between, the answer shows at once.
    fake.call.mockResolvedValueOnce(volume('shared-a', { sizeBytes: 512 }));
    await volumes.resize('id-shared-a', 512);
    expect(volumes.get('id-shared-a')?.sizeBytes).toBe(512);
  });
});
