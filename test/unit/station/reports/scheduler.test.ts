import { mkdtempSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../../station/db/database.js';
import { TasksRepo } from '../../../../station/db/tasks-repo.js';
import { EventBus } from '../../../../station/events.js';
import { createLogger } from '../../../../station/log.js';
import { ScheduleRepo } from '../../../../station/reports/schedule-repo.js';
import { ReportScheduler } from '../../../../station/reports/scheduler.js';
import { ReportService } from '../../../../station/reports/service.js';
import { TaskEngine } from '../../../../station/tasks/index.js';
import { reportDatabase } from './fixture.js';

let db: Database;
let dbDir: string;
let engine: TaskEngine;
let scheduler: ReportScheduler;
let schedules: ScheduleRepo;
const folder = mkdtempSync(join(tmpdir(), 'dvsan-scheduled-'));

beforeAll(async () => {
  ({ db, dir: dbDir } = await reportDatabase());
  engine = new TaskEngine(new TasksRepo(db), new EventBus(), createLogger('silent'));
  const service = new ReportService(db, join(folder, 'dl'), async () => {
    throw new Error('no PDF here');
  });
  schedules = new ScheduleRepo(db);
  scheduler = new ReportScheduler(schedules, service, engine, createLogger('silent'));
});
afterAll(async () => {
  await engine?.idle();
  await db?.close();
  await rm(folder, { recursive: true, force: true });
  if (dbDir) await rm(dbDir, { recursive: true, force: true });
});

const hour = 3600_000;

describe('scheduled reports', () => {
  it('runs when due, as a task, and keeps only the newest N files', async () => {
    await schedules.save({
      name: 'daily-volumes',
      kind: 'volumes',
      format: 'csv',
      folder,
      everyHours: 24,
      periodDays: 7,
      keep: 2,
      lastRunAt: null,
    });
    const start = Date.now() - 72 * hour;
    for (const h of [0, 1, 25, 50]) {
      await scheduler.tick(new Date(start + h * hour));
      await engine.idle();
    }
    // The run at +1 h was not due yet; three ran, the oldest file is gone.
    const files = (await readdir(folder)).filter((f) => f.startsWith('daily-volumes-')).sort();
    expect(files).toHaveLength(2);
    expect(files[1]).toBe(
      `daily-volumes-${new Date(start + 50 * hour).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}.csv`,
    );
    expect(await readFile(join(folder, files[1] as string), 'utf8')).toMatch(/^Volume,Size/);
    const tasks = await db.all<{ state: string; kind: string; result_json: string }>(
      "SELECT state, kind, result_json FROM tasks WHERE kind = 'report.scheduled' ORDER BY created_at",
    );
    expect(tasks.map((t) => t.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(JSON.parse(tasks[2]?.result_json ?? '{}')).toMatchObject({ rows: 5 });
    expect((await schedules.get('daily-volumes'))?.lastRunAt).toBe(
      new Date(start + 50 * hour).toISOString(),
    );
  });

  it('records a failed run as a failed task and writes nothing', async () => {
    await schedules.save({
      name: 'weekly-pdf',
      kind: 'capacity',
      format: 'pdf',
      folder,
      everyHours: 168,
      periodDays: 7,
      keep: 3,
      lastRunAt: null,
    });
    const taskId = await scheduler.runNow('weekly-pdf');
    await engine.idle();
    const task = await db.get<{ state: string; steps_json: string }>(
      'SELECT state, steps_json FROM tasks WHERE id = ?',
      [taskId],
    );
    expect(task?.state).toBe('failed');
    expect(task?.steps_json).toContain('no PDF here');
    expect((await readdir(folder)).filter((f) => f.startsWith('weekly-pdf'))).toEqual([]);
    await expect(scheduler.runNow('nope')).rejects.toThrow(/no report schedule named nope/);
  });
});
