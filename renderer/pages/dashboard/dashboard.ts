// What the Dashboard's cards count and pick, as plain functions of the stores' lists.
import type { NodeRole, NodeView } from '../../../protocol/nodes.js';
import type { EventRecord, NodeHealth } from '../../../protocol/pool.js';
import type { Task } from '../../../protocol/tasks.js';

export type HealthCounts = Record<NodeHealth, number> & { total: number };

/** Units and hosts by health: every node counts once, under its role. */
export function healthCounts(nodes: readonly NodeView[]): Record<NodeRole, HealthCounts> {
  const zero = (): HealthCounts => ({ up: 0, down: 0, unknown: 0, total: 0 });
  const counts = { unit: zero(), host: zero() };
  for (const n of nodes) {
    counts[n.role][n.health] += 1;
    counts[n.role].total += 1;
  }
  return counts;
}

/** Running tasks first, then the queue in the order it will run (oldest first). */
export function activeTasks(tasks: readonly Task[]): Task[] {
  const running = tasks
    .filter((t) => t.state === 'running')
    .sort((a, b) => (a.startedAt ?? a.createdAt).localeCompare(b.startedAt ?? b.createdAt));
  const queued = tasks
    .filter((t) => t.state === 'queued')
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return [...running, ...queued];
}

/** How many of the newest events the Dashboard shows. */
export const recentEventCount = 10;

/** The first `count` of a newest-first list. */
export function recentEvents(newestFirst: readonly EventRecord[], count = recentEventCount) {
  return newestFirst.slice(0, count);
}
