import { constants } from 'node:fs';
import { access, readdir, rm, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { DvsanError, toErrorShape } from '../../protocol/index.js';
import type { ReportSchedule } from '../../protocol/reports.js';
import type { Logger } from '../log.js';
import type { TaskEngine } from '../tasks/index.js';
import type { ScheduleRepo } from './schedule-repo.js';
import type { ReportService } from './service.js';
import { fileStamp } from './stamp.js';

const tickMs = 60_000;
const day = 24 * 3600_000;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The files a schedule wrote, newest first (the names sort by time). */
export async function scheduleFiles(s: ReportSchedule): Promise<string[]> {
  const own = new RegExp(`^${escapeRegExp(s.name)}-\\d{8}-\\d{6}\\.${s.format}$`);
  return (await readdir(s.folder))
    .filter((f) => own.test(f))
    .sort()
    .reverse();
}

export async function checkFolder(folder: string): Promise<void> {
  if (!isAbsolute(folder))
    throw new DvsanError('invalid-params', `the folder must be an absolute path: ${folder}`, {
      field: 'folder',
    });
  const info = await stat(folder).catch(() => null);
  if (!info?.isDirectory())
    throw new DvsanError('invalid-params', `the folder ${folder} does not exist`, {
      field: 'folder',
    });
  await access(folder, constants.W_OK).catch(() => {
    throw new DvsanError('invalid-params', `cannot write to ${folder}: permission denied`, {
      field: 'folder',
    });
  });
}

/**
 * Runs each schedule when it is due, as a task: write the report into its folder, then keep
 * only its newest N files there.
 */
export class ReportScheduler {
  private timer: NodeJS.Timeout | null = null;
  private readonly running = new Set<string>();

  constructor(
    private readonly repo: ScheduleRepo,
    private readonly reports: ReportService,
    private readonly tasks: TaskEngine,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.tick(new Date()).catch((err: Error) => this.log.error({ err }, 'report schedule'));
    }, tickMs);
    this.timer.unref();
  }

  async tick(now: Date): Promise<void> {
    for (const s of await this.repo.list()) {
      const last = s.lastRunAt ? Date.parse(s.lastRunAt) : 0;
      if (now.getTime() - last >= s.everyHours * 3600_000 && !this.running.has(s.name))
        await this.run(s, now);
    }
  }

  async runNow(name: string): Promise<string> {
    const s = await this.repo.get(name);
    if (!s) throw new DvsanError('not-found', `no report schedule named ${name}`);
    if (this.running.has(name))
      throw new DvsanError('conflict', `the schedule ${name} is running already`);
    return this.run(s, new Date());
  }

  private async run(s: ReportSchedule, now: Date): Promise<string> {
    this.running.add(s.name);
    // Free again when the task ends however it ends: a task cancelled while queued never runs
    // its work, and a task that cannot start never exists.
    const free = () => this.running.delete(s.name);
    // Marked before the run, so a failing schedule waits for its next turn instead of
    // retrying every minute.
    await this.repo.markRun(s.name, now.toISOString()).catch((err: unknown) => {
      free();
      throw err;
    });
    const path = join(s.folder, `${s.name}-${fileStamp(now)}.${s.format}`);
    const task = await this.tasks
      .start({
        kind: 'report.scheduled',
        targets: [s.name],
        steps: [`write the ${s.kind} report`, `keep the last ${s.keep}`],
        user: 'station',
        work: async (ctx) => {
          ctx.step(0).progress(10, `writing ${path}`);
          const file = await this.reports
            .generate({
              kind: s.kind,
              format: s.format,
              from: new Date(now.getTime() - s.periodDays * day).toISOString(),
              to: now.toISOString(),
              path,
              force: false,
            })
            .catch((err: unknown) => {
              ctx.finishStep(0, { ok: false, error: toErrorShape(err) });
              return null;
            });
          if (!file) return {};
          ctx.finishStep(0, { ok: true, message: `${file.path}: ${file.rows} rows` });
          const old = (await scheduleFiles(s)).slice(s.keep);
          for (const f of old) await rm(join(s.folder, f), { force: true });
          ctx.finishStep(1, { ok: true, message: `deleted ${old.length} older files` });
          return { path: file.path, bytes: file.bytes, rows: file.rows, deleted: old };
        },
      })
      .catch((err: unknown) => {
        free();
        throw err;
      });
    this.tasks.finished(task.id).then(free, free);
    return task.id;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
