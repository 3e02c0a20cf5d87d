// Reports: inventory, capacity, allocation, volumes, tasks, audit and events, written as
// CSV, JSON, HTML or PDF on demand, for a browser download, or on a schedule.
import { join } from 'node:path';
import type { PoolView } from '../../protocol/index.js';
import { CapacityRepo } from '../db/capacity-repo.js';
import type { Database } from '../db/database.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { TaskEngine } from '../tasks/index.js';
import { chromiumPrinter, type PdfPrinter } from './formats/index.js';
import type { Reports } from './handlers.js';
import { CapacitySampler } from './sampler.js';
import { ScheduleRepo } from './schedule-repo.js';
import { ReportScheduler } from './scheduler.js';
import { ReportService } from './service.js';

export { reportHandlers, type Reports } from './handlers.js';
export { chromiumPrinter, type PdfPrinter } from './formats/index.js';

export interface ReportsOptions {
  db: Database;
  dataDir: string;
  poolView: () => Promise<PoolView>;
  bus: EventBus;
  tasks: TaskEngine;
  log: Logger;
  /** The long-running station: runs schedules and samples capacity on a clock. */
  serving: boolean;
  /** How HTML becomes PDF; Chromium unless the desktop shell brings its own. */
  printPdf?: PdfPrinter;
}

export async function createReports(
  o: ReportsOptions,
): Promise<Reports & { close(): Promise<void> }> {
  const service = new ReportService(
    o.db,
    join(o.dataDir, 'reports', 'downloads'),
    o.printPdf ?? chromiumPrinter(),
  );
  const schedules = new ScheduleRepo(o.db);
  const scheduler = new ReportScheduler(schedules, service, o.tasks, o.log);
  const sampler = new CapacitySampler(new CapacityRepo(o.db), o.poolView, o.bus, o.log);
  await sampler.start(o.serving);
  if (o.serving) scheduler.start();
  return {
    service,
    schedules,
    scheduler,
    async close() {
      scheduler.close();
      await sampler.close();
    },
  };
}
