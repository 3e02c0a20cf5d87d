import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { NodeView } from '../../../protocol/nodes.js';
import type { StationEvent } from '../../../protocol/station-api.js';
import type { Task } from '../../../protocol/tasks.js';
import { deferred, fake, flush, freshStores } from './fake-station.js';

vi.mock('../../../renderer/api/index.js', () => import('./fake-station.js'));

const { useNodesStore } = await import('../../../renderer/stores/nodes.js');
const { targetActivity, useTasksStore } = await import('../../../renderer/stores/tasks.js');

function node(id: string, name: string, state: NodeView['state'] = 'new'): NodeView {
  return {
    id,
    name,
    role: 'unit',
    address: '10.99.0.1',
    port: 22,
    user: 'root',
    authKind: 'agent',
    keyPath: null,
    hostKey: { fingerprint: 'SHA256:' + 'a'.repeat(43), state: 'trusted' },
    state,
    health: 'unknown',
    lastSeenAt: null,
    spare: false,
    lastError: null,
    agent: { version: null, runtime: null, deployedAt: null },
    inventory: null,
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}

function task(
  id: string,
  targets: string[],
  state: Task['state'],
  updatedAt: string,
  progress = 0,
): Task {
  return {
    id,
    kind: 'node.deploy',
    targets,
    user: 'local',
    state,
    progress,
    steps: [{ name: 'upload', state: 'running', progress, message: 'copying the agent' }],
    locks: [],
    waitingFor: null,
    log: [],
    error: null,
    result: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt,
    startedAt: null,
    endedAt: null,
  };
}

beforeEach(freshStores);

describe('nodes store', () => {
  it('loads the list, sorts by name and follows events', async () => {
    fake.call.mockResolvedValueOnce([node('2', 'unit-02'), node('1', 'unit-01')]);
    const nodes = useNodesStore();
    nodes.start();
    await flush();
    expect(fake.call).toHaveBeenCalledWith('node/list', {});
    expect(nodes.list.map((n) => n.name)).toEqual(['unit-01', 'unit-02']);

    fake.emit({
      type: 'node.updated',
      node: node('1', 'unit-01', 'deploying'),
    } satisfies StationEvent);
    fake.emit({ type: 'node.removed', id: '2' } satisfies StationEvent);
    fake.emit({ type: 'node.updated', node: node('3', 'host-01') } satisfies StationEvent);
    expect(nodes.list.map((n) => [n.name, n.state])).toEqual([
      ['host-01', 'new'],
      ['unit-01', 'deploying'],
    ]);
  });

  it('replays events that arrive while the list is loading', async () => {
    const answer = deferred<NodeView[]>();
    fake.call.mockReturnValueOnce(answer.promise);
    const nodes = useNodesStore();
    nodes.start();
    fake.emit({ type: 'node.updated', node: node('1', 'unit-01', 'ready') });
    answer.resolve([node('1', 'unit-01', 'deploying')]);
    await flush();
    expect(nodes.get('1')?.state).toBe('ready');
  });

  it('re-fetches the list after the event stream reconnects', async () => {
    fake.call.mockResolvedValueOnce([node('1', 'unit-01')]);
    const nodes = useNodesStore();
    nodes.start();
    await flush();
    fake.call.mockResolvedValueOnce([node('4', 'unit-04')]);
    fake.reconnect();
    await flush();
    expect(nodes.list.map((n) => n.id)).toEqual(['4']);
  });

  it('keeps the error message when the list cannot load', async () => {
    fake.call.mockRejectedValueOnce(new Error('cannot reach the station: refused'));
    const nodes = useNodesStore();
    await nodes.load();
    expect(nodes.loadError).toBe('cannot reach the station: refused');
    expect(nodes.loaded).toBe(false);
  });
});

describe('tasks store', () => {
  it('shows each node its own step of a bulk task and ignores stale copies', async () => {
    fake.call.mockResolvedValueOnce([]);
    const tasks = useTasksStore();
    tasks.start();
    await flush();
    const t = task('t1', ['n1', 'n2'], 'running', '2025-01-01T00:00:02Z', 30);
    t.steps = [
      { name: 'unit-01', state: 'running', progress: 40, message: 'copying the agent' },
      { name: 'unit-02', state: 'queued', progress: 0, message: null },
    ];
    fake.emit({ type: 'task.updated', task: t });
    expect(tasks.activityFor('n1')).toMatchObject({
      taskId: 't1',
      progress: 40,
      message: 'copying the agent',
    });
    expect(tasks.activityFor('n2')).toMatchObject({ state: 'queued', progress: 0 });

    tasks.upsert({ ...t, updatedAt: '2025-01-01T00:00:01Z', steps: [] });
    expect(tasks.activityFor('n1')?.progress).toBe(40);

    // n1 done while n2 still runs: n1 no longer shows a bar.
    const later = structuredClone(t);
    later.updatedAt = '2025-01-01T00:00:03Z';
    later.steps[0] = {
      name: 'unit-01',
      state: 'succeeded',
      progress: 100,
      message: 'installed 0.1.0',
    };
    fake.emit({ type: 'task.updated', task: later });
    expect(tasks.activityFor('n1')).toBeUndefined();
    expect(tasks.activityFor('n2')).toBeDefined();

    fake.emit({
      type: 'task.updated',
      task: { ...later, state: 'succeeded', updatedAt: '2025-01-01T00:00:04Z' },
    });
    expect(tasks.activityFor('n2')).toBeUndefined();
  });
});

describe('targetActivity', () => {
  it('uses the overall progress when steps do not line up with targets', () => {
    const t = task('t2', ['n1'], 'running', '2025-01-01T00:00:02Z', 55);
    t.steps.push({ name: 'verify', state: 'queued', progress: 0, message: null });
    expect(targetActivity(t, 'n1')).toMatchObject({ progress: 55, message: 'copying the agent' });
  });
});
