import { impossibleStorage, type PoolView, storageInventorySchema } from '../../protocol/index.js';
import type { NodesRepo } from '../db/nodes-repo.js';
import type { SettingsRepo } from '../db/settings-repo.js';
import type { EventLog } from '../event-log.js';
import type { EventBus } from '../events.js';
import { buildPoolView, levelChanges } from './view.js';

/** Many units reporting at once become one recomputation and one pool event. */
const settleMs = 100;

/** The storage pool: accepts storage inventories, keeps the merged view, raises thresholds. */
export class PoolService {
  private last: PoolView | null = null;
  private timer: NodeJS.Timeout | null = null;
  private computing: Promise<void> = Promise.resolve();

  constructor(
    private readonly nodes: NodesRepo,
    private readonly settings: SettingsRepo,
    private readonly events: EventLog,
    private readonly bus: EventBus,
  ) {}

  async view(): Promise<PoolView> {
    return buildPoolView(await this.nodes.list(), await this.settings.get());
  }

  /**
   * Takes a unit's answer to the enquiry. An answer that fails its schema or claims
   * impossible numbers is refused with the reason recorded, and the pool stays as it was.
   */
  async merge(nodeId: string, nodeName: string, answer: unknown): Promise<boolean> {
    const parsed = storageInventorySchema.safeParse(answer);
    const why = parsed.success
      ? impossibleStorage(parsed.data)
      : `it does not fit the schema (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`;
    if (!parsed.success || why) {
      await this.events.record(
        'warning',
        'storage.rejected',
        nodeId,
        `ignored the storage report of ${nodeName}: ${why}`,
      );
      return false;
    }
    await this.nodes.update(nodeId, { storage: parsed.data, storageAt: new Date().toISOString() });
    this.changed();
    return true;
  }

  /** Something that shapes the pool changed (a report, health, spare, thresholds). */
  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.computing = this.computing.then(() => this.recompute()).catch(() => undefined);
    }, settleMs);
  }

  /** Resolves once pending changes have been folded into the view (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.timer) await new Promise((r) => setTimeout(r, settleMs));
    await this.computing;
  }

  private async recompute(): Promise<void> {
    const next = await this.view();
    for (const c of levelChanges(this.last, next)) {
      const severity = c.to === 'critical' ? 'critical' : c.to === 'warning' ? 'warning' : 'info';
      const limit = c.to === 'critical' ? next.thresholds.criticalPct : next.thresholds.warningPct;
      const message =
        c.to === 'ok'
          ? `${c.name} is back below ${next.thresholds.warningPct}% used (${c.usedPct}%)`
          : `${c.name} is ${c.usedPct}% used, over the ${c.to} threshold of ${limit}%`;
      // The first view after start only reports what is not ok, not every unit being fine.
      if (this.last || c.to !== 'ok')
        await this.events.record(severity, 'pool.threshold', c.nodeId, message, {
          from: c.from,
          to: c.to,
          usedPct: c.usedPct,
        });
    }
    this.last = next;
    this.bus.emit({ type: 'pool.updated', pool: next });
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
