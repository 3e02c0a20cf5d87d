import { randomUUID } from 'node:crypto';
import {
  DvsanError,
  type ExportInfo,
  type ParsedParams,
  type ReconcileReport,
  type VolumeView,
} from '../../protocol/index.js';
import type { NodeRecord, NodesRepo } from '../db/nodes-repo.js';
import type { ExportRecord, VolumeRecord, VolumesRepo } from '../db/volumes-repo.js';
import type { EventLog } from '../event-log.js';
import type { EventBus } from '../events.js';
import type { AgentLink } from '../nodes/service.js';
import type { PoolService } from '../pool/service.js';
import type { SecretBox } from '../secrets.js';
import { KeyedMutex } from '../tasks/keyed-mutex.js';
import { placeVolume, type Placement } from './allocator.js';
import { placeMirror } from './mirror-placement.js';
import { chapFor } from './chap.js';

export const iqnPrefix = 'iqn.2026-11.io.dvsan:';
export const volumeIqn = (unitName: string, volumeName: string) =>
  `${iqnPrefix}${unitName}.${volumeName}`;
export const iscsiPort = 3260;

export interface VolumeServiceDeps {
  volumes: VolumesRepo;
  nodes: NodesRepo;
  pool: PoolService;
  secrets: SecretBox;
  events: EventLog;
  bus: EventBus;
  agentFor(nodeId: string): Promise<AgentLink>;
  /**
   * Asks the unit for its storage again so the pool shows the change: at once, or `soon`
   * (after a pause in the unit's changes) where the free space did not move — a new sparse
   * file takes none until a host writes to it.
   */
  refreshUnit(node: NodeRecord, soon?: boolean): void;
}

/**
 * Volumes and their exports. The database holds the desired state; every change is made on
 * the unit first and recorded after, and a failure part-way undoes the unit's side, so the
 * two never disagree. One change per unit at a time.
 */
export class VolumeService {
  private readonly perUnit = new KeyedMutex();

  constructor(private readonly d: VolumeServiceDeps) {}

  /**
   * Three queries whatever the number of volumes (the console lists thousands), sent together:
   * SQLite reads the next one while this thread turns the rows of the last into records.
   */
  async list(): Promise<VolumeView[]> {
    const [nodeList, exports, volumes] = await Promise.all([
      this.d.nodes.list(),
      this.d.volumes.exportsGrouped(),
      this.d.volumes.list(),
    ]);
    const nodes = new Map(nodeList.map((n) => [n.id, n]));
    const ctx = { nodes, exports, reported: new Map<string, Map<string, number>>() };
    return volumes.map((v) => toView(v, ctx));
  }

  async get(id: string): Promise<VolumeRecord> {
    const v = await this.d.volumes.get(id);
    if (!v) throw new DvsanError('not-found', `no volume with id ${id}`);
    return v;
  }

  /** Where a new volume goes; the create task locks this unit before it runs. */
  async place(p: ParsedParams<'volume/create'>): Promise<Placement> {
    return placeVolume(await this.poolUnits(), p.sizeBytes, p.placement, p.unitId);
  }

  /** Two different units for the legs of a mirrored volume. */
  async placeMirror(
    sizeBytes: number,
    placement: 'most-free' | 'spread',
    unitId?: string,
  ): Promise<[Placement, Placement]> {
    return placeMirror(await this.poolUnits(), sizeBytes, placement, unitId);
  }

  private async poolUnits() {
    // "spread" counts the volumes the station made, not the unit's last report of them.
    const counts = await this.d.volumes.countByUnit();
    return (await this.d.pool.view()).units.map((u) => ({
      ...u,
      volumeCount: counts.get(u.nodeId) ?? 0,
    }));
  }

  async create(p: ParsedParams<'volume/create'>): Promise<VolumeView> {
    const same = await this.d.volumes.findByName(p.name);
    if (same) {
      // The same request twice gives the same state; a different one is a conflict.
      if (same.sizeBytes === p.sizeBytes && (!p.unitId || p.unitId === same.unitId))
        return this.publish(same);
      throw new DvsanError(
        'conflict',
        `a volume named ${p.name} already exists (${same.sizeBytes} bytes on another unit or of another size)`,
      );
    }
    const place = await this.place(p);
    const unit = await this.unit(place.unitId);
    return this.perUnit.run(unit.id, async () => {
      const agent = await this.d.agentFor(unit.id);
      await agent.call(
        'volume.create',
        { id: p.name, sizeBytes: p.sizeBytes, pool: place.pool, preallocate: p.preallocate },
        600_000,
      );
      const record: VolumeRecord = {
        id: randomUUID(),
        name: p.name,
        unitId: unit.id,
        pool: place.pool,
        sizeBytes: p.sizeBytes,
        shared: p.shared,
        iqn: volumeIqn(unit.name, p.name),
        createdAt: new Date().toISOString(),
      };
      await this.undoOnFailure(
        () => this.d.volumes.insert(record),
        () => agent.call('volume.delete', { id: p.name }),
      );
      const kind = unit.storage?.pools.find((x) => x.id === place.pool)?.kind;
      this.d.refreshUnit(unit, kind === 'directory' && !p.preallocate);
      return this.publish(record);
    });
  }

  async resize(id: string, sizeBytes: number): Promise<VolumeView> {
    const v = await this.get(id);
    if (sizeBytes < v.sizeBytes)
      throw new DvsanError(
        'invalid-params',
        `volumes only grow: ${v.name} is ${v.sizeBytes} bytes`,
      );
    if (sizeBytes === v.sizeBytes) return this.publish(v);
    const unit = await this.unit(v.unitId);
    return this.perUnit.run(unit.id, async () => {
      await (
        await this.d.agentFor(unit.id)
      ).call('volume.resize', { id: v.name, sizeBytes }, 600_000);
      await this.d.volumes.setSize(v.id, sizeBytes);
      this.d.refreshUnit(unit);
      return this.publish({ ...v, sizeBytes });
    });
  }

  async remove(id: string, force: boolean, confirm?: string): Promise<boolean> {
    const v = await this.d.volumes.get(id);
    if (!v) return false;
    const exports = await this.d.volumes.exportsOf(v.id);
    if (exports.length && !force) {
      throw new DvsanError(
        'conflict',
        `${v.name} is exported to ${exports.length} initiator(s): unexport it first, or force the delete and confirm with the volume's name`,
      );
    }
    if (exports.length && confirm !== v.name) {
      throw new DvsanError(
        'invalid-params',
        `a forced delete of an exported volume must be confirmed with its name (${v.name})`,
      );
    }
    const unit = await this.unit(v.unitId);
    return this.perUnit.run(unit.id, async () => {
      const agent = await this.d.agentFor(unit.id);
      if (exports.length) await agent.call('export.remove', { iqn: v.iqn });
      await this.undoOnFailure(
        () => agent.call('volume.delete', { id: v.name }),
        async () => {
          if (exports.length)
            await agent.call(
              'export.ensure',
              await this.exportSpec(
                v,
                unit,
                exports.map((e) => e.initiatorIqn),
              ),
            );
        },
      );
      await this.d.volumes.remove(v.id);
      this.d.refreshUnit(unit);
      this.d.bus.emit({ type: 'volume.removed', id: v.id });
      return true;
    });
  }

  async export(id: string, initiatorIqn: string, hostId?: string): Promise<VolumeView> {
    const v = await this.get(id);
    const before = (await this.d.volumes.exportsOf(v.id)).map((e) => e.initiatorIqn);
    if (before.includes(initiatorIqn)) return this.publish(v);
    if (before.length && !v.shared) {
      throw new DvsanError(
        'conflict',
        `${v.name} is already exported to ${before[0]} and is not shared: unexport it there first (mounting one non-cluster filesystem on two hosts corrupts it)`,
      );
    }
    const unit = await this.unit(v.unitId);
    return this.perUnit.run(unit.id, async () => {
      const agent = await this.d.agentFor(unit.id);
      await agent.call('export.ensure', await this.exportSpec(v, unit, [...before, initiatorIqn]));
      await this.undoOnFailure(
        () => this.d.volumes.addExport({ volumeId: v.id, initiatorIqn, hostId: hostId ?? null }),
        () => this.applyExports(agent, v, unit, before),
      );
      return this.publish(v);
    });
  }

  async unexport(id: string, initiatorIqn: string): Promise<VolumeView> {
    const v = await this.get(id);
    const before = (await this.d.volumes.exportsOf(v.id)).map((e) => e.initiatorIqn);
    if (!before.includes(initiatorIqn)) return this.publish(v);
    const unit = await this.unit(v.unitId);
    return this.perUnit.run(unit.id, async () => {
      const agent = await this.d.agentFor(unit.id);
      await this.applyExports(
        agent,
        v,
        unit,
        before.filter((i) => i !== initiatorIqn),
      );
      await this.undoOnFailure(
        () => this.d.volumes.removeExport(v.id, initiatorIqn),
        () => this.applyExports(agent, v, unit, before),
      );
      return this.publish(v);
    });
  }

  /** Compares a unit's real targets with the desired ones; repairs and removes only when applying. */
  async reconcile(
    unitId: string,
    apply: boolean,
    removeLeftovers = apply,
  ): Promise<ReconcileReport> {
    const unit = await this.unit(unitId);
    return this.perUnit.run(unit.id, async () => {
      const agent = await this.d.agentFor(unit.id);
      const real = new Map((await agent.call('export.list', {})).exports.map((e) => [e.iqn, e]));
      const desired = (await this.d.volumes.list()).filter((v) => v.unitId === unit.id);
      const exports = await this.d.volumes.exportsGrouped();
      const report: ReconcileReport = {
        unitId: unit.id,
        missing: [],
        drifted: [],
        leftovers: [],
        applied: apply,
      };
      const wanted = new Set<string>();
      for (const v of desired) {
        const initiators = (exports.get(v.id) ?? []).map((e) => e.initiatorIqn);
        if (!initiators.length) {
          // A known volume the station no longer exports (a forced detach while the unit
          // was away): its target is drift to repair, not a stranger to ask about.
          if (!real.has(v.iqn)) continue;
          wanted.add(v.iqn);
          report.drifted.push(v.iqn);
          if (apply) await agent.call('export.remove', { iqn: v.iqn });
          continue;
        }
        wanted.add(v.iqn);
        const have = real.get(v.iqn);
        if (!have) report.missing.push(v.iqn);
        else if (drifted(have, initiators)) report.drifted.push(v.iqn);
        else continue;
        if (apply) await agent.call('export.ensure', await this.exportSpec(v, unit, initiators));
      }
      for (const iqn of real.keys()) {
        if (!iqn.startsWith(iqnPrefix) || wanted.has(iqn)) continue;
        report.leftovers.push(iqn);
        if (apply && removeLeftovers) await agent.call('export.remove', { iqn });
      }
      if (report.missing.length + report.drifted.length + report.leftovers.length) {
        await this.d.events.record(
          apply ? 'info' : 'warning',
          'unit.reconcile',
          unit.id,
          `${unit.name}: ${report.missing.length} missing, ${report.drifted.length} drifted, ${report.leftovers.length} leftover export(s)${apply ? ' repaired' : ' found (preview)'}`,
          { ...report },
        );
      }
      return report;
    });
  }

  private async applyExports(
    agent: AgentLink,
    v: VolumeRecord,
    unit: NodeRecord,
    initiators: string[],
  ): Promise<void> {
    if (initiators.length)
      await agent.call('export.ensure', await this.exportSpec(v, unit, initiators));
    else await agent.call('export.remove', { iqn: v.iqn });
  }

  private async exportSpec(v: VolumeRecord, unit: NodeRecord, initiators: string[]) {
    return {
      iqn: v.iqn,
      volumeId: v.name,
      portal: { address: unit.address, port: iscsiPort },
      acls: await Promise.all(
        initiators.map(async (initiatorIqn) => ({
          initiatorIqn,
          chap: await chapFor(this.d.volumes, this.d.secrets, initiatorIqn, unit.id),
        })),
      ),
    };
  }

  /** Runs `step`; if it fails, runs `undo` (whose own failure is recorded, not hidden) and rethrows. */
  private async undoOnFailure(
    step: () => Promise<unknown>,
    undo: () => Promise<unknown>,
  ): Promise<void> {
    try {
      await step();
    } catch (err) {
      await undo().catch((undoErr: Error) =>
        this.d.events.record(
          'critical',
          'volume.rollback',
          null,
          `undoing a failed change also failed: ${undoErr.message}; run a reconcile of the unit`,
        ),
      );
      throw err;
    }
  }

  private async unit(id: string): Promise<NodeRecord> {
    const unit = await this.d.nodes.get(id);
    if (!unit || unit.role !== 'unit')
      throw new DvsanError('not-found', `no SAN unit with id ${id}`);
    if (unit.health === 'down')
      throw new DvsanError('conflict', `${unit.name} is down: try again when it is back`);
    return unit;
  }

  /** One volume's view: only its unit and the hosts it is exported to are read. */
  private async view(v: VolumeRecord): Promise<VolumeView> {
    const exports = await this.d.volumes.exportsGrouped(v.id);
    const ids = [
      v.unitId,
      ...(exports.get(v.id) ?? []).flatMap((e) => (e.hostId ? [e.hostId] : [])),
    ];
    const nodes = new Map<string, NodeRecord>();
    for (const id of new Set(ids)) {
      const node = await this.d.nodes.get(id);
      if (node) nodes.set(id, node);
    }
    return toView(v, { nodes, exports, reported: new Map() });
  }

  private async publish(v: VolumeRecord): Promise<VolumeView> {
    const view = await this.view(v);
    this.d.bus.emit({ type: 'volume.updated', volume: view });
    return view;
  }
}

function drifted(have: ExportInfo, initiators: string[]): boolean {
  const real = new Set(have.acls.map((a) => a.initiatorIqn));
  return (
    real.size !== initiators.length ||
    initiators.some((i) => !real.has(i)) ||
    have.acls.some((a) => a.chapUser === null)
  );
}

interface ViewContext {
  nodes: Map<string, NodeRecord>;
  exports: Map<string, ExportRecord[]>;
  /** Per unit: volume name → allocated bytes from its last storage report, built on first use. */
  reported: Map<string, Map<string, number>>;
}

function toView(v: VolumeRecord, ctx: ViewContext): VolumeView {
  const unit = ctx.nodes.get(v.unitId);
  let reported = ctx.reported.get(v.unitId);
  if (!reported) {
    reported = new Map((unit?.storage?.volumes ?? []).map((x) => [x.id, x.allocatedBytes]));
    ctx.reported.set(v.unitId, reported);
  }
  return {
    id: v.id,
    name: v.name,
    unitId: v.unitId,
    unitName: unit?.name ?? '?',
    pool: v.pool,
    sizeBytes: v.sizeBytes,
    allocatedBytes: reported.get(v.name) ?? null,
    shared: v.shared,
    iqn: v.iqn,
    exports: (ctx.exports.get(v.id) ?? []).map((e) => ({
      initiatorIqn: e.initiatorIqn,
      hostId: e.hostId,
      hostName: e.hostId ? (ctx.nodes.get(e.hostId)?.name ?? null) : null,
    })),
    createdAt: v.createdAt,
  };
}
