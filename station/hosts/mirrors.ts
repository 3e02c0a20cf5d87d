// Mirrored volumes: two volumes on two different units, attached raw to one host and joined
// there by md RAID1. Made and removed as one task each, every step with its undo, so a failure
// part-way leaves no volume, export, session or array behind.
import { randomUUID } from 'node:crypto';
import { DvsanError, type LockRequest, type ParsedParams } from '../../protocol/index.js';
import type { AttachmentRecord, AttachmentsRepo } from '../db/attachments-repo.js';
import type { MirrorRecord, MirrorsRepo } from '../db/mirrors-repo.js';
import type { NodeRecord, NodesRepo } from '../db/nodes-repo.js';
import type { VolumeRecord, VolumesRepo } from '../db/volumes-repo.js';
import type { EventLog } from '../event-log.js';
import type { AgentLink } from '../nodes/service.js';
import type { SecretBox } from '../secrets.js';
import type { TaskContext, TaskEngine } from '../tasks/index.js';
import type { VolumeService } from '../volumes/service.js';
import { attachOnHost, detachOnHost } from './host-steps.js';
import type { AssignFollow, AttachOptions } from './service.js';

export interface HostMirrorsDeps {
  nodes: NodesRepo;
  volumes: VolumeService;
  volumesRepo: VolumesRepo;
  attachments: AttachmentsRepo;
  mirrors: MirrorsRepo;
  secrets: SecretBox;
  tasks: TaskEngine;
  events: EventLog;
  agentFor(nodeId: string): Promise<AgentLink>;
  /** HostService's checks and row for one attachment. */
  reserve(volume: VolumeRecord, host: NodeRecord, p: AttachOptions): Promise<AttachmentRecord>;
  publish(host: NodeRecord): Promise<void>;
  /** Refuses a mount point another volume or mirror on the host already uses. */
  mountPointFree(host: NodeRecord, mountPoint: string): Promise<void>;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** md's name for the array: the volume name cut to what /dev/md/<name> allows. */
export const mirrorNameOf = (name: string) => name.slice(0, 32).replace(/-+$/, '') || 'm';
/** The legs' volume names: the mirror's name with -a and -b. */
export const legNamesOf = (name: string): [string, string] => [
  `${name.slice(0, 61)}-a`,
  `${name.slice(0, 61)}-b`,
];

export const mirrorAssignSteps = [
  'create volume 1',
  'create volume 2',
  'export volume 1 to host',
  'attach volume 1',
  'export volume 2 to host',
  'attach volume 2',
  'mirror, format and mount',
];
export const mirrorDetachSteps = [
  'remove mirror on host',
  'detach volume 1',
  'unexport volume 1',
  'detach volume 2',
  'unexport volume 2',
];

export class HostMirrors {
  constructor(private readonly d: HostMirrorsDeps) {}

  /** Mirrors a station restart cut off mid-change. */
  async recover(): Promise<void> {
    for (const m of await this.d.mirrors.list())
      if (m.state === 'creating' || m.state === 'removing')
        await this.d.mirrors.update(m.id, {
          state: 'failed',
          error: `the station stopped while ${m.state === 'creating' ? 'making' : 'removing'} it: detach it (force if a unit is gone)`,
        });
  }

  /** Refuses, before anything changes, a host without md or a pool without two units. */
  async assign(
    host: NodeRecord,
    name: string,
    p: ParsedParams<'host/assign'>,
    follow?: AssignFollow,
    user?: string,
  ): Promise<{ taskId: string }> {
    await this.canMirror(host);
    if (p.mountPoint) await this.d.mountPointFree(host, p.mountPoint);
    const mdName = mirrorNameOf(name);
    const legNames = legNamesOf(name);
    for (const leg of legNames)
      if (await this.d.volumesRepo.findByName(leg))
        throw new DvsanError('conflict', `a volume named ${leg} exists already: pick another name`);
    if (await this.d.mirrors.findByName(host.id, mdName))
      throw new DvsanError(
        'conflict',
        `${host.name} has a mirror named ${mdName} already: pick another name`,
      );
    await this.d.volumes.placeMirror(p.sizeBytes, p.placement, p.unitId);
    const now = new Date().toISOString();
    const mirror: MirrorRecord = {
      id: randomUUID(),
      hostId: host.id,
      name: mdName,
      state: 'creating',
      filesystem: p.filesystem ?? null,
      mountPoint: p.mountPoint ?? null,
      device: null,
      missing: [],
      error: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.d.mirrors.insert(mirror);
    try {
      const task = await this.d.tasks.start({
        kind: 'host.assign',
        targets: [host.id],
        steps: mirrorAssignSteps,
        locks: [
          { kind: 'pool', id: 'pool', mode: 'write' },
          { kind: 'host', id: host.id, mode: 'write', label: host.name },
        ],
        ...(user ? { user } : {}),
        undoOnFailure: true,
        work: async (ctx) => {
          try {
            const result = await this.assignSteps(ctx, host, mirror, legNames, p, follow);
            follow?.done({ ok: true, result });
            return result;
          } catch (err) {
            await this.d.mirrors.remove(mirror.id);
            follow?.done({ ok: false, error: err as Error });
            throw err;
          } finally {
            await this.d.publish(host);
          }
        },
      });
      return { taskId: task.id };
    } catch (err) {
      await this.d.mirrors.remove(mirror.id);
      throw err;
    }
  }

  private async canMirror(host: NodeRecord): Promise<void> {
    let listed;
    try {
      listed = await (await this.d.agentFor(host.id)).call('mirror.list', {}, 15_000);
    } catch (err) {
      throw new DvsanError(
        'conflict',
        `${host.name} could not say whether it can mirror (${message(err)}): redeploy its agent and try again`,
      );
    }
    if (!listed.available)
      throw new DvsanError(
        'invalid-params',
        `${host.name} cannot hold a mirrored volume: ${listed.missing ?? 'md RAID1 is not available'}`,
      );
  }

  private async assignSteps(
    ctx: TaskContext,
    host: NodeRecord,
    mirror: MirrorRecord,
    legNames: [string, string],
    p: ParsedParams<'host/assign'>,
    follow?: AssignFollow,
  ): Promise<Record<string, unknown>> {
    const say = (text: string) => follow?.progress(text);
    // Placed again under the pool lock: the free space may have moved since the request.
    const places = await this.d.volumes.placeMirror(p.sizeBytes, p.placement, p.unitId);
    const volumes: VolumeRecord[] = [];
    for (const i of [0, 1] as const) {
      volumes.push(
        await ctx.runStep(
          i,
          async (step) => {
            say(`creating volume ${legNames[i]}`);
            // Checked again under the pool lock: a create of an existing name answers with that
            // volume, and this step's undo would then delete someone else's leg.
            if (await this.d.volumesRepo.findByName(legNames[i]))
              throw new DvsanError(
                'conflict',
                `a volume named ${legNames[i]} exists already: pick another name`,
              );
            const view = await this.d.volumes.create({
              name: legNames[i],
              sizeBytes: p.sizeBytes,
              placement: p.placement,
              shared: false,
              preallocate: false,
              unitId: places[i].unitId,
            });
            step.progress(100, `${view.name} on ${view.unitName}`);
            const made = await this.d.volumesRepo.get(view.id);
            if (!made) throw new DvsanError('not-found', `volume ${view.name} vanished`);
            return made;
          },
          (made) => this.d.volumes.remove(made.id, true, made.name),
        ),
      );
    }
    const legs: AttachmentRecord[] = [];
    for (const i of [0, 1] as const)
      legs.push(await this.attachLeg(ctx, host, mirror, volumes[i]!, i, say));
    const agent = await this.d.agentFor(host.id);
    const made = await ctx.runStep(
      6,
      async (step) => {
        say(`mirroring ${legNames.join(' and ')} on ${host.name}`);
        const r = await agent.call(
          'mirror.create',
          {
            mirrorId: mirror.id,
            name: mirror.name,
            legs: [legs[0]!.id, legs[1]!.id],
            ...(p.filesystem ? { filesystem: { type: p.filesystem, format: 'if-empty' } } : {}),
            ...(p.mountPoint ? { mountPoint: p.mountPoint } : {}),
            readOnly: p.readOnly,
            persistent: true,
          },
          300_000,
        );
        step.progress(100, `${r.device}${r.mountPoint ? ` mounted at ${r.mountPoint}` : ''}`);
        return r;
      },
      () => agent.call('mirror.remove', { mirrorId: mirror.id, force: true }, 120_000),
    );
    await this.d.mirrors.update(mirror.id, { state: 'whole', device: made.device, error: null });
    return {
      mirrorId: mirror.id,
      mirror: mirror.name,
      host: host.name,
      device: made.device,
      mountPoint: made.mountPoint,
      volumes: volumes.map((v) => v.name),
      attachmentIds: legs.map((l) => l.id),
    };
  }

  /** One leg: its attachment row, export and raw attach; the row goes again on undo. */
  private async attachLeg(
    ctx: TaskContext,
    host: NodeRecord,
    mirror: MirrorRecord,
    volume: VolumeRecord,
    i: 0 | 1,
    say: (text: string) => void,
  ): Promise<AttachmentRecord> {
    const record = await this.d.reserve(volume, host, { readOnly: false });
    await this.d.attachments.update(record.id, { mirrorId: mirror.id });
    ctx.onUndo(`forget attachment of ${volume.name}`, () => this.d.attachments.remove(record.id));
    try {
      const out = await attachOnHost(
        this.d,
        ctx,
        say,
        { record, volume, host, p: { readOnly: false, mirrorLeg: true } },
        2 + 2 * i,
      );
      await this.d.attachments.update(record.id, {
        state: 'attached',
        device: out.device,
        backend: out.backend,
        error: null,
      });
      return { ...record, device: out.device, mirrorId: mirror.id };
    } catch (err) {
      await this.d.attachments.remove(record.id);
      throw err;
    }
  }

  /** Removes the mirror on the host, then detaches and unexports both legs: one task. */
  async detach(mirrorId: string, force: boolean, user?: string): Promise<{ taskId: string }> {
    const mirror = await this.d.mirrors.get(mirrorId);
    if (!mirror) throw new DvsanError('not-found', `no mirror with id ${mirrorId}`);
    const host = await this.d.nodes.get(mirror.hostId);
    if (!host)
      throw new DvsanError('not-found', `mirror ${mirror.name} is stale: its host is gone`);
    if (host.health === 'down' && !force)
      throw new DvsanError(
        'conflict',
        `${host.name} is down, so mirror ${mirror.name} cannot be unmounted there: force the detach to forget it`,
      );
    if (mirror.state === 'creating' || mirror.state === 'removing')
      throw new DvsanError(
        'conflict',
        `mirror ${mirror.name} on ${host.name} is still ${mirror.state}: wait for that task to end`,
      );
    const legs = (await this.d.attachments.ofHost(host.id)).filter((a) => a.mirrorId === mirror.id);
    const volumes = await Promise.all(legs.map((l) => this.d.volumesRepo.get(l.volumeId)));
    await this.d.mirrors.update(mirror.id, { state: 'removing' });
    for (const leg of legs) await this.d.attachments.update(leg.id, { state: 'detaching' });
    await this.d.publish(host);
    const back = async () => {
      await this.d.mirrors.update(mirror.id, { state: mirror.state });
      for (const leg of legs) await this.d.attachments.update(leg.id, { state: leg.state });
    };
    try {
      const task = await this.d.tasks.start({
        kind: force ? 'host.forceDetach' : 'host.detach',
        targets: [host.id, ...legs.map((l) => l.volumeId)],
        steps: mirrorDetachSteps,
        locks: await this.locks(host, volumes),
        ...(user ? { user } : {}),
        work: async (ctx) => {
          try {
            const warnings = await this.detachSteps(ctx, host, mirror, legs, volumes, force);
            await this.d.mirrors.remove(mirror.id);
            return { mirror: mirror.name, host: host.name, warnings };
          } catch (err) {
            await this.d.mirrors.update(mirror.id, { state: 'failed', error: message(err) });
            throw err;
          } finally {
            await this.d.publish(host);
          }
        },
      });
      return { taskId: task.id };
    } catch (err) {
      await back();
      throw err;
    }
  }

  private async locks(
    host: NodeRecord,
    volumes: (VolumeRecord | undefined)[],
  ): Promise<LockRequest[]> {
    const locks: LockRequest[] = [{ kind: 'host', id: host.id, mode: 'write', label: host.name }];
    for (const v of volumes) {
      if (!v) continue;
      locks.push({ kind: 'volume', id: v.id, mode: 'write', label: v.name });
      if (!locks.some((l) => l.kind === 'unit' && l.id === v.unitId))
        locks.push({ kind: 'unit', id: v.unitId, mode: 'read' });
    }
    return locks;
  }

  private async detachSteps(
    ctx: TaskContext,
    host: NodeRecord,
    mirror: MirrorRecord,
    legs: AttachmentRecord[],
    volumes: (VolumeRecord | undefined)[],
    force: boolean,
  ): Promise<string[]> {
    const warnings: string[] = [];
    await ctx.runStep(0, async (step) => {
      if (host.health === 'down') {
        warnings.push(`${host.name} is down: it may still have mirror ${mirror.name} running`);
        step.progress(100, 'skipped: the host is down');
        return;
      }
      try {
        const agent = await this.d.agentFor(host.id);
        const r = await agent.call('mirror.remove', { mirrorId: mirror.id, force }, 120_000);
        warnings.push(...r.warnings);
        step.progress(100, r.removed ? `stopped ${mirror.name}` : 'the host had no such mirror');
      } catch (err) {
        if (!force) throw err;
        warnings.push(`${host.name} could not remove mirror ${mirror.name}: ${message(err)}`);
        step.progress(100, 'skipped: the host could not be reached');
      }
    });
    for (const [i, leg] of legs.entries()) {
      const volume = volumes[i];
      if (!volume) {
        await this.d.attachments.remove(leg.id);
        continue;
      }
      warnings.push(...(await detachOnHost(this.d, ctx, leg, volume, host, force, 1 + 2 * i)));
      await this.d.attachments.remove(leg.id);
    }
    return warnings;
  }
}
