import type { ErrorShape, Task } from '../../protocol/index.js';
import type { Database } from './database.js';

interface TaskRow {
  id: string;
  kind: string;
  targets_json: string;
  state: Task['state'];
  progress: number;
  steps_json: string;
  log_json: string;
  error_json: string | null;
  result_json: string | null;
  created_at: string;
  updated_at: string;
}

function fromRow(r: TaskRow): Task {
  return {
    id: r.id,
    kind: r.kind,
    targets: JSON.parse(r.targets_json) as string[],
    state: r.state,
    progress: r.progress,
    steps: JSON.parse(r.steps_json) as Task['steps'],
    log: JSON.parse(r.log_json) as Task['log'],
    error: r.error_json ? (JSON.parse(r.error_json) as ErrorShape) : null,
    result: r.result_json ? (JSON.parse(r.result_json) as Record<string, unknown>) : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class TasksRepo {
  constructor(private readonly db: Database) {}

  async save(t: Task): Promise<void> {
    await this.db.run(
      `INSERT INTO tasks (id, kind, targets_json, state, progress, steps_json, log_json, error_json, result_json, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, progress = excluded.progress,
         steps_json = excluded.steps_json, log_json = excluded.log_json, error_json = excluded.error_json,
         result_json = excluded.result_json,
         updated_at = excluded.updated_at`,
      [
        t.id,
        t.kind,
        JSON.stringify(t.targets),
        t.state,
        t.progress,
        JSON.stringify(t.steps),
        JSON.stringify(t.log),
        t.error ? JSON.stringify(t.error) : null,
        t.result ? JSON.stringify(t.result) : null,
        t.createdAt,
        t.updatedAt,
      ],
    );
  }

  async get(id: string): Promise<Task | undefined> {
    const row = await this.db.get<TaskRow>('SELECT * FROM tasks WHERE id = ?', [id]);
    return row ? fromRow(row) : undefined;
  }

  async list(limit = 500): Promise<Task[]> {
    const rows = await this.db.all<TaskRow>(
      'SELECT * FROM tasks ORDER BY created_at DESC LIMIT ?',
      [limit],
    );
    return rows.map(fromRow);
  }

  /** Tasks that were running when the station stopped did not finish: say so. */
  async markInterrupted(): Promise<number> {
    const { changes } = await this.db.run(
      `UPDATE tasks SET state = 'interrupted', updated_at = ? WHERE state IN ('queued', 'running')`,
      [new Date().toISOString()],
    );
    return changes;
  }
}
