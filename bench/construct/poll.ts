// The pool-build baseline: what a station without the announce protocol does every cycle. One
// loop asks every unit for its storage, one unit after another, marks it up when it answered
// and merges the answer with the station's own PoolService (the same schema and impossibility
// checks, the same database writes, the same debounced pool.updated).
import { join } from 'node:path';
import type { PoolView } from '../../protocol/index.js';
import { Database } from '../../station/db/database.js';
import { EventsRepo } from '../../station/db/events-repo.js';
import { NodesRepo } from '../../station/db/nodes-repo.js';
import { SettingsRepo } from '../../station/db/settings-repo.js';
import { EventLog } from '../../station/event-log.js';
import { EventBus } from '../../station/events.js';
import { createLogger } from '../../station/log.js';
import type { AgentLink } from '../../station/nodes/service.js';
import { PoolService } from '../../station/pool/service.js';
import { nodeRecord, type SimUnit } from './units.js';

export interface PollRun {
  /** From the first enquiry until pool.updated showed every unit up with its storage. */
  seconds: number;
  /** When the loop had asked and merged the last unit (the rest is the 100 ms debounce). */
  loopSeconds: number;
  pool: PoolView;
}

export async function insertUnits(db: Database, units: SimUnit[]): Promise<void> {
  const repo = new NodesRepo(db);
  const createdAt = new Date().toISOString();
  await db.transaction(async () => {
    for (const u of units) await repo.insert(nodeRecord(u, createdAt));
  });
}

export function poolComplete(pool: PoolView, count: number): boolean {
  return pool.units.length === count && pool.units.every((u) => u.health === 'up');
}

export async function pollBaseline(
  dataDir: string,
  units: SimUnit[],
  connectAgent: (nodeId: string) => Promise<AgentLink>,
  limitMs: number,
): Promise<PollRun> {
  const db = await Database.open(join(dataDir, 'station.db'));
  const bus = new EventBus();
  const nodes = new NodesRepo(db);
  const pool = new PoolService(
    nodes,
    new SettingsRepo(db),
    new EventLog(new EventsRepo(db), bus, createLogger('silent')),
    bus,
  );
  try {
    await insertUnits(db, units);
    let timer: NodeJS.Timeout | undefined;
    const complete = new Promise<{ at: number; pool: PoolView }>((resolve, reject) => {
      bus.subscribe((e) => {
        if (e.type === 'pool.updated' && poolComplete(e.pool, units.length))
          resolve({ at: performance.now(), pool: e.pool });
      });
      timer = setTimeout(
        () => reject(new Error(`poll baseline: the pool was not complete after ${limitMs} ms`)),
        limitMs,
      );
    });
    const started = performance.now();
    for (const u of units) {
      const link = await connectAgent(u.id);
      const answer = await link.call('storage.inventory', {});
      await nodes.update(u.id, { health: 'up', lastSeenAt: new Date().toISOString() });
      if (!(await pool.merge(u.id, u.name, answer)))
        throw new Error(`poll baseline: the pool refused ${u.name}'s storage`);
    }
    const loopDone = performance.now();
    const done = await complete.finally(() => clearTimeout(timer));
    return {
      seconds: (done.at - started) / 1000,
      loopSeconds: (loopDone - started) / 1000,
      pool: done.pool,
    };
  } finally {
    await pool.settled();
    pool.close();
    await db.close();
  }
}
