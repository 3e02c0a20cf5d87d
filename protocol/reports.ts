import { z } from 'zod';

export const reportKinds = [
  'inventory',
  'capacity',
  'allocation',
  'volumes',
  'tasks',
  'audit',
  'events',
] as const;
export type ReportKind = (typeof reportKinds)[number];

export const reportFormats = ['csv', 'json', 'html', 'pdf'] as const;
export type ReportFormat = (typeof reportFormats)[number];

/** Bumped whenever a JSON report's shape changes in a way a reader would notice. */
export const reportSchemaVersion = 1;

const kind = z.enum(reportKinds, {
  error: `unknown report: pick one of ${reportKinds.join(', ')}`,
});
const format = z.enum(reportFormats, {
  error: `unknown format: pick one of ${reportFormats.join(', ')}`,
});
const isoTime = z.iso.datetime({
  offset: true,
  error: 'an ISO 8601 time, e.g. 2026-11-01T00:00:00Z',
});

export const reportInfoSchema = z.object({
  kind,
  title: z.string(),
  /** Whether the report covers a period (tasks, audit, events, the capacity trend). */
  periodic: z.boolean(),
});
export type ReportInfo = z.infer<typeof reportInfoSchema>;

export const reportRequestSchema = z
  .object({
    kind,
    format,
    /** Start of the period; by default seven days before `to`. */
    from: isoTime.optional(),
    /** End of the period; by default now. */
    to: isoTime.optional(),
    /** An absolute path on the station's side; without one the station keeps a download copy. */
    path: z.string().min(1).max(4096).optional(),
    /** Replace a file already at `path`. */
    force: z.boolean().default(false),
  })
  .strict();
export type ReportRequest = z.input<typeof reportRequestSchema>;

export const reportFileSchema = z.object({
  path: z.string(),
  fileName: z.string(),
  contentType: z.string(),
  bytes: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  from: z.string(),
  to: z.string(),
});
export type ReportFile = z.infer<typeof reportFileSchema>;

const scheduleName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,47}$/,
    'a schedule name is 1-48 lower-case letters, digits and dashes',
  );

export const reportScheduleSchema = z.object({
  name: scheduleName,
  kind,
  format,
  /** An absolute folder on the station's side; the files are named `<name>-<time>.<format>`. */
  folder: z.string().min(1).max(4096),
  everyHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 31),
  /** Days each run covers (for reports with a period), ending at the run. */
  periodDays: z.number().int().min(1).max(366),
  /** How many files of this schedule to keep in the folder; older ones are deleted. */
  keep: z.number().int().min(1).max(1000),
  lastRunAt: z.string().nullable(),
});
export type ReportSchedule = z.infer<typeof reportScheduleSchema>;

/** The report methods of the StationApi, spread into `stationApi`. */
export const reportApi = {
  'report/list': {
    params: z.object({}).strict(),
    result: z.object({ reports: z.array(reportInfoSchema), formats: z.array(format) }),
  },
  'report/generate': { params: reportRequestSchema, result: reportFileSchema },
  'report/schedule/list': { params: z.object({}).strict(), result: z.array(reportScheduleSchema) },
  'report/schedule/set': {
    params: reportScheduleSchema
      .omit({ lastRunAt: true })
      .extend({
        everyHours: reportScheduleSchema.shape.everyHours.default(24),
        periodDays: reportScheduleSchema.shape.periodDays.default(7),
        keep: reportScheduleSchema.shape.keep.default(7),
      })
      .strict(),
    result: reportScheduleSchema,
  },
  'report/schedule/remove': {
    params: z.object({ name: scheduleName }).strict(),
    result: z.object({ removed: z.boolean() }),
  },
  'report/schedule/run': {
    params: z.object({ name: scheduleName }).strict(),
    result: z.object({ taskId: z.string() }),
  },
} as const;

export type ReportMethod = keyof typeof reportApi;
