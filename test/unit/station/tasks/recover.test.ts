import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Task } from '../../../../protocol/index.js';
import { engineSetup, gate } from './setup.js';

describe('TaskEngine persistence and restart', () => {
  it('saves user, locks, waiting text and times, and lists by state, newest first', async () => {
    const { engine, repo } = await engineSetup(1);
    const hold = gate();
    const a = await engine.start({
      kind: 'volume.resize',
      targets: ['v1'],
      steps: ['grow'],
      user: 'alice',
      locks: [{ kind: 'volume', id: 'v1', mode: 'write', label: 'vol-a' }],
      work: async () => {
        await hold.promise;
        return {};
      },
    });
    const b = await engine.start({
      kind: 'volume.export',
      targets: ['v2'],
      steps: ['export'],
      locks: [{ kind: 'volume', id: 'v2', mode: 'write' }],
      work: async () => ({ exported: true }),
    });
    await vi.waitFor(async () => {
      expect((await repo.get(b.id))?.waitingFor).toBe('a free task slot (1 of 1 running)');
    });
    expect(await repo.get(a.id)).toMatchObject({
      user: 'alice',
      state: 'running',
      locks: [{ kind: 'volume', id: 'v1', mode: 'write', label: 'vol-a' }],
      endedAt: null,
    });
    expect((await engine.list({ states: ['queued'] })).map((t) => t.id)).toEqual([b.id]);
    hold.open();
    await engine.idle();
    const saved = await repo.get(b.id);
    expect(saved).toMatchObject({
      state: 'succeeded',
      waitingFor: null,
      result: { exported: true },
    });
    expect(saved?.startedAt && saved.endedAt).toBeTruthy();
    expect((await engine.list({ limit: 1 }))[0]?.id).toBe(b.id);
    expect((await engine.list({ states: ['succeeded'] })).length).toBe(2);
    expect(await engine.list({ states: ['failed'] })).toEqual([]);
  });

  it('after a restart, queued and running tasks become interrupted and the hook reconciles them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dvsan-tasks-'));
    const before = await engineSetup(1, dir);
    const hold = gate();
    const running = await before.engine.start({
      kind: 'volume.create',
      targets: [],
      steps: ['create', 'record'],
      locks: [
        { kind: 'pool', id: 'pool', mode: 'write' },
        { kind: 'unit', id: 'u1', mode: 'read' },
      ],
      work: async (ctx) => {
        ctx.step(0).progress(40, 'writing');
        await hold.promise;
        return {};
      },
    });
    const queued = await before.engine.start({
      kind: 'volume.resize',
      targets: ['v'],
      steps: ['grow'],
      locks: [{ kind: 'unit', id: 'u2', mode: 'read' }],
      work: async () => ({}),
    });
    const done = await before.engine.start({
      kind: 'x',
      targets: [],
      steps: [],
      work: async () => ({}),
    });
    expect(queued.state).toBe('queued');
    // The station dies here: nothing ends these tasks; a new one opens the same database.
    await vi.waitFor(async () => {
      expect((await before.repo.get(running.id))?.steps[0]?.progress).toBe(40);
      expect((await before.repo.get(done.id))?.state).toBe('queued');
    });
    const after = await engineSetup(1, dir);
    const hook = vi.fn<(tasks: Task[]) => void>();
    const interrupted = await after.engine.recover(hook);
    expect(interrupted.map((t) => t.id).sort()).toEqual([running.id, queued.id, done.id].sort());
    expect(hook).toHaveBeenCalledTimes(1);
    const seen = hook.mock.calls[0]![0];
    expect(seen.flatMap((t) => t.locks.map((l) => `${l.kind}:${l.id}`)).sort()).toEqual([
      'pool:pool',
      'unit:u1',
      'unit:u2',
    ]);
    const saved = await after.repo.get(running.id);
    expect(saved).toMatchObject({ state: 'interrupted', waitingFor: null });
    expect(saved?.endedAt).not.toBeNull();
    expect(saved?.steps.map((s) => s.state)).toEqual(['interrupted', 'interrupted']);
    expect(saved?.log.at(-1)?.message).toContain('the station stopped before this task ended');
    // Nothing left to recover the second time; the hook is not called for nothing.
    expect(await after.engine.recover(hook)).toEqual([]);
    expect(hook).toHaveBeenCalledTimes(1);
    hold.open();
  });
});
