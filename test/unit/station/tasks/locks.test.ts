import { describe, expect, it } from 'vitest';
import { DvsanError, type LockRequest } from '../../../../protocol/index.js';
import { LockTable, orderLocks } from '../../../../station/tasks/locks.js';

const w = (kind: LockRequest['kind'], id: string): LockRequest => ({ kind, id, mode: 'write' });
const r = (kind: LockRequest['kind'], id: string): LockRequest => ({ kind, id, mode: 'read' });

describe('orderLocks', () => {
  it('sorts by kind (pool, unit, host, volume) then id, and keeps the stronger mode of a repeat', () => {
    const ordered = orderLocks([
      r('volume', 'b'),
      w('host', 'h1'),
      r('unit', 'u2'),
      w('volume', 'a'),
      w('pool', 'pool'),
      w('unit', 'u2'),
      r('unit', 'u1'),
    ]);
    expect(ordered.map((l) => `${l.kind}:${l.id}:${l.mode}`)).toEqual([
      'pool:pool:write',
      'unit:u1:read',
      'unit:u2:write',
      'host:h1:write',
      'volume:a:write',
      'volume:b:read',
    ]);
  });

  it('refuses a lock without an id or of an unknown kind', () => {
    expect(() => orderLocks([w('volume', '')])).toThrow(DvsanError);
    expect(() => orderLocks([{ kind: 'disk', id: 'x', mode: 'read' } as never])).toThrow(
      /cannot lock disk/,
    );
  });
});

describe('LockTable', () => {
  it('lets readers share and makes a writer wait for them', () => {
    const t = new LockTable();
    t.enqueue('a', [r('volume', 'v')]);
    t.enqueue('b', [r('volume', 'v')]);
    t.enqueue('c', [w('volume', 'v')]);
    expect(t.tryAcquire('a')).toBe(true);
    expect(t.tryAcquire('b')).toBe(true);
    expect(t.blocker('c')).toMatchObject({ owner: 'a', holds: true, lock: { id: 'v' } });
    t.release('a');
    expect(t.blocker('c')).toMatchObject({ owner: 'b', holds: true });
    t.release('b');
    expect(t.tryAcquire('c')).toBe(true);
    t.release('c');
    expect(t.size).toBe(0);
  });

  it('does not starve a writer: readers arriving after it wait behind it', () => {
    const t = new LockTable();
    t.enqueue('r1', [r('unit', 'u')]);
    expect(t.tryAcquire('r1')).toBe(true);
    t.enqueue('w', [w('unit', 'u')]);
    t.enqueue('r2', [r('unit', 'u')]);
    expect(t.tryAcquire('w')).toBe(false);
    // The unit is only read-held, but r2 queues behind the waiting writer.
    expect(t.blocker('r2')).toMatchObject({ owner: 'w', holds: false });
    t.release('r1');
    expect(t.tryAcquire('w')).toBe(true);
    expect(t.blocker('r2')).toMatchObject({ owner: 'w', holds: true });
  });

  it('grants all of an owner’s locks or none', () => {
    const t = new LockTable();
    t.enqueue('x', [w('volume', 'b')]);
    expect(t.tryAcquire('x')).toBe(true);
    t.enqueue('y', orderLocks([w('volume', 'a'), w('volume', 'b')]));
    expect(t.tryAcquire('y')).toBe(false);
    // y did not take volume a while waiting for b: z, wanting only a, still waits behind y (FIFO)
    // but nobody holds a.
    t.enqueue('z', [w('volume', 'a')]);
    expect(t.blocker('z')).toMatchObject({ owner: 'y', holds: false });
    t.release('x');
    expect(t.tryAcquire('y')).toBe(true);
  });

  it('never deadlocks on crossing lock sets: every waiter waits only for older owners', () => {
    // Many owners with random overlapping sets; repeatedly grant whatever is grantable and
    // release it. If a cycle existed, some round would grant nothing while owners remain.
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n) as number;
    const t = new LockTable();
    const pending = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const locks = Array.from({ length: 1 + rand(4) }, () => ({
        kind: (['unit', 'host', 'volume'] as const)[rand(3)]!,
        id: `o${rand(6)}`,
        mode: rand(2) ? ('write' as const) : ('read' as const),
      }));
      t.enqueue(`t${i}`, orderLocks(locks));
      pending.add(`t${i}`);
    }
    let rounds = 0;
    while (pending.size && rounds < 1000) {
      rounds++;
      const granted = [...pending].filter((o) => t.tryAcquire(o));
      expect(granted.length).toBeGreaterThan(0);
      for (const o of granted) {
        t.release(o);
        pending.delete(o);
      }
    }
    expect(pending.size).toBe(0);
    expect(t.size).toBe(0);
  });
});
