import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DvsanError, type Task } from '../../../../protocol/index.js';
import { Database } from '../../../../station/db/database.js';
import { TasksRepo } from '../../../../station/db/tasks-repo.js';
import { EventBus } from '../../../../station/events.js';
import { createLogger } from '../../../../station/log.js';
import { boundedPool, TaskRunner } from '../../../../station/tasks/runner.js';

async function setup() {
  const db = await Database.open(join(mkdtempSync(join(tmpdir(), 'dvsan-tasks-')), 's.db'));
  const repo = new TasksRepo(db);
  const bus = new EventBus();
  const events: Task[] = [];
  bus.subscribe((e) => e.type === 'task.updated' && events.push(e.task));
  return { db, repo, events, runner: new TaskRunner(repo, bus, createLogger('silent')) };
}

describe('TaskRunner', () => {
  it('streams progress, persists the final state before idle() resolves, and keeps step failures apart', async () => {
    const { db, events, runner } = await setup();
    const task = await runner.start('node.deploy', ['a', 'b'], ['a', 'b'], async (ctx) => {
      ctx.step(0).progress(50, 'half way');
      ctx.finishStep(0, { ok: true, message: 'done' });
      ctx.finishStep(1, { ok: false, error: new DvsanError('disk-full', 'no room').toShape() });
      return { answer: 42 };
    });
    await runner.idle();
    await db.close(); // would fail a save still in flight
    const last = events.at(-1)!;
    expect(events.some((e) => e.steps[0]?.message === 'half way')).toBe(true);
    expect(last).toMatchObject({
      id: task.id,
      state: 'failed',
      progress: 100,
      result: { answer: 42 },
      error: { code: 'disk-full' },
    });
    expect(last.error?.message).toContain('1 of 2 failed: b: no room');
  });

  it('records a thrown error as the task error', async () => {
    const { repo, runner } = await setup();
    const task = await runner.start('x', [], [], async () => {
      throw new DvsanError('agent-error', 'agent gone');
    });
    await runner.idle();
    expect(await repo.get(task.id)).toMatchObject({
      state: 'failed',
      error: { code: 'agent-error', message: 'agent gone' },
    });
  });
});

describe('boundedPool', () => {
  it('never runs more than the limit at once and visits every item', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await boundedPool([...Array(20).keys()], 3, async (item) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 2));
      seen.push(item);
      running--;
    });
    expect(peak).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  });
});
