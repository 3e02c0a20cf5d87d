import { randomUUID } from 'node:crypto';
import { type ErrorShape, type Task, toErrorShape } from '../../protocol/index.js';
import type { TasksRepo } from '../db/tasks-repo.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';

export interface StepHandle {
  progress(percent: number, message: string): void;
}

export interface TaskContext {
  step(index: number): StepHandle;
  /** Marks one step finished; a failed step does not stop the others (per-node work). */
  finishStep(
    index: number,
    outcome: { ok: true; message: string } | { ok: false; error: ErrorShape },
  ): void;
  log(level: Task['log'][number]['level'], message: string): void;
}

/**
 * Runs work in the background as a persisted task with steps, progress and a log, and
 * streams every change as an event. (Locks, queueing and cancel arrive with the full engine.)
 */
export class TaskRunner {
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly repo: TasksRepo,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {}

  async start(
    kind: string,
    targets: string[],
    stepNames: string[],
    work: (ctx: TaskContext) => Promise<Record<string, unknown>>,
  ): Promise<Task> {
    const now = new Date().toISOString();
    const task: Task = {
      id: randomUUID(),
      kind,
      targets,
      state: 'running',
      progress: 0,
      steps: stepNames.map((name) => ({ name, state: 'queued', progress: 0, message: null })),
      log: [],
      error: null,
      result: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.repo.save(task);
    this.bus.emit({ type: 'task.updated', task: structuredClone(task) });
    let saving = Promise.resolve();
    const stepErrors: ErrorShape[] = [];
    const changed = () => {
      task.updatedAt = new Date().toISOString();
      task.progress = Math.round(
        task.steps.reduce((sum, s) => sum + s.progress, 0) / Math.max(1, task.steps.length),
      );
      const snapshot = structuredClone(task);
      this.bus.emit({ type: 'task.updated', task: snapshot });
      saving = saving
        .then(() => this.repo.save(snapshot))
        .catch((err) => this.log.error({ err }, 'saving a task failed'));
    };
    const ctx: TaskContext = {
      step: (index) => ({
        progress: (percent, message) => {
          const s = task.steps[index];
          if (!s) return;
          s.state = 'running';
          s.progress = Math.max(0, Math.min(100, percent));
          s.message = message;
          changed();
        },
      }),
      finishStep: (index, outcome) => {
        const s = task.steps[index];
        if (!s) return;
        s.progress = 100;
        s.state = outcome.ok ? 'succeeded' : 'failed';
        s.message = outcome.ok ? outcome.message : outcome.error.message;
        if (!outcome.ok) stepErrors.push(outcome.error);
        if (!outcome.ok)
          task.log.push({
            at: new Date().toISOString(),
            level: 'error',
            message: `${s.name}: ${outcome.error.message}`,
          });
        changed();
      },
      log: (level, message) => {
        task.log.push({ at: new Date().toISOString(), level, message });
        changed();
      },
    };
    const done = work(ctx)
      .then((result) => {
        const failed = task.steps.filter((s) => s.state === 'failed');
        task.result = result;
        task.state = failed.length ? 'failed' : 'succeeded';
        if (failed.length) {
          task.error = {
            name: 'DvsanError',
            code: stepErrors[0]?.code ?? 'internal',
            message: `${failed.length} of ${task.steps.length} failed: ${failed.map((s) => `${s.name}: ${s.message}`).join('; ')}`,
          };
        }
      })
      .catch((err) => {
        task.state = 'failed';
        task.error = toErrorShape(err);
      })
      .then(() => {
        changed();
        // The last save must land before anyone waiting for idle() closes the database.
        return saving;
      })
      .finally(() => this.running.delete(task.id));
    this.running.set(task.id, done);
    return structuredClone(task);
  }

  /** Waits for every running task (used at shutdown and by tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }
}

/** Runs `items` through `worker` with at most `limit` at once. */
export async function boundedPool<T>(
  items: T[],
  limit: number,
  worker: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await worker(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
}
