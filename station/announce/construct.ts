import type { RemoteInfo } from 'node:dgram';
import type { AnnounceBody } from '../../protocol/index.js';
import type { NodeRecord, NodesRepo } from '../db/nodes-repo.js';
import type { SettingsRepo } from '../db/settings-repo.js';
import type { EventLog } from '../event-log.js';
import type { Logger } from '../log.js';
import type { PoolService } from '../pool/service.js';
import { Limiter } from '../tasks/limiter.js';
import type { AnnounceKeys } from './keys.js';
import { AnnounceListener } from './listener.js';
import { NodeWatch } from './watch.js';

export interface ConstructDeps {
  nodes: NodesRepo;
  settings: SettingsRepo;
  events: EventLog;
  pool: PoolService;
  keys: AnnounceKeys;
  log: Logger;
  publish(node: NodeRecord): void;
  /** Asks a unit for its storage (storage.inventory over its agent). */
  storageInventory(nodeId: string): Promise<unknown>;
  unitBack?(node: NodeRecord): void;
  /** Every accepted announce, after the watch has seen it (host requests, attachment faults). */
  onAnnounce?(body: AnnounceBody): void;
  /** See WatchDeps.storageRefreshMs. */
  storageRefreshMs?: number;
  enquiryConcurrency?: number;
}

/**
 * The automatic construct protocol on the station: announces in, enquiries out, answers
 * merged into the pool, up/down kept from heartbeats.
 */
export class Construct {
  readonly listener: AnnounceListener;
  readonly watch: NodeWatch;
  private readonly enquiries: Limiter;
  private inflight = new Set<Promise<void>>();
  private readonly waiting = new Set<string>();
  private readonly soon = new Map<
    string,
    { timer: NodeJS.Timeout; first: number; node: NodeRecord }
  >();

  constructor(private readonly d: ConstructDeps) {
    this.enquiries = new Limiter(d.enquiryConcurrency ?? 16);
    this.watch = new NodeWatch({
      nodes: d.nodes,
      settings: d.settings,
      events: d.events,
      pool: d.pool,
      publish: d.publish,
      enquire: (node) => this.enquire(node),
      unitBack: (node) => d.unitBack?.(node),
      ...(d.storageRefreshMs !== undefined ? { storageRefreshMs: d.storageRefreshMs } : {}),
    });
    this.listener = new AnnounceListener({
      keyFor: d.keys.keyFor,
      events: d.events,
      onAnnounce: (body) => {
        this.watch.onAnnounce(body);
        d.onAnnounce?.(body);
      },
    });
  }

  async start(
    listen: { host: string; port: number } | null,
  ): Promise<{ address: string; port: number } | null> {
    await this.watch.start();
    return listen ? this.listener.listen(listen.host, listen.port) : null;
  }

  inject(datagram: Buffer, from: { address: string; port: number }): void {
    this.listener.handle(datagram, {
      ...from,
      family: 'IPv4',
      size: datagram.length,
    } as RemoteInfo);
  }

  /** The enquiry; a unit that cannot answer keeps its last accepted storage in the pool. */
  enquire(node: NodeRecord): void {
    // One waiting enquiry per unit is enough: when it runs it reads the unit's latest state,
    // so a burst of changes (1,000 volumes made in a row) costs a few enquiries, not 1,000.
    if (this.waiting.has(node.id)) return;
    this.waiting.add(node.id);
    const job = this.enquiries
      .run(async () => {
        this.waiting.delete(node.id);
        try {
          await this.d.pool.merge(node.id, node.name, await this.d.storageInventory(node.id));
        } catch (err) {
          await this.d.events.record(
            'warning',
            'storage.enquiry',
            node.id,
            `asking ${node.name} for its storage failed: ${(err as Error).message}`,
          );
        }
      })
      .finally(() => this.inflight.delete(job));
    this.inflight.add(job);
  }

  /**
   * An enquiry once the unit's changes pause (`quietMs`), and at least every `maxMs` while they
   * go on: a run of 1,000 creates then costs a handful of storage listings, not one each,
   * and none of them competes with the creates themselves.
   */
  enquireSoon(node: NodeRecord, quietMs = 1000, maxMs = 10_000): void {
    const now = Date.now();
    const pending = this.soon.get(node.id);
    if (pending) clearTimeout(pending.timer);
    const first = pending?.first ?? now;
    const delay = Math.max(0, Math.min(quietMs, first + maxMs - now));
    const timer = setTimeout(() => {
      this.soon.delete(node.id);
      this.enquire(node);
    }, delay);
    timer.unref();
    this.soon.set(node.id, { timer, first, node });
  }

  /** Runs the enquiries that are waiting for a pause now. */
  private flushSoon(): void {
    for (const { timer, node } of this.soon.values()) {
      clearTimeout(timer);
      this.enquire(node);
    }
    this.soon.clear();
  }

  async settled(): Promise<void> {
    this.flushSoon();
    for (let i = 0; i < 100; i++) {
      await this.watch.settled();
      await Promise.all([...this.inflight]);
      await this.d.pool.settled();
      if (this.inflight.size === 0) return;
    }
  }

  close(): void {
    for (const { timer } of this.soon.values()) clearTimeout(timer);
    this.soon.clear();
    this.watch.stop();
    this.listener.close();
  }
}
