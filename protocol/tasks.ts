import { z } from 'zod';
import { errorShape } from './errors.js';

export const taskStates = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'interrupted',
] as const;
export type TaskState = (typeof taskStates)[number];
/** States a task never leaves. */
export const endedTaskStates: readonly TaskState[] = [
  'succeeded',
  'failed',
  'cancelled',
  'interrupted',
];

/**
 * What a task can lock, in the one global order locks are taken in (pool before units before
 * hosts before volumes, then by id), so two tasks never wait for each other in a circle.
 */
export const lockKinds = ['pool', 'unit', 'host', 'volume'] as const;
export type LockKind = (typeof lockKinds)[number];
export const lockModes = ['read', 'write'] as const;

export const lockRequestSchema = z.object({
  kind: z.enum(lockKinds),
  id: z.string().min(1),
  mode: z.enum(lockModes),
  /** The object's name for people ("vol-a"); the id is shown when it is missing. */
  label: z.string().optional(),
});
export type LockRequest = z.infer<typeof lockRequestSchema>;

export const taskStepSchema = z.object({
  name: z.string(),
  state: z.enum(taskStates),
  progress: z.number().min(0).max(100),
  message: z.string().nullable(),
});

export const taskSchema = z.object({
  id: z.string(),
  kind: z.string(),
  targets: z.array(z.string()),
  /** Who asked for it ('local' for the desktop and the local CLI, 'station' for its own work). */
  user: z.string(),
  state: z.enum(taskStates),
  progress: z.number().min(0).max(100),
  steps: z.array(taskStepSchema),
  locks: z.array(lockRequestSchema),
  /** Why a queued task has not started: the object and the task holding it. */
  waitingFor: z.string().nullable(),
  log: z.array(
    z.object({ at: z.string(), level: z.enum(['info', 'warn', 'error']), message: z.string() }),
  ),
  error: errorShape.nullable(),
  /** What the task produced, as plain data (e.g. per-node deploy outcomes). */
  result: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
});
export type Task = z.infer<typeof taskSchema>;
export type TaskStep = z.infer<typeof taskStepSchema>;

const taskId = z.string().min(1).max(64);

/** The StationApi methods about tasks; spread into `stationApi`. */
export const taskApi = {
  'task/list': {
    params: z
      .object({
        /** Only tasks in these states (e.g. ['queued', 'running'] for what is going on). */
        states: z.array(z.enum(taskStates)).min(1).optional(),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    result: z.array(taskSchema),
  },
  'task/get': { params: z.object({ id: taskId }).strict(), result: taskSchema },
  /** Queued tasks end at once; running ones stop at their next check and undo finished steps. */
  'task/cancel': { params: z.object({ id: taskId }).strict(), result: taskSchema },
} as const;
