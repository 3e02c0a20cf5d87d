import { DvsanError, type ErrorShape, type Task } from '../../protocol/index.js';
import type { TasksRepo } from '../db/tasks-repo.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';

export type LogLevel = Task['log'][number]['level'];

export interface StepHandle {
  progress(percent: number, message: string): void;
}

/** What a task's work sees: its signal, its steps, its log, and a place to register undos. */
export interface TaskContext {
  readonly id: string;
  readonly user: string;
  /** Aborted when someone cancels the task; work checks it between steps (cooperative). */
  readonly signal: AbortSignal;
  step(index: number): StepHandle;
  /** Marks one step finished; a failed step does not stop the others (per-node work). */
  finishStep(
    index: number,
    outcome: { ok: true; message: string } | { ok: false; error: ErrorShape },
  ): void;
  /**
   * Runs one step in order: refuses to start once cancelled, marks the step running and then
   * finished, and registers `undo` (given the step's value) to run if the task is cancelled.
   */
  runStep<T>(
    index: number,
    work: (step: StepHandle) => Promise<T>,
    undo?: (value: T) => Promise<unknown>,
  ): Promise<T>;
  /** Something finished that a cancel (or a failure, where the task says so) must undo. */
  onUndo(label: string, undo: () => Promise<unknown>): void;
  /** Throws the cancel reason when the task was cancelled. */
  throwIfCancelled(): void;
  log(level: LogLevel, message: string): void;
}

export interface Undo {
  label: string;
  run: () => Promise<unknown>;
  /** The step it undoes, shown as cancelled once undone. */
  step: number | null;
}

const now = () => new Date().toISOString();

/**
 * One task while the station holds it: every change is streamed as `task.updated` and saved
 * in order (a later snapshot never lands before an earlier one).
 */
export class LiveTask {
  private saving: Promise<void> = Promise.resolve();
  readonly undos: Undo[] = [];
  readonly stepErrors: ErrorShape[] = [];

  constructor(
    readonly task: Task,
    private readonly repo: TasksRepo,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  changed(): void {
    const t = this.task;
    t.updatedAt = now();
    t.progress =
      t.state === 'succeeded'
        ? 100
        : Math.round(t.steps.reduce((sum, s) => sum + s.progress, 0) / Math.max(1, t.steps.length));
    const snapshot = structuredClone(t);
    this.bus.emit({ type: 'task.updated', task: snapshot });
    this.saving = this.saving
      .then(() => this.repo.save(snapshot))
      .catch((err: unknown) => this.logger.error({ err, taskId: t.id }, 'saving a task failed'));
  }

  /** Resolves when every change so far is in the database. */
  saved(): Promise<void> {
    return this.saving;
  }

  log(level: LogLevel, message: string): void {
    this.task.log.push({ at: now(), level, message });
    this.changed();
  }

  context(signal: AbortSignal): TaskContext {
    const t = this.task;
    const throwIfCancelled = () => {
      if (signal.aborted)
        throw signal.reason instanceof Error
          ? signal.reason
          : new DvsanError('conflict', 'the task was cancelled');
    };
    const step = (index: number): StepHandle => ({
      progress: (percent, message) => {
        const s = t.steps[index];
        if (!s) return;
        s.state = 'running';
        s.progress = Math.max(0, Math.min(100, percent));
        s.message = message;
        this.changed();
      },
    });
    const finishStep: TaskContext['finishStep'] = (index, outcome) => {
      const s = t.steps[index];
      if (!s) return;
      s.progress = 100;
      s.state = outcome.ok ? 'succeeded' : 'failed';
      s.message = outcome.ok ? outcome.message : outcome.error.message;
      if (outcome.ok) return this.changed();
      this.stepErrors.push(outcome.error);
      this.log('error', `${s.name}: ${outcome.error.message}`);
    };
    return {
      id: t.id,
      user: t.user,
      signal,
      step,
      finishStep,
      throwIfCancelled,
      log: (level, message) => this.log(level, message),
      onUndo: (label, run) => this.undos.push({ label, run, step: null }),
      runStep: async (index, work, undo) => {
        throwIfCancelled();
        const s = t.steps[index];
        let said: string | null = null;
        const handle: StepHandle = {
          progress: (percent, message) => {
            said = message;
            step(index).progress(percent, message);
          },
        };
        step(index).progress(0, 'started');
        try {
          const value = await work(handle);
          if (undo) {
            const label = s?.name ?? `step ${index + 1}`;
            this.undos.push({ label, run: () => undo(value), step: index });
          }
          finishStep(index, { ok: true, message: said ?? 'done' });
          return value;
        } catch (err) {
          if (s) {
            s.state = signal.aborted ? 'cancelled' : 'failed';
            s.message = (err as Error).message;
            this.changed();
          }
          throw err;
        }
      },
    };
  }

  /** Runs the registered undos newest first; a failing undo is logged and the rest still run. */
  async undo(): Promise<string[]> {
    const failures: string[] = [];
    for (const u of [...this.undos].reverse()) {
      this.log('info', `undoing: ${u.label}`);
      try {
        await u.run();
        const s = u.step === null ? undefined : this.task.steps[u.step];
        if (s) {
          s.state = 'cancelled';
          s.message = 'undone';
        }
      } catch (err) {
        failures.push(`${u.label}: ${(err as Error).message}`);
        this.log('error', `undoing ${u.label} failed: ${(err as Error).message}`);
      }
    }
    this.undos.length = 0;
    return failures;
  }
}
