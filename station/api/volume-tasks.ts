import type {
  LockRequest,
  ParsedParams,
  ReconcileReport,
  VolumeView,
} from '../../protocol/index.js';
import type { VolumesRepo } from '../db/volumes-repo.js';
import type { NodeService } from '../nodes/service.js';
import type { TaskEngine } from '../tasks/index.js';
import type { VolumeService } from '../volumes/service.js';
import type { CallContext } from './call-context.js';

export interface VolumeTaskDeps {
  engine: TaskEngine;
  volumes: VolumeService;
  records: VolumesRepo;
  nodes: NodeService;
}

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

/**
 * Volume changes as tasks: each takes a write lock on its volume and a read lock on the unit
 * holding it (a create: the pool and the unit the allocator picks), so two changes of one
 * volume queue behind each other while changes of other volumes run at once. The API call
 * still answers with the change's result once its task ends.
 */
export class VolumeTasks {
  constructor(private readonly d: VolumeTaskDeps) {}

  async create(p: ParsedParams<'volume/create'>, call: CallContext): Promise<VolumeView> {
    const locks: LockRequest[] = [{ kind: 'pool', id: 'pool', mode: 'write', label: 'the pool' }];
    // Where the allocator would put it now; the pool lock keeps other creates from changing that.
    // When no unit fits, the create itself reports why, inside its task.
    const unitId = p.unitId ?? (await this.placement(p));
    if (unitId) locks.push(await this.unitLock(unitId, 'read'));
    const { volume } = await this.d.engine.run({
      kind: 'volume.create',
      targets: [],
      steps: [`create ${p.name} (${gib(p.sizeBytes)})`],
      locks,
      user: call.user,
      work: async (ctx) => {
        const existed = Boolean(await this.d.records.findByName(p.name));
        const view = await ctx.runStep(
          0,
          () => this.d.volumes.create(p),
          // The same request twice returns the volume already there: never undo that one.
          existed ? undefined : (v) => this.d.volumes.remove(v.id, true, v.name),
        );
        ctx.throwIfCancelled();
        return { volume: view };
      },
    });
    return volume;
  }

  async resize(id: string, sizeBytes: number, call: CallContext): Promise<VolumeView> {
    const { name, locks } = await this.volumeLocks(id);
    const { volume } = await this.d.engine.run({
      kind: 'volume.resize',
      targets: [id],
      steps: [`grow ${name} to ${gib(sizeBytes)}`],
      locks,
      user: call.user,
      // Volumes only grow, so a finished resize has no undo.
      work: async (ctx) => ({
        volume: await ctx.runStep(0, () => this.d.volumes.resize(id, sizeBytes)),
      }),
    });
    return volume;
  }

  async remove(p: ParsedParams<'volume/delete'>, call: CallContext): Promise<{ deleted: boolean }> {
    const known = await this.d.records.get(p.id);
    if (!known) return { deleted: false };
    return this.d.engine.run({
      kind: 'volume.delete',
      targets: [p.id],
      steps: [`delete ${known.name}`],
      locks: (await this.volumeLocks(p.id)).locks,
      user: call.user,
      work: async (ctx) => ({
        deleted: await ctx.runStep(0, () => this.d.volumes.remove(p.id, p.force, p.confirm)),
      }),
    });
  }

  async export(p: ParsedParams<'volume/export'>, call: CallContext): Promise<VolumeView> {
    const { name, locks } = await this.volumeLocks(p.id);
    const { volume } = await this.d.engine.run({
      kind: 'volume.export',
      targets: [p.id],
      steps: [`export ${name} to ${p.initiatorIqn}`],
      locks,
      user: call.user,
      work: async (ctx) => {
        const before = await this.d.records.exportsOf(p.id);
        const had = before.some((e) => e.initiatorIqn === p.initiatorIqn);
        const view = await ctx.runStep(
          0,
          () => this.d.volumes.export(p.id, p.initiatorIqn, p.hostId),
          had ? undefined : () => this.d.volumes.unexport(p.id, p.initiatorIqn),
        );
        ctx.throwIfCancelled();
        return { volume: view };
      },
    });
    return volume;
  }

  async unexport(p: ParsedParams<'volume/unexport'>, call: CallContext): Promise<VolumeView> {
    const { name, locks } = await this.volumeLocks(p.id);
    const { volume } = await this.d.engine.run({
      kind: 'volume.unexport',
      targets: [p.id],
      steps: [`unexport ${name} from ${p.initiatorIqn}`],
      locks,
      user: call.user,
      work: async (ctx) => {
        const gone = (await this.d.records.exportsOf(p.id)).find(
          (e) => e.initiatorIqn === p.initiatorIqn,
        );
        const view = await ctx.runStep(
          0,
          () => this.d.volumes.unexport(p.id, p.initiatorIqn),
          gone
            ? () => this.d.volumes.export(p.id, p.initiatorIqn, gone.hostId ?? undefined)
            : undefined,
        );
        ctx.throwIfCancelled();
        return { volume: view };
      },
    });
    return volume;
  }

  /** A preview only reads the unit; a repair changes its targets, so it has the unit alone. */
  async reconcile(
    unitId: string,
    apply: boolean,
    call: CallContext,
    removeLeftovers = apply,
  ): Promise<ReconcileReport> {
    const lock = await this.unitLock(unitId, apply ? 'write' : 'read');
    return this.d.engine.run({
      kind: apply ? 'unit.reconcile' : 'unit.check',
      targets: [unitId],
      steps: [`${apply ? 'repair' : 'compare'} the exports of ${lock.label ?? unitId}`],
      locks: [lock],
      user: call.user,
      work: (ctx) => ctx.runStep(0, () => this.d.volumes.reconcile(unitId, apply, removeLeftovers)),
    });
  }

  private async placement(p: ParsedParams<'volume/create'>): Promise<string | null> {
    try {
      return (await this.d.volumes.place(p)).unitId;
    } catch {
      return null;
    }
  }

  /** The volume (write) and its unit (read), named for the queue's "waiting for" text. */
  private async volumeLocks(id: string): Promise<{ name: string; locks: LockRequest[] }> {
    const v = await this.d.volumes.get(id);
    return {
      name: v.name,
      locks: [
        await this.unitLock(v.unitId, 'read'),
        { kind: 'volume', id: v.id, mode: 'write', label: v.name },
      ],
    };
  }

  private async unitLock(unitId: string, mode: LockRequest['mode']): Promise<LockRequest> {
    const name = await this.d.nodes.get(unitId).then(
      (n) => n.name,
      () => undefined,
    );
    return { kind: 'unit', id: unitId, mode, label: name };
  }
}
