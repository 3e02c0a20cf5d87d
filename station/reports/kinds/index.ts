import type { ReportKind } from '../../../protocol/reports.js';
import type { ReportDefinition } from '../types.js';
import { allocationReport } from './allocation.js';
import { auditReport } from './audit.js';
import { capacityReport } from './capacity.js';
import { eventsReport } from './events.js';
import { inventoryReport } from './inventory.js';
import { tasksReport } from './tasks.js';
import { volumesReport } from './volumes.js';

export const reports: Record<ReportKind, ReportDefinition> = {
  inventory: inventoryReport,
  capacity: capacityReport,
  allocation: allocationReport,
  volumes: volumesReport,
  tasks: tasksReport,
  audit: auditReport,
  events: eventsReport,
};
