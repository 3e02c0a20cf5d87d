import { DvsanError } from '../../protocol/index.js';
import type { ReportMethod } from '../../protocol/reports.js';
import type { Handlers } from '../api/handlers.js';
import type { ScheduleRepo } from './schedule-repo.js';
import { checkFolder, type ReportScheduler } from './scheduler.js';
import type { ReportService } from './service.js';

export interface Reports {
  service: ReportService;
  schedules: ScheduleRepo;
  scheduler: ReportScheduler;
}

/** The station's side of the `report/...` methods. */
export function reportHandlers(r: Reports): Pick<Handlers, ReportMethod> {
  return {
    'report/list': async () => r.service.list(),
    'report/generate': async (p, call) => {
      // A file at a chosen path is written with the station's own rights: only for callers on
      // the station itself (desktop, local CLI, schedules). Over HTTP a report is downloaded.
      if (p.path && call.source.startsWith('http'))
        throw new DvsanError(
          'forbidden',
          'over HTTP the station does not write reports to a path of your choice: download the report (the Reports page, or GET /api/report/KIND?format=FORMAT), or run the command on the station',
          { field: 'path' },
        );
      return r.service.generate(p);
    },
    'report/schedule/list': () => r.schedules.list(),
    'report/schedule/set': async (p) => {
      await checkFolder(p.folder);
      const existing = await r.schedules.get(p.name);
      const schedule = { ...p, lastRunAt: existing?.lastRunAt ?? null };
      await r.schedules.save(schedule);
      return schedule;
    },
    'report/schedule/remove': async ({ name }) => ({ removed: await r.schedules.remove(name) }),
    'report/schedule/run': async ({ name }) => ({ taskId: await r.scheduler.runNow(name) }),
  };
}
