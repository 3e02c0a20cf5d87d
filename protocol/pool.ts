import { z } from 'zod';
import { requestPolicySchema } from './request-policy.js';
import { dataPoolSchema } from './storage.js';

export const nodeHealths = ['unknown', 'up', 'down'] as const;
export type NodeHealth = (typeof nodeHealths)[number];
export const usageLevels = ['ok', 'warning', 'critical'] as const;
export type UsageLevel = (typeof usageLevels)[number];

export const thresholdsSchema = z
  .object({
    warningPct: z.number().min(1).max(100),
    criticalPct: z.number().min(1).max(100),
  })
  .refine(
    (t) => t.warningPct < t.criticalPct,
    'the warning threshold must be below the critical one',
  );
export type Thresholds = z.infer<typeof thresholdsSchema>;

const bytes = z.number().nonnegative();

/** One unit's share of the pool, from its last accepted storage inventory. */
export const poolUnitSchema = z.object({
  nodeId: z.string(),
  name: z.string(),
  health: z.enum(nodeHealths),
  spare: z.boolean(),
  totalBytes: bytes,
  freeBytes: bytes,
  /** Bytes volumes really occupy. */
  allocatedBytes: bytes,
  volumeCount: z.number().int().nonnegative(),
  /** Filesystem use, (total - free) / total, in percent. */
  usedPct: z.number(),
  level: z.enum(usageLevels),
  pools: z.array(dataPoolSchema),
  updatedAt: z.string().nullable(),
});
export type PoolUnit = z.infer<typeof poolUnitSchema>;

/** The storage information list: every unit's storage merged into one pool. */
export const poolViewSchema = z.object({
  totals: z.object({
    totalBytes: bytes,
    freeBytes: bytes,
    /** Free bytes on units that are up and not spare: what new volumes can use now. */
    allocatableBytes: bytes,
    allocatedBytes: bytes,
    usedPct: z.number(),
    level: z.enum(usageLevels),
  }),
  /** Capacity held back on spare units for recovery. */
  spareBytes: bytes,
  units: z.array(poolUnitSchema),
  thresholds: thresholdsSchema,
});
export type PoolView = z.infer<typeof poolViewSchema>;

export const eventSeverities = ['info', 'warning', 'critical'] as const;
export const stationEventRecordSchema = z.object({
  id: z.number().int(),
  at: z.string(),
  severity: z.enum(eventSeverities),
  /** e.g. 'node.down', 'node.up', 'node.identity', 'announce.rejected', 'pool.threshold'. */
  kind: z.string(),
  /** The node the event is about, if any. */
  nodeId: z.string().nullable(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).nullable(),
  /** When and by whom an alert (warning or critical) was acknowledged; null while open. */
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
});
export type EventRecord = z.infer<typeof stationEventRecordSchema>;

export const settingsSchema = z.object({
  thresholds: thresholdsSchema,
  heartbeatSeconds: z.number().int().min(1).max(3600),
  missedHeartbeats: z.number().int().min(1).max(100),
  /** How many tasks run at once; the rest wait in the queue (the station fills in 4). */
  taskConcurrency: z.number().int().min(1).max(64).optional(),
  requestPolicy: requestPolicySchema,
});
export type Settings = z.infer<typeof settingsSchema>;
