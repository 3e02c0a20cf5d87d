import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Task } from '../../../../protocol/index.js';
import { Database } from '../../../../station/db/database.js';
import { TasksRepo } from '../../../../station/db/tasks-repo.js';
import { EventBus } from '../../../../station/events.js';
import { createLogger } from '../../../../station/log.js';
import { TaskEngine } from '../../../../station/tasks/index.js';

/** An engine over a real SQLite file, with every streamed task update kept. */
export async function engineSetup(concurrency = 4, dir?: string) {
  const path = join(dir ?? mkdtempSync(join(tmpdir(), 'dvsan-tasks-')), 's.db');
  const db = await Database.open(path);
  const repo = new TasksRepo(db);
  const bus = new EventBus();
  const events: Task[] = [];
  bus.subscribe((e) => {
    if (e.type === 'task.updated') events.push(e.task);
  });
  const engine = new TaskEngine(repo, bus, createLogger('silent'), concurrency);
  return { db, repo, events, engine, path };
}

/** A promise the test resolves by hand. */
export function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

/** Waits (bounded) until `check` holds, polling the event loop. */
export async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resolves when the signal is aborted, rejecting with its reason (work that honours cancel). */
export function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}
