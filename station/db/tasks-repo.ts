import type { ErrorShape, LockRequest, Task } from '../../protocol/index.js';
import type { Database } from './database.js';

interface TaskRow {
  id: string;
  kind: string;
  targets_json: string;
  user: string;
  state: Task['state'];
  progress: number;
  steps_json: string;
  locks_json: string;
  waiting_for: string | null;
  log_json: string;
  error_json: string | null;
  result_json: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  ended_at: string | null;
}

export interface TaskFilter {
  states?: Task['state'][];
  limit?: number;
}

function fromRow(r: TaskRow): Task {
  return {
    id: r.id,
    kind: r.kind,
    targets: JSON.parse(r.targets_json) as string[],
    user: r.user,
    state: r.state,
    progress: r.progress,
    steps: JSON.parse(r.steps_json) as Task['steps'],
    locks: JSON.parse(r.locks_json) as LockRequest[],
    waitingFor: r.waiting_for,
    log: JSON.parse(r.log_json) as Task['log'],
    error: r.error_json ? (JSON.parse(r.error_json) as ErrorShape) : null,
    result: r.result_json ? (JSON.parse(r.result_json) as Record<string, unknown>) : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  };
}

export class TasksRepo {
  constructor(private readonly db: Database) {}

  async save(t: Task): Promise<void> {
    await this.db.run(
      `INSERT INTO tasks (id, kind, targets_json, user, state, progress, steps_json, locks_json,
         waiting_for, log_json, error_json, result_json, created_at, updated_at, started_at, ended_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, progress = excluded.progress,
         steps_json = excluded.steps_json, waiting_for = excluded.waiting_for,
         log_json = excluded.log_json, error_json = excluded.error_json,
         result_json = excluded.result_json, updated_at = excluded.updated_at,
         started_at = excluded.started_at, ended_at = excluded.ended_at`,
      [
        t.id,
        t.kind,
        JSON.stringify(t.targets),
        t.user,
        t.state,
        t.progress,
        JSON.stringify(t.steps),
        JSON.stringify(t.locks),
        t.waitingFor,
        JSON.stringify(t.log),
        t.error ? JSON.stringify(t.error) : null,
        t.result ? JSON.stringify(t.result) : null,
        t.createdAt,
        t.updatedAt,
        t.startedAt,
        t.endedAt,
      ],
    );
  }

  async get(id: string): Promise<Task | undefined> {
    const row = await this.db.get<TaskRow>('SELECT * FROM tasks WHERE id = ?', [id]);
    return row ? fromRow(row) : undefined;
  }

  /** Newest first. */
  async list({ states, limit = 500 }: TaskFilter = {}): Promise<Task[]> {
    const where = states?.length ? `WHERE state IN (${states.map(() => '?').join(', ')})` : '';
    const rows = await this.db.all<TaskRow>(
      `SELECT * FROM tasks ${where} ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      [...(states ?? []), limit],
    );
    return rows.map(fromRow);
  }
}
