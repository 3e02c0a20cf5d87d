import sqlite3 from 'sqlite3';
import { migrations } from './migrations.js';

export type Row = Record<string, unknown>;
type Param = string | number | bigint | null | Buffer;

/**
 * A small promise layer over sqlite3. sqlite3 runs statements on its own thread, so the
 * event loop stays free; transactions are serialised here because one connection can hold
 * only one at a time.
 */
export class Database {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly db: sqlite3.Database) {}

  static async open(file: string): Promise<Database> {
    const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(d)));
    });
    const db = new Database(raw);
    // WAL lets the console read while a task writes; a busy timeout covers a CLI and a
    // server sharing the same file.
    await db.exec(
      // synchronous=NORMAL is WAL's usual partner: a commit survives a crash of the station;
      // only an OS crash may lose the last moments, and never corrupts the file.
      'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;',
    );
    await db.migrate();
    return db;
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.db.exec(sql, (err) => (err ? reject(err) : resolve())),
    );
  }

  run(sql: string, params: Param[] = []): Promise<{ changes: number }> {
    return new Promise((resolve, reject) =>
      this.db.run(sql, params, function (err) {
        if (err) reject(err);
        else resolve({ changes: this.changes });
      }),
    );
  }

  get<T = Row>(sql: string, params: Param[] = []): Promise<T | undefined> {
    return new Promise((resolve, reject) =>
      this.db.get(sql, params, (err, row) => (err ? reject(err) : resolve(row as T | undefined))),
    );
  }

  all<T = Row>(sql: string, params: Param[] = []): Promise<T[]> {
    return new Promise((resolve, reject) =>
      this.db.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as T[]))),
    );
  }

  /** Runs `work` inside BEGIN IMMEDIATE … COMMIT, rolled back on any error. */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      await this.exec('BEGIN IMMEDIATE');
      try {
        const result = await work();
        await this.exec('COMMIT');
        return result;
      } catch (err) {
        await this.exec('ROLLBACK');
        throw err;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async schemaVersion(): Promise<number> {
    const row = await this.get<{ user_version: number }>('PRAGMA user_version');
    return row?.user_version ?? 0;
  }

  private async migrate(): Promise<void> {
    const current = await this.schemaVersion();
    for (const [index, sql] of migrations.entries()) {
      const version = index + 1;
      if (version <= current) continue;
      await this.transaction(async () => {
        await this.exec(sql);
        await this.exec(`PRAGMA user_version = ${version}`);
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) =>
      this.db.close((err) => (err ? reject(err) : resolve())),
    );
  }
}
