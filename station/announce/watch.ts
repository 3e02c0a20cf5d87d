import type { AnnounceBody, NodeHealth } from '../../protocol/index.js';
import type { NodeChanges, NodeIdentity, NodeRecord, NodesRepo } from '../db/nodes-repo.js';
import type { SettingsRepo } from '../db/settings-repo.js';
import type { EventLog } from '../event-log.js';
import type { PoolService } from '../pool/service.js';
import { identityChanges } from './identity.js';

export interface WatchDeps {
  nodes: NodesRepo;
  settings: SettingsRepo;
  events: EventLog;
  pool: PoolService;
  /** Tells the console a node changed. */
  publish(node: NodeRecord): void;
  /** The enquiry: ask a unit for its storage (storage.inventory) and merge the answer. */
  enquire(node: NodeRecord): void;
  /** A unit that was down is back: repair its exports (reconcile without removing anything). */
  unitBack?(node: NodeRecord): void;
  /**
   * How often an up unit is asked for its storage again (on a heartbeat), so allocated sizes
   * follow what hosts write; default 5 minutes.
   */
  storageRefreshMs?: number;
  now?: () => number;
}

interface Seen {
  at: number;
  intervalMs: number;
}

/**
 * Up and down from announces: a startup or heartbeat marks a node up (and a node that
 * comes back is enquired again), a shutdown marks it down at once, and missed heartbeats
 * mark it down with an alert.
 */
export class NodeWatch {
  private readonly seen = new Map<string, Seen>();
  private readonly health = new Map<string, NodeHealth>();
  /** When each unit's storage was last asked for (or the watch first saw it up). */
  private readonly refreshed = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private missed = 3;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly d: WatchDeps) {}

  private now(): number {
    return this.d.now?.() ?? Date.now();
  }

  async start(checkEveryMs = 500): Promise<void> {
    this.missed = (await this.d.settings.get()).missedHeartbeats;
    for (const n of await this.d.nodes.list()) this.health.set(n.id, n.health);
    this.timer = setInterval(() => this.sweep(), checkEveryMs);
    this.timer.unref();
  }

  setMissedHeartbeats(missed: number): void {
    this.missed = missed;
  }

  /** An accepted packet. Work per node runs in arrival order; the listener never waits. */
  onAnnounce(body: AnnounceBody): void {
    if (body.kind !== 'shutdown')
      this.seen.set(body.nodeId, { at: this.now(), intervalMs: body.interval * 1000 });
    // A heartbeat from a node already up needs no database work, unless its storage is due.
    if (
      (body.kind === 'heartbeat' || body.kind === 'request') &&
      this.health.get(body.nodeId) === 'up'
    ) {
      this.refreshIfDue(body.nodeId);
      return;
    }
    this.queue = this.queue.then(() => this.apply(body)).catch(() => undefined);
  }

  forget(nodeId: string): void {
    this.seen.delete(nodeId);
    this.health.delete(nodeId);
    this.refreshed.delete(nodeId);
  }

  private refreshIfDue(nodeId: string): void {
    const now = this.now();
    const last = this.refreshed.get(nodeId);
    if (last === undefined) {
      this.refreshed.set(nodeId, now);
      return;
    }
    if (now - last < (this.d.storageRefreshMs ?? 300_000)) return;
    this.refreshed.set(nodeId, now);
    this.queue = this.queue
      .then(async () => {
        const node = await this.d.nodes.get(nodeId);
        if (node?.role === 'unit') this.d.enquire(node);
      })
      .catch(() => undefined);
  }

  private async apply(body: AnnounceBody): Promise<void> {
    let node = await this.d.nodes.get(body.nodeId);
    if (!node) return;
    if (body.kind === 'shutdown') {
      this.seen.delete(node.id);
      await this.transition(
        node,
        'down',
        'info',
        `${node.name} shut down cleanly (its agent said goodbye)`,
      );
      return;
    }
    let identity: NodeIdentity | undefined;
    if (body.kind === 'startup') {
      identity = { hostname: body.hostname, nics: body.nics ?? [] };
      for (const change of identityChanges(node.identity, identity)) {
        await this.d.events.record('info', 'node.identity', node.id, `${node.name}: ${change}`);
      }
    }
    const wasUp = node.health === 'up';
    // One write per startup: the identity rides along with the transition to up.
    if (!wasUp)
      await this.transition(
        node,
        'up',
        'info',
        `${node.name} is up`,
        null,
        identity ? { identity } : {},
      );
    else if (identity) node = await this.d.nodes.update(node.id, { identity });
    // Enquire on every startup (storage may have changed while the agent was away) and on
    // every return from down: that is the reconciliation.
    if (node.role === 'unit' && (body.kind === 'startup' || !wasUp)) this.d.enquire(node);
    if (node.role === 'unit' && node.health === 'down') this.d.unitBack?.(node);
  }

  private async transition(
    node: NodeRecord,
    to: NodeHealth,
    severity: 'info' | 'critical',
    message: string,
    details: Record<string, unknown> | null = null,
    also: NodeChanges = {},
  ): Promise<void> {
    this.health.set(node.id, to);
    if (node.health === to) return;
    const seen = this.seen.get(node.id);
    const updated = await this.d.nodes.update(node.id, {
      ...also,
      health: to,
      lastSeenAt: new Date(seen?.at ?? this.now()).toISOString(),
    });
    await this.d.events.record(
      severity,
      to === 'up' ? 'node.up' : 'node.down',
      node.id,
      message,
      details,
    );
    this.d.publish(updated);
    this.d.pool.changed();
  }

  /** Marks down every node whose heartbeats stopped. */
  private sweep(): void {
    const now = this.now();
    for (const [nodeId, seen] of this.seen) {
      if (this.health.get(nodeId) !== 'up' || now - seen.at <= seen.intervalMs * this.missed)
        continue;
      this.health.set(nodeId, 'down');
      this.queue = this.queue
        .then(async () => {
          const node = await this.d.nodes.get(nodeId);
          if (!node) return;
          const silentFor = Math.round((now - seen.at) / 1000);
          // Volumes and attached hosts arrive with exports; the alert already has their place.
          const affected = {
            volumes: node.storage?.volumes.map((v) => v.name) ?? [],
            hosts: [] as string[],
          };
          await this.transition(
            { ...node, health: 'up' },
            'down',
            'critical',
            `${node.name} is down: no heartbeat for ${silentFor} s (${this.missed} missed). Affected volumes: ${affected.volumes.join(', ') || 'none'}; hosts: none.`,
            affected,
          );
        })
        .catch(() => undefined);
    }
  }

  /** Resolves when every queued announce has been applied. */
  async settled(): Promise<void> {
    await this.queue;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
