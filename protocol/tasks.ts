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
  state: z.enum(taskStates),
  progress: z.number().min(0).max(100),
  steps: z.array(taskStepSchema),
  log: z.array(
    z.object({ at: z.string(), level: z.enum(['info', 'warn', 'error']), message: z.string() }),
  ),
  error: errorShape.nullable(),
  /** What the task produced, as plain data (e.g. per-node deploy outcomes). */
  result: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Task = z.infer<typeof taskSchema>;
export type TaskStep = z.infer<typeof taskStepSchema>;
