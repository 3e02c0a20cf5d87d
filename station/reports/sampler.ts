import type { PoolView } from '../../protocol/index.js';
import type { CapacityRepo, CapacitySample } from '../db/capacity-repo.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';

export interface SamplerOptions {
  /** At most one sample in this long, however often the pool changes. */
  minGapMs?: number;
  /** A sample at least this often, even when nothing changes. */
  everyMs?: number;
  /** Samples older than this are deleted. */
  retentionDays?: number;
}

export function samplesOf(pool: PoolView, at: string): CapacitySample[] {
  const t = pool.totals;
  return [
    {
      at,
      scope: 'pool',
      name: 'pool',
      totalBytes: t.totalBytes,
      freeBytes: t.freeBytes,
      allocatedBytes: t.allocatedBytes,
      usedPct: t.usedPct,
    },
    ...pool.units.map((u) => ({
      at,
      scope: u.nodeId,
      name: u.name,
      totalBytes: u.totalBytes,
      freeBytes: u.freeBytes,
      allocatedBytes: u.allocatedBytes,
      usedPct: u.usedPct,
    })),
  ];
}

/**
 * Stores the pool's capacity over time for the capacity report's trend: on a pool change
 * (rate-limited) and on a slow clock, with old samples pruned.
 */
export class CapacitySampler {
  private last = 0;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private writing: Promise<void> = Promise.resolve();
  private readonly minGapMs: number;
  private readonly everyMs: number;
  private readonly retentionMs: number;

  constructor(
    private readonly repo: CapacityRepo,
    private readonly view: () => Promise<PoolView>,
    private readonly bus: EventBus,
    private readonly log: Logger,
    opts: SamplerOptions = {},
  ) {
    this.minGapMs = opts.minGapMs ?? 5 * 60_000;
    this.everyMs = opts.everyMs ?? 3600_000;
    this.retentionMs = (opts.retentionDays ?? 400) * 24 * 3600_000;
  }

  /** `clock`: also sample on the slow clock (the serving station, not a one-shot command). */
  async start(clock: boolean): Promise<void> {
    const lastAt = await this.repo.lastAt();
    this.last = lastAt ? Date.parse(lastAt) : 0;
    this.unsubscribe = this.bus.subscribe((e) => {
      if (e.type === 'pool.updated') this.offer(e.pool, new Date());
    });
    if (!clock) return;
    this.timer = setInterval(() => {
      this.view().then(
        (pool) => this.offer(pool, new Date()),
        (err: Error) => this.log.warn({ err }, 'capacity sample'),
      );
    }, this.everyMs);
    this.timer.unref();
  }

  /** Stores `pool` as a sample unless one was taken less than the minimum gap ago. */
  offer(pool: PoolView, now: Date): void {
    if (!pool.units.length || now.getTime() - this.last < this.minGapMs) return;
    this.last = now.getTime();
    this.writing = this.writing
      .then(async () => {
        await this.repo.add(samplesOf(pool, now.toISOString()));
        await this.repo.prune(new Date(now.getTime() - this.retentionMs).toISOString());
      })
      .catch((err: Error) => this.log.warn({ err }, 'storing a capacity sample failed'));
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    await this.writing;
  }
}
