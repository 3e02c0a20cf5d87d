import type { Database } from './database.js';

/** Capacity at one moment: of the pool as a whole (scope 'pool') or of one unit (its id). */
export interface CapacitySample {
  at: string;
  scope: string;
  name: string;
  totalBytes: number;
  freeBytes: number;
  allocatedBytes: number;
  usedPct: number;
}

interface SampleRow {
  at: string;
  scope: string;
  name: string;
  total_bytes: number;
  free_bytes: number;
  allocated_bytes: number;
  used_pct: number;
}

const fromRow = (r: SampleRow): CapacitySample => ({
  at: r.at,
  scope: r.scope,
  name: r.name,
  totalBytes: r.total_bytes,
  freeBytes: r.free_bytes,
  allocatedBytes: r.allocated_bytes,
  usedPct: r.used_pct,
});

/** Stored capacity samples: the source of the capacity report's trend. */
export class CapacityRepo {
  constructor(private readonly db: Database) {}

  async add(samples: CapacitySample[]): Promise<void> {
    if (!samples.length) return;
    await this.db.transaction(async () => {
      for (const s of samples) {
        await this.db.run(
          'INSERT OR REPLACE INTO capacity_samples (at, scope, name, total_bytes, free_bytes, allocated_bytes, used_pct) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [s.at, s.scope, s.name, s.totalBytes, s.freeBytes, s.allocatedBytes, s.usedPct],
        );
      }
    });
  }

  async lastAt(): Promise<string | null> {
    const row = await this.db.get<{ at: string | null }>(
      "SELECT max(at) AS at FROM capacity_samples WHERE scope = 'pool'",
    );
    return row?.at ?? null;
  }

  /** Samples with from <= at < to, oldest first, after (at, scope) `after` (paging). */
  async list(
    period: { from: string; to: string },
    after: { at: string; scope: string } | null,
    limit: number,
  ): Promise<CapacitySample[]> {
    const rows = await this.db.all<SampleRow>(
      `SELECT * FROM capacity_samples WHERE at >= ? AND at < ? AND (at, scope) > (?, ?)
       ORDER BY at, scope LIMIT ?`,
      [period.from, period.to, after?.at ?? '', after?.scope ?? '', limit],
    );
    return rows.map(fromRow);
  }

  /**
   * The pool's trend in at most `points` buckets (the last sample of each), so a chart of a
   * year of samples stays small.
   */
  async poolTrend(period: { from: string; to: string }, points: number): Promise<CapacitySample[]> {
    const span = Math.max(1, Date.parse(period.to) - Date.parse(period.from));
    const rows = await this.db.all<SampleRow>(
      `SELECT at, scope, name, total_bytes, free_bytes, allocated_bytes, used_pct FROM (
         SELECT *, row_number() OVER (
           PARTITION BY CAST((unixepoch(at, 'subsec') * 1000 - ?) * ? / ? AS INTEGER)
           ORDER BY at DESC) AS n
         FROM capacity_samples WHERE scope = 'pool' AND at >= ? AND at < ?)
       WHERE n = 1 ORDER BY at`,
      [Date.parse(period.from), points, span, period.from, period.to],
    );
    return rows.map(fromRow);
  }

  async prune(before: string): Promise<number> {
    return (await this.db.run('DELETE FROM capacity_samples WHERE at < ?', [before])).changes;
  }
}
