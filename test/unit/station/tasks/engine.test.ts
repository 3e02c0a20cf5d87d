import { describe, expect, it } from 'vitest';
import { DvsanError, type LockRequest } from '../../../../protocol/index.js';
import { aborted, engineSetup, gate } from './setup.js';

const volume = (id: string, mode: LockRequest['mode'] = 'write'): LockRequest => ({
  kind: 'volume',
  id,
  mode,
  label: `vol-${id}`,
});

describe('TaskEngine basics', () => {
  it('streams progress, persists the final state before idle() resolves, and keeps step failures apart', async () => {
    const { db, events, engine } = await engineSetup();
    const task = await engine.start({
      kind: 'node.deploy',
      targets: ['a', 'b'],
      steps: ['a', 'b'],
      work: async (ctx) => {
        ctx.step(0).progress(50, 'half way');
        ctx.finishStep(0, { ok: true, message: 'done' });
        ctx.finishStep(1, { ok: false, error: new DvsanError('disk-full', 'no room').toShape() });
        return { answer: 42 };
      },
    });
    await engine.idle();
    await db.close(); // would fail a save still in flight
    const last = events.at(-1)!;
    expect(events.some((e) => e.steps[0]?.message === 'half way')).toBe(true);
    expect(last).toMatchObject({
      id: task.id,
      user: 'local',
      state: 'failed',
      progress: 100,
      result: { answer: 42 },
      error: { code: 'disk-full' },
    });
    expect(last.error?.message).toContain('1 of 2 failed: b: no room');
    expect(last.startedAt).not.toBeNull();
    expect(last.endedAt! >= last.startedAt!).toBe(true);
  });

  it('run() hands back the work’s value, and throws the task’s error when it fails', async () => {
    const { repo, engine } = await engineSetup();
    await expect(
      engine.run({ kind: 'x', targets: [], steps: ['one'], work: async () => ({ n: 1 }) }),
    ).resolves.toEqual({ n: 1 });
    const failing = engine.run({
      kind: 'x',
      targets: [],
      steps: [],
      work: async () => {
        throw new DvsanError('agent-error', 'agent gone');
      },
    });
    await expect(failing).rejects.toMatchObject({ code: 'agent-error', message: 'agent gone' });
    const [last] = await repo.list({ limit: 1 });
    expect(last).toMatchObject({ state: 'failed', error: { code: 'agent-error' } });
    expect(last?.log.at(-1)).toMatchObject({ level: 'error', message: 'agent gone' });
  });

  it('refuses to cancel an ended or unknown task', async () => {
    const { engine } = await engineSetup();
    const t = await engine.start({ kind: 'x', targets: [], steps: [], work: async () => ({}) });
    await engine.finished(t.id);
    await expect(engine.cancel(t.id)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('already succeeded'),
    });
    await expect(engine.cancel('nope')).rejects.toMatchObject({ code: 'not-found' });
  });
});

describe('TaskEngine locks and queue', () => {
  it('queues a conflicting task, says what it waits for, and runs it when the lock is free', async () => {
    const { engine, events } = await engineSetup();
    const hold = gate();
    const order: string[] = [];
    const first = await engine.start({
      kind: 'volume.resize',
      targets: ['a'],
      steps: ['grow'],
      user: 'alice',
      locks: [volume('a'), { kind: 'unit', id: 'u1', mode: 'read' }],
      work: async () => {
        order.push('first');
        await hold.promise;
        return {};
      },
    });
    const second = await engine.start({
      kind: 'volume.delete',
      targets: ['a'],
      steps: ['delete'],
      user: 'bob',
      locks: [volume('a')],
      work: async () => {
        order.push('second');
        return {};
      },
    });
    // Another volume on the same unit: the unit is only read-locked, so it runs at once.
    const other = await engine.start({
      kind: 'volume.resize',
      targets: ['b'],
      steps: [],
      locks: [volume('b'), { kind: 'unit', id: 'u1', mode: 'read' }],
      work: async () => ({}),
    });
    expect(first.state).toBe('running');
    expect(second.state).toBe('queued');
    expect(second.waitingFor).toBe(
      `volume vol-a — held by task ${first.id.slice(0, 8)} (volume.resize by alice)`,
    );
    expect((await engine.finished(other.id)).state).toBe('succeeded');
    expect((await engine.get(second.id)).state).toBe('queued');
    hold.open();
    const done = await engine.finished(second.id);
    expect(done).toMatchObject({ state: 'succeeded', waitingFor: null, user: 'bob' });
    expect(order).toEqual(['first', 'second']);
    // The waiting text was streamed, and cleared once it ran.
    const streamed = events.filter((e) => e.id === second.id);
    expect(streamed.some((e) => e.waitingFor?.includes('held by'))).toBe(true);
    expect(streamed.at(-1)?.waitingFor).toBeNull();
  });

  it('runs tasks with crossing lock sets to the end (no deadlock)', async () => {
    const { engine } = await engineSetup(8);
    const ids = ['a', 'b', 'c', 'd'];
    const running = new Map<string, number>();
    let clash = false;
    const tasks = [];
    for (let i = 0; i < 40; i++) {
      // Each task locks two volumes, in a different order each time.
      const pick = [ids[i % 4]!, ids[(i * 3 + 1) % 4]!].reverse();
      tasks.push(
        engine.start({
          kind: 'cross',
          targets: [],
          steps: [],
          locks: pick.map((id) => volume(id)),
          work: async () => {
            for (const id of pick) {
              if (running.get(id)) clash = true;
              running.set(id, 1);
            }
            await new Promise((r) => setTimeout(r, 1));
            for (const id of pick) running.set(id, 0);
            return {};
          },
        }),
      );
    }
    const started = await Promise.all(tasks);
    const ended = await Promise.race([
      Promise.all(started.map((t) => engine.finished(t.id))),
      new Promise<null>((r) => setTimeout(() => r(null), 10_000)),
    ]);
    expect(ended).not.toBeNull();
    expect(ended!.every((t) => t.state === 'succeeded')).toBe(true);
    expect(clash).toBe(false); // two writers never held one volume at once
  });

  it('runs at most the concurrency limit at once and says a queued task waits for a slot', async () => {
    const { engine } = await engineSetup(2);
    const hold = gate();
    let now = 0;
    let peak = 0;
    const started = [];
    for (let i = 0; i < 6; i++) {
      started.push(
        await engine.start({
          kind: 'slot',
          targets: [],
          steps: [],
          locks: [volume(`v${i}`)],
          work: async () => {
            peak = Math.max(peak, ++now);
            await hold.promise;
            now--;
            return {};
          },
        }),
      );
    }
    expect(started.map((t) => t.state)).toEqual([
      'running',
      'running',
      'queued',
      'queued',
      'queued',
      'queued',
    ]);
    expect(started[2]?.waitingFor).toBe('a free task slot (2 of 2 running)');
    engine.setConcurrency(3);
    expect((await engine.get(started[2]!.id)).state).toBe('running');
    hold.open();
    await engine.idle();
    expect(peak).toBe(3);
    expect(() => engine.setConcurrency(0)).toThrow(/whole number/);
  });
});

describe('TaskEngine cancel and undo', () => {
  it('cancels a queued task at once; it never runs and the queue moves on', async () => {
    const { engine, repo } = await engineSetup();
    const hold = gate();
    const ran: string[] = [];
    const first = await engine.start({
      kind: 'a',
      targets: [],
      steps: [],
      locks: [volume('v')],
      work: async () => {
        await hold.promise;
        return {};
      },
    });
    const second = await engine.start({
      kind: 'b',
      targets: [],
      steps: ['never'],
      locks: [volume('v')],
      work: async () => {
        ran.push('b');
        return {};
      },
    });
    const third = await engine.start({
      kind: 'c',
      targets: [],
      steps: [],
      locks: [volume('v')],
      work: async () => {
        ran.push('c');
        return {};
      },
    });
    expect(second.state).toBe('queued');
    expect(third.waitingFor).toContain(`held by task ${first.id.slice(0, 8)}`);
    const cancelled = await engine.cancel(second.id, 'carol');
    expect(cancelled).toMatchObject({
      state: 'cancelled',
      error: { message: 'cancelled by carol' },
    });
    expect(cancelled.steps[0]?.state).toBe('cancelled');
    expect((await engine.get(third.id)).state).toBe('queued');
    hold.open();
    await engine.idle();
    expect(ran).toEqual(['c']);
    expect((await repo.get(second.id))?.state).toBe('cancelled');
  });

  it('cancels a running task: its signal aborts and finished steps are undone in reverse', async () => {
    const { engine, repo } = await engineSetup();
    const undone: string[] = [];
    const inStep3 = gate();
    const task = await engine.start({
      kind: 'three',
      targets: [],
      steps: ['one', 'two', 'three', 'four'],
      locks: [volume('v')],
      work: async (ctx) => {
        await ctx.runStep(
          0,
          async () => 'made 1',
          async (v) => undone.push(`undo ${v}`),
        );
        await ctx.runStep(
          1,
          async () => 'made 2',
          async (v) => undone.push(`undo ${v}`),
        );
        ctx.onUndo('a loose end', async () => undone.push('undo loose end'));
        await ctx.runStep(2, async (step) => {
          step.progress(30, 'copying');
          inStep3.open();
          await aborted(ctx.signal);
        });
        await ctx.runStep(3, async () => undone.push('step four ran'));
        return {};
      },
    });
    await inStep3.promise;
    const asked = await engine.cancel(task.id, 'dave');
    expect(asked.state).toBe('running'); // cooperative: it ends when the work notices
    const next = await engine.start({
      kind: 'after',
      targets: [],
      steps: [],
      locks: [volume('v')],
      work: async () => ({}),
    });
    const ended = await engine.finished(task.id);
    expect(undone).toEqual(['undo loose end', 'undo made 2', 'undo made 1']);
    expect(ended.state).toBe('cancelled');
    expect(ended.error?.message).toBe('cancelled by dave');
    expect(ended.steps.map((s) => `${s.state}:${s.message}`)).toEqual([
      'cancelled:undone',
      'cancelled:undone',
      'cancelled:cancelled by dave',
      'cancelled:null',
    ]);
    expect(ended.log.map((l) => l.message)).toEqual(
      expect.arrayContaining(['cancel requested by dave', 'undoing: two', 'undoing: one']),
    );
    // Its lock was held until the undo finished, then the next task ran.
    expect((await engine.finished(next.id)).state).toBe('succeeded');
    expect((await repo.get(task.id))?.state).toBe('cancelled');
  });

  it('undoes on failure only where the task says so, and reports an undo that fails', async () => {
    const { engine } = await engineSetup();
    const undone: string[] = [];
    const work = async (ctx: Parameters<Parameters<typeof engine.start>[0]['work']>[0]) => {
      await ctx.runStep(
        0,
        async () => 1,
        async () => undone.push('one'),
      );
      await ctx.runStep(
        1,
        async () => 2,
        async () => {
          throw new Error('unit unreachable');
        },
      );
      await ctx.runStep(2, async () => {
        throw new DvsanError('agent-error', 'step three broke');
      });
      return {};
    };
    const kept = await engine.finished(
      (await engine.start({ kind: 'keep', targets: [], steps: ['1', '2', '3'], work })).id,
    );
    expect(kept.state).toBe('failed');
    expect(undone).toEqual([]);
    expect(kept.steps.map((s) => s.state)).toEqual(['succeeded', 'succeeded', 'failed']);

    const rolled = await engine.finished(
      (
        await engine.start({
          kind: 'rollback',
          targets: [],
          steps: ['1', '2', '3'],
          undoOnFailure: true,
          work,
        })
      ).id,
    );
    expect(rolled.state).toBe('failed');
    expect(undone).toEqual(['one']); // the failing undo of step 2 did not stop step 1's
    expect(rolled.error?.code).toBe('agent-error');
    expect(rolled.error?.message).toMatch(
      /^step three broke; undoing also failed \(2: unit unreachable\)/,
    );
    expect(rolled.steps.map((s) => s.state)).toEqual(['cancelled', 'succeeded', 'failed']);
  });

  it('keeps the result when the cancel comes after the work finished', async () => {
    const { engine } = await engineSetup();
    const hold = gate();
    const task = await engine.start({
      kind: 'late',
      targets: [],
      steps: [],
      work: async () => {
        await hold.promise; // ignores the signal
        return { kept: true };
      },
    });
    await engine.cancel(task.id);
    hold.open();
    const ended = await engine.finished(task.id);
    expect(ended).toMatchObject({ state: 'succeeded', result: { kept: true } });
    expect(ended.log.at(-1)?.message).toContain('its result is kept');
  });

  it('refuses to start a step once cancelled', async () => {
    const { engine } = await engineSetup();
    const hold = gate();
    let second = false;
    const task = await engine.start({
      kind: 'x',
      targets: [],
      steps: ['a', 'b'],
      work: async (ctx) => {
        await ctx.runStep(0, () => hold.promise);
        await ctx.runStep(1, async () => (second = true));
        return {};
      },
    });
    await engine.cancel(task.id);
    hold.open();
    expect((await engine.finished(task.id)).state).toBe('cancelled');
    expect(second).toBe(false);
  });
});
