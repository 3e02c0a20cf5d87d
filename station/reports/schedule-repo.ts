import type { ReportSchedule } from '../../protocol/reports.js';
import type { Database } from '../db/database.js';

interface ScheduleRow {
  name: string;
  kind: ReportSchedule['kind'];
  format: ReportSchedule['format'];
  folder: string;
  every_hours: number;
  period_days: number;
  keep: number;
  last_run_at: string | null;
}

const fromRow = (r: ScheduleRow): ReportSchedule => ({
  name: r.name,
  kind: r.kind,
  format: r.format,
  folder: r.folder,
  everyHours: r.every_hours,
  periodDays: r.period_days,
  keep: r.keep,
  lastRunAt: r.last_run_at,
});

export class ScheduleRepo {
  constructor(private readonly db: Database) {}

  async list(): Promise<ReportSchedule[]> {
    return (await this.db.all<ScheduleRow>('SELECT * FROM report_schedules ORDER BY name')).map(
      fromRow,
    );
  }

  async get(name: string): Promise<ReportSchedule | undefined> {
    const row = await this.db.get<ScheduleRow>('SELECT * FROM report_schedules WHERE name = ?', [
      name,
    ]);
    return row && fromRow(row);
  }

  /** Creates or replaces a schedule; a replaced one keeps its last run time. */
  async save(s: ReportSchedule): Promise<void> {
    await this.db.run(
      `INSERT INTO report_schedules (name, kind, format, folder, every_hours, period_days, keep, last_run_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, format = excluded.format,
         folder = excluded.folder, every_hours = excluded.every_hours,
         period_days = excluded.period_days, keep = excluded.keep`,
      [s.name, s.kind, s.format, s.folder, s.everyHours, s.periodDays, s.keep, s.lastRunAt],
    );
  }

  async markRun(name: string, at: string): Promise<void> {
    await this.db.run('UPDATE report_schedules SET last_run_at = ? WHERE name = ?', [at, name]);
  }

  async remove(name: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM report_schedules WHERE name = ?', [name])).changes > 0;
  }
}
