// The Dashboard's counts and picks, and the events store's alert handling behind its cards.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Task } from '../../../protocol/tasks.js';
import {
  activeTasks,
  healthCounts,
  recentEvents,
} from '../../../renderer/pages/dashboard/dashboard.js';
import { fake, flush, freshStores } from './fake-station.js';
import { eventRecord } from './fixtures.js';
import { hostNode } from './host-fixtures.js';

vi.mock('../../../renderer/api/index.js', () => import('./fake-station.js'));
const { useEventsStore, eventsKept } = await import('../../../renderer/stores/events.js');

function task(id: string, state: Task['state'], createdAt: string, startedAt?: string): Task {
  return {
    id,
    kind: 'volume.create',
    targets: [],
    user: 'local',
    state,
    progress: 0,
    steps: [],
    locks: [],
    waitingFor: null,
    log: [],
    error: null,
    result: null,
    createdAt,
    updatedAt: createdAt,
    startedAt: startedAt ?? null,
    endedAt: null,
  };
}

describe('dashboard counts', () => {
  it('counts units and hosts by health, each node once under its role', () => {
    const counts = healthCounts([
      hostNode('u1', { role: 'unit' }),
      hostNode('u2', { role: 'unit', health: 'down' }),
      hostNode('u3', { role: 'unit', health: 'unknown' }),
      hostNode('u4', { role: 'unit' }),
      hostNode('h1', { health: 'down' }),
    ]);
    expect(counts).toEqual({
      unit: { up: 2, down: 1, unknown: 1, total: 4 },
      host: { up: 0, down: 1, unknown: 0, total: 1 },
    });
    expect(healthCounts([])).toEqual({
      unit: { up: 0, down: 0, unknown: 0, total: 0 },
      host: { up: 0, down: 0, unknown: 0, total: 0 },
    });
  });

  it('lists running tasks first, then the queue oldest first, and nothing finished', () => {
    const tasks = [
      task('q2', 'queued', '2025-01-01T00:00:05Z'),
      task('done', 'succeeded', '2025-01-01T00:00:00Z'),
      task('r2', 'running', '2025-01-01T00:00:01Z', '2025-01-01T00:00:09Z'),
      task('q1', 'queued', '2025-01-01T00:00:03Z'),
      task('r1', 'running', '2025-01-01T00:00:02Z', '2025-01-01T00:00:04Z'),
      task('failed', 'failed', '2025-01-01T00:00:00Z'),
    ];
    expect(activeTasks(tasks).map((t) => t.id)).toEqual(['r1', 'r2', 'q1', 'q2']);
  });

  it('shows the ten newest events', () => {
    const list = Array.from({ length: 15 }, (_, i) => eventRecord(15 - i));
    expect(recentEvents(list).map((e) => e.id)).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6]);
    expect(recentEvents(list.slice(0, 3))).toHaveLength(3);
  });
});

describe('events store: alerts', () => {
  beforeEach(freshStores);

  const warning = (id: number, acknowledgedAt: string | null = null) =>
    eventRecord(id, {
      severity: 'warning',
      acknowledgedAt,
      acknowledgedBy: acknowledgedAt && 'ann',
    });

  it('fetches the newest events and the open alerts, and lists open alerts newest first', async () => {
    fake.call
      .mockResolvedValueOnce([warning(3), eventRecord(2)])
      .mockResolvedValueOnce([warning(3), warning(1)]);
    const events = useEventsStore();
    events.start();
    await flush();
    expect(fake.call).toHaveBeenCalledWith('event/list', { limit: eventsKept, openAlerts: true });
    expect(events.list.map((e) => e.id)).toEqual([3, 2, 1]);
    expect(events.openAlerts.map((e) => e.id)).toEqual([3, 1]);
  });

  it('acknowledges through the station and applies its answer at once', async () => {
    const events = useEventsStore();
    events.apply({ type: 'event.created', event: warning(4) });
    fake.call.mockResolvedValueOnce([warning(4, '2025-01-01T00:00:00Z')]);
    await events.acknowledge([4]);
    expect(fake.call).toHaveBeenCalledWith('event/acknowledge', { ids: [4] });
    expect(events.openAlerts).toEqual([]);
    // A late copy from before the acknowledgement does not reopen it.
    events.apply({ type: 'event.created', event: warning(4) });
    expect(events.openAlerts).toEqual([]);
    expect(events.list[0]?.acknowledgedBy).toBe('ann');
  });

  it("applies another console's acknowledgement from 'event.updated'", () => {
    const events = useEventsStore();
    events.apply({ type: 'event.created', event: warning(5) });
    expect(events.openAlerts).toHaveLength(1);
    events.apply({ type: 'event.updated', event: warning(5, '2025-01-01T00:00:00Z') });
    expect(events.openAlerts).toEqual([]);
  });

  it(`keeps open alerts past the newest ${eventsKept}, dropping old settled events instead`, () => {
    const events = useEventsStore();
    events.apply({ type: 'event.created', event: warning(1) });
    events.apply({ type: 'event.created', event: warning(2, '2025-01-01T00:00:00Z') });
    for (let id = 3; id <= eventsKept + 5; id++)
      events.apply({ type: 'event.created', event: eventRecord(id) });
    expect(events.list).toHaveLength(eventsKept);
    expect(events.openAlerts.map((e) => e.id)).toEqual([1]);
    expect(events.list.some((e) => e.id === 2)).toBe(false);
  });
});
