import { DvsanError, lockKinds, type LockRequest } from '../../protocol/index.js';

const kindRank = new Map(lockKinds.map((k, i) => [k, i]));

/**
 * One task's lock set in the global order (kind, then id), each object once: asked for
 * twice, the stronger mode wins. Every task's requests go into the queues in this order.
 */
export function orderLocks(locks: readonly LockRequest[]): LockRequest[] {
  const byKey = new Map<string, LockRequest>();
  for (const lock of locks) {
    if (!kindRank.has(lock.kind) || !lock.id)
      throw new DvsanError('invalid-params', `cannot lock ${lock.kind} ${lock.id || '(no id)'}`);
    const key = resourceKey(lock);
    const seen = byKey.get(key);
    if (!seen || (seen.mode === 'read' && lock.mode === 'write'))
      byKey.set(key, { ...lock, label: lock.label ?? seen?.label });
  }
  return [...byKey.values()].sort(
    (a, b) =>
      (kindRank.get(a.kind) ?? 0) - (kindRank.get(b.kind) ?? 0) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

export function resourceKey(lock: Pick<LockRequest, 'kind' | 'id'>): string {
  return `${lock.kind}:${lock.id}`;
}

const conflicts = (a: LockRequest['mode'], b: LockRequest['mode']) =>
  a === 'write' || b === 'write';

interface Resource {
  holders: Map<string, LockRequest['mode']>;
  /** Owners waiting for this object, in arrival order. */
  queue: { owner: string; mode: LockRequest['mode'] }[];
}

/** Who a waiting owner waits for, on which of its objects. */
export interface Blocker {
  lock: LockRequest;
  owner: string;
  /** true: the owner holds the object; false: it is ahead in the queue for it. */
  holds: boolean;
}

/**
 * Read/write locks on pool, units, hosts and volumes, granted all-or-nothing per owner.
 * Each object keeps a FIFO queue: a request waits while a conflicting holder exists or a
 * conflicting request arrived before it, so readers arriving after a waiting writer wait too
 * (the writer is not starved). An owner only ever waits for owners that hold or arrived
 * earlier, so the waits cannot form a cycle: no deadlock, whatever objects tasks cross.
 */
export class LockTable {
  private readonly resources = new Map<string, Resource>();
  private readonly owned = new Map<string, LockRequest[]>();

  /** Queues an owner's requests (already in {@link orderLocks} order). */
  enqueue(owner: string, locks: LockRequest[]): void {
    if (this.owned.has(owner)) throw new Error(`lock owner ${owner} is already queued`);
    this.owned.set(owner, locks);
    for (const lock of locks) this.resource(lock).queue.push({ owner, mode: lock.mode });
  }

  /** The first thing in the owner's way, or null when all its locks can be granted now. */
  blocker(owner: string): Blocker | null {
    for (const lock of this.owned.get(owner) ?? []) {
      const r = this.resource(lock);
      for (const [holder, mode] of r.holders) {
        if (holder !== owner && conflicts(mode, lock.mode))
          return { lock, owner: holder, holds: true };
      }
      for (const entry of r.queue) {
        if (entry.owner === owner) break;
        if (conflicts(entry.mode, lock.mode)) return { lock, owner: entry.owner, holds: false };
      }
    }
    return null;
  }

  /** Grants every lock of the owner at once; false (and nothing changed) if one is taken. */
  tryAcquire(owner: string): boolean {
    if (this.blocker(owner)) return false;
    for (const lock of this.owned.get(owner) ?? []) {
      const r = this.resource(lock);
      r.queue = r.queue.filter((e) => e.owner !== owner);
      r.holders.set(owner, lock.mode);
    }
    return true;
  }

  /** Drops the owner's held locks and queued requests alike. */
  release(owner: string): void {
    for (const lock of this.owned.get(owner) ?? []) {
      const key = resourceKey(lock);
      const r = this.resources.get(key);
      if (!r) continue;
      r.holders.delete(owner);
      r.queue = r.queue.filter((e) => e.owner !== owner);
      if (!r.holders.size && !r.queue.length) this.resources.delete(key);
    }
    this.owned.delete(owner);
  }

  /** Objects with holders or waiters (tests check nothing leaks). */
  get size(): number {
    return this.resources.size;
  }

  private resource(lock: LockRequest): Resource {
    const key = resourceKey(lock);
    let r = this.resources.get(key);
    if (!r) this.resources.set(key, (r = { holders: new Map(), queue: [] }));
    return r;
  }
}
