import { randomUUID } from 'node:crypto';
import {
  DvsanError,
  endedTaskStates,
  type LockRequest,
  type Task,
  toErrorShape,
} from '../../protocol/index.js';
import type { TaskFilter, TasksRepo } from '../db/tasks-repo.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import { LiveTask, type TaskContext } from './context.js';
import { type Blocker, LockTable, orderLocks } from './locks.js';

export type TaskResult = Record<string, unknown>;

export interface TaskSpec<R extends TaskResult = TaskResult> {
  /** e.g. 'volume.resize', 'node.deploy'; the console turns kinds into words. */
  kind: string;
  /** The ids of the objects the task is about (shown, and used to find a node's activity). */
  targets: string[];
  /** Step names, in order. */
  steps: string[];
  /** Taken all together before the work starts, released when it ends. */
  locks?: LockRequest[];
  /** Who asked for it; 'local' when nobody signed in. */
  user?: string;
  /** Run the registered undos when the work fails too, not only when it is cancelled. */
  undoOnFailure?: boolean;
  work: (ctx: TaskContext) => Promise<R>;
}

interface Entry {
  live: LiveTask;
  spec: TaskSpec;
  controller: AbortController;
  value: TaskResult | undefined;
  done: Promise<Task>;
  resolve: (t: Task) => void;
}

export const shortTaskId = (id: string) => id.slice(0, 8);

/**
 * The station's task engine: every change runs as a persisted task with steps, progress, a
 * log and locks on the objects it touches. Tasks wait in one queue until their locks are
 * free and one of `concurrency` slots is; a waiting task says what it waits for. Cancel
 * aborts the work's signal and undoes its finished steps in reverse.
 */
export class TaskEngine {
  private readonly entries = new Map<string, Entry>();
  /** Queued tasks in arrival order. */
  private queue: Entry[] = [];
  private readonly locks = new LockTable();
  private running = 0;

  constructor(
    private readonly repo: TasksRepo,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private concurrency = 4,
  ) {}

  setConcurrency(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1)
      throw new DvsanError('invalid-params', `task concurrency must be a whole number ≥ 1`);
    this.concurrency = limit;
    this.schedule();
  }

  /** Queues a task and returns it as saved (queued, or already running when nothing is in its way). */
  async start<R extends TaskResult>(spec: TaskSpec<R>): Promise<Task> {
    return structuredClone((await this.add(spec)).live.task);
  }

  /** Runs a task to its end and hands back what its work returned; a failed or cancelled task throws. */
  async run<R extends TaskResult>(spec: TaskSpec<R>): Promise<R> {
    const entry = await this.add(spec);
    const final = await entry.done;
    if (final.state === 'succeeded') return entry.value as R;
    throw final.error
      ? DvsanError.fromShape(final.error)
      : new DvsanError('internal', `task ${shortTaskId(final.id)} ended ${final.state}`);
  }

  private async add(spec: TaskSpec): Promise<Entry> {
    const locks = orderLocks(spec.locks ?? []);
    const at = new Date().toISOString();
    const task: Task = {
      id: randomUUID(),
      kind: spec.kind,
      targets: spec.targets,
      user: spec.user ?? 'local',
      state: 'queued',
      progress: 0,
      steps: spec.steps.map((name) => ({ name, state: 'queued', progress: 0, message: null })),
      locks,
      waitingFor: null,
      log: [],
      error: null,
      result: null,
      createdAt: at,
      updatedAt: at,
      startedAt: null,
      endedAt: null,
    };
    await this.repo.save(task);
    const live = new LiveTask(task, this.repo, this.bus, this.log);
    let resolve!: (t: Task) => void;
    const done = new Promise<Task>((r) => (resolve = r));
    const entry: Entry = {
      live,
      spec,
      controller: new AbortController(),
      value: undefined,
      done,
      resolve,
    };
    this.entries.set(task.id, entry);
    this.locks.enqueue(task.id, locks);
    this.queue.push(entry);
    this.bus.emit({ type: 'task.updated', task: structuredClone(task) });
    this.schedule();
    return entry;
  }

  /** The task once it has ended. */
  async finished(id: string): Promise<Task> {
    const entry = this.entries.get(id);
    if (entry) return entry.done;
    const task = await this.get(id);
    if (!endedTaskStates.includes(task.state))
      throw new DvsanError(
        'conflict',
        `task ${shortTaskId(id)} belongs to another station process`,
      );
    return task;
  }

  async get(id: string): Promise<Task> {
    const entry = this.entries.get(id);
    if (entry) return structuredClone(entry.live.task);
    const task = await this.repo.get(id);
    if (!task) throw new DvsanError('not-found', `no task with id ${id}`);
    return task;
  }

  /** Saved tasks, newest first, with the live copy of those still queued or running. */
  async list(filter: TaskFilter = {}): Promise<Task[]> {
    return (await this.repo.list(filter)).flatMap((t) => {
      const live = this.entries.get(t.id)?.live.task;
      if (!live) return [t];
      // The saved row can lag behind: the live state decides whether it still matches.
      return !filter.states || filter.states.includes(live.state) ? [structuredClone(live)] : [];
    });
  }

  /**
   * A queued task ends at once; a running one gets its signal aborted, stops at its next check
   * and undoes what it finished. Ended tasks cannot be cancelled.
   */
  async cancel(id: string, by = 'local'): Promise<Task> {
    const entry = this.entries.get(id);
    if (!entry) {
      const task = await this.get(id);
      throw new DvsanError(
        'conflict',
        `task ${shortTaskId(id)} (${task.kind}) already ${task.state}: nothing to cancel`,
      );
    }
    const { live } = entry;
    if (live.task.state === 'queued') {
      this.queue = this.queue.filter((e) => e !== entry);
      this.locks.release(id);
      live.task.log.push({
        at: new Date().toISOString(),
        level: 'warn',
        message: `cancelled by ${by} before it started`,
      });
      live.task.error = new DvsanError('conflict', `cancelled by ${by}`).toShape();
      await this.end(entry, 'cancelled');
      this.schedule();
    } else if (!entry.controller.signal.aborted) {
      live.log('warn', `cancel requested by ${by}`);
      entry.controller.abort(new DvsanError('conflict', `cancelled by ${by}`));
    }
    return structuredClone(live.task);
  }

  /**
   * At startup: tasks saved as queued or running did not finish when the station stopped.
   * They become interrupted, and `reconcile` gets them to check the objects they locked.
   */
  async recover(reconcile: (tasks: Task[]) => void | Promise<void>): Promise<Task[]> {
    const stale = (await this.repo.list({ states: ['queued', 'running'], limit: 100_000 })).filter(
      (t) => !this.entries.has(t.id),
    );
    const at = new Date().toISOString();
    for (const t of stale) {
      for (const s of t.steps)
        if (s.state === 'queued' || s.state === 'running') s.state = 'interrupted';
      t.state = 'interrupted';
      t.waitingFor = null;
      t.endedAt = at;
      t.updatedAt = at;
      t.log.push({
        at,
        level: 'warn',
        message:
          'the station stopped before this task ended; the objects it locked are checked again',
      });
      await this.repo.save(t);
      this.bus.emit({ type: 'task.updated', task: structuredClone(t) });
    }
    if (stale.length) await reconcile(stale);
    return stale;
  }

  /** Resolves when no task is queued or running (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.entries.size) await Promise.all([...this.entries.values()].map((e) => e.done));
  }

  /** Starts every queued task whose locks and a slot are free; the rest say what they wait for. */
  private schedule(): void {
    for (const entry of [...this.queue]) {
      const { task } = entry.live;
      const blocker = this.locks.blocker(task.id);
      let waitingFor: string | null;
      if (blocker) waitingFor = this.describe(blocker);
      else if (this.running >= this.concurrency)
        waitingFor = `a free task slot (${this.running} of ${this.concurrency} running)`;
      else {
        this.locks.tryAcquire(task.id);
        this.launch(entry);
        continue;
      }
      if (task.waitingFor !== waitingFor) {
        task.waitingFor = waitingFor;
        entry.live.changed();
      }
    }
  }

  private describe(b: Blocker): string {
    const other = this.entries.get(b.owner)?.live.task;
    const who = other
      ? `task ${shortTaskId(other.id)} (${other.kind} by ${other.user})`
      : `task ${shortTaskId(b.owner)}`;
    return `${b.lock.kind} ${b.lock.label ?? b.lock.id} — ${b.holds ? 'held by' : 'queued behind'} ${who}`;
  }

  private launch(entry: Entry): void {
    this.queue = this.queue.filter((e) => e !== entry);
    this.running++;
    const { task } = entry.live;
    task.state = 'running';
    task.waitingFor = null;
    task.startedAt = new Date().toISOString();
    entry.live.changed();
    void this.execute(entry);
  }

  private async execute(entry: Entry): Promise<void> {
    const { live, spec, controller } = entry;
    const { task } = live;
    const ctx = live.context(controller.signal);
    try {
      entry.value = await spec.work(ctx);
      if (controller.signal.aborted)
        live.log('warn', 'the cancel came after the work had finished: its result is kept');
      const failed = task.steps.filter((s) => s.state === 'failed');
      task.result = entry.value ?? null;
      if (failed.length) {
        task.error = {
          name: 'DvsanError',
          code: live.stepErrors[0]?.code ?? 'internal',
          message: `${failed.length} of ${task.steps.length} failed: ${failed.map((s) => `${s.name}: ${s.message}`).join('; ')}`,
        };
        if (spec.undoOnFailure) await this.undo(entry);
      }
      await this.end(entry, failed.length ? 'failed' : 'succeeded');
    } catch (err) {
      const cancelled = controller.signal.aborted;
      task.error = toErrorShape(cancelled ? controller.signal.reason : err);
      if (!cancelled) live.log('error', task.error.message);
      if (cancelled || spec.undoOnFailure) await this.undo(entry);
      await this.end(entry, cancelled ? 'cancelled' : 'failed');
    } finally {
      this.running--;
      this.schedule();
    }
  }

  private async undo(entry: Entry): Promise<void> {
    const failures = await entry.live.undo();
    const error = entry.live.task.error;
    if (failures.length && error)
      error.message += `; undoing also failed (${failures.join('; ')}): reconcile the objects it touched`;
  }

  /** Records the final state, waits for it to be saved, then frees the task's locks. */
  private async end(entry: Entry, state: Task['state']): Promise<void> {
    const { task } = entry.live;
    for (const s of task.steps) {
      if (s.state !== 'queued' && s.state !== 'running') continue;
      if (state === 'succeeded') {
        s.state = 'succeeded';
        s.progress = 100;
      } else s.state = 'cancelled';
    }
    task.state = state;
    task.waitingFor = null;
    task.endedAt = new Date().toISOString();
    entry.live.changed();
    // The last save must land before anyone waiting for idle() closes the database.
    await entry.live.saved();
    this.locks.release(task.id);
    this.entries.delete(task.id);
    entry.resolve(structuredClone(task));
  }
}
