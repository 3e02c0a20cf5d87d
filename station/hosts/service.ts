import { randomUUID } from 'node:crypto';
import {
  DvsanError,
  type AttachmentView,
  type Filesystem,
  type HostView,
  type LockRequest,
  type Task,
  type ParsedParams,
} from '../../protocol/index.js';
import type { AttachmentRecord, AttachmentsRepo } from '../db/attachments-repo.js';
import { toView, type NodeRecord, type NodesRepo } from '../db/nodes-repo.js';
import type { VolumeRecord, VolumesRepo } from '../db/volumes-repo.js';
import type { EventLog } from '../event-log.js';
import type { EventBus } from '../events.js';
import type { AgentLink } from '../nodes/service.js';
import type { SecretBox } from '../secrets.js';
import { KeyedMutex } from '../tasks/keyed-mutex.js';
import type { TaskContext, TaskEngine, TaskSpec } from '../tasks/index.js';
import type { VolumeService } from '../volumes/service.js';
import type { MirrorsRepo } from '../db/mirrors-repo.js';
import { attachOnHost, detachOnHost } from './host-steps.js';
import { MirrorHealth } from './mirror-health.js';
import { HostMirrors } from './mirrors.js';

export interface HostServiceDeps {
  nodes: NodesRepo;
  volumes: VolumeService;
  volumesRepo: VolumesRepo;
  attachments: AttachmentsRepo;
  mirrors: MirrorsRepo;
  secrets: SecretBox;
  tasks: TaskEngine;
  bus: EventBus;
  events: EventLog;
  agentFor(nodeId: string): Promise<AgentLink>;
}

export interface AttachOptions {
  readOnly: boolean;
  filesystem?: Filesystem | undefined;
  mountPoint?: string | undefined;
}

/** Lets a host request follow the task that grants it. */
export interface AssignFollow {
  progress(message: string): void;
  done(outcome: { ok: true; result: Record<string, unknown> } | { ok: false; error: Error }): void;
}

/**
 * Volumes on hosts: attach (export to the host's initiator, log in, optionally format and
 * mount), detach, and assign (a new volume attached in one task). Each change is a task; the
 * attachment row is written before the task starts, so two attaches of one volume can never
 * both pass the checks, and removed again when the task fails.
 */
export class HostService {
  private readonly perVolume = new KeyedMutex();
  /** Per host: the attachment ids its last heartbeat said were failing. */
  private readonly faulty = new Map<string, Set<string>>();
  private readonly mirrored: HostMirrors;
  private readonly mirrorHealth: MirrorHealth;

  constructor(private readonly d: HostServiceDeps) {
    this.mirrored = new HostMirrors({
      ...d,
      reserve: (volume, host, p) => this.reserve(volume, host, p),
      publish: (host) => this.publish(host),
      mountPointFree: (host, mountPoint) => this.mountPointFree(host, mountPoint),
    });
    this.mirrorHealth = new MirrorHealth(d);
  }

  /** Attachments a station restart cut off mid-change: the console offers detach for them. */
  async recover(): Promise<void> {
    for (const a of await this.d.attachments.list())
      if (a.state === 'attaching' || a.state === 'detaching')
        await this.d.attachments.update(a.id, {
          state: 'failed',
          error: `the station stopped while ${a.state}: detach it (force if the host is gone) and attach again`,
        });
    await this.mirrored.recover();
  }

  /** A host's heartbeat names its degraded mirrors; a change raises an event (mirror-health.ts). */
  async onDegraded(hostId: string, mirrorIds: readonly string[]): Promise<void> {
    if (!(await this.mirrorHealth.onDegraded(hostId, mirrorIds))) return;
    const host = await this.d.nodes.get(hostId);
    if (host) await this.publish(host);
  }

  /**
   * A host's heartbeat names the attachments its health check fails. Only changes cost work:
   * a new fault becomes a critical event naming the volume, a cleared one an info event.
   */
  async onFaults(hostId: string, failedIds: readonly string[]): Promise<void> {
    const before = this.faulty.get(hostId) ?? new Set<string>();
    const now = new Set(failedIds);
    if (now.size === before.size && [...now].every((id) => before.has(id))) return;
    this.faulty.set(hostId, now);
    const host = await this.d.nodes.get(hostId);
    if (!host) return;
    const details = await this.hostErrors(host);
    for (const id of now) {
      if (before.has(id)) continue;
      const a = await this.d.attachments.get(id);
      const volume = a && (await this.d.volumesRepo.get(a.volumeId));
      if (!a || !volume || a.state !== 'attached') continue;
      const error = details.get(id) ?? 'its initiator reports a failure';
      await this.d.attachments.update(id, { state: 'failed', error });
      const unit = await this.d.nodes.get(volume.unitId);
      // A mirror leg failing costs redundancy, not data: the mirror's own warning says more.
      await this.d.events.record(
        a.mirrorId ? 'warning' : 'critical',
        'host.io',
        hostId,
        `${host.name}: volume ${volume.name} (on ${unit?.name ?? 'its unit'}) fails: ${error}. ${a.mirrorId ? 'It is a mirror leg: the host goes on with the other leg' : 'Check the unit; if it is gone, force-detach the volume'}`,
        { attachmentId: id, volumeId: volume.id },
      );
    }
    for (const id of before) {
      if (now.has(id)) continue;
      const a = await this.d.attachments.get(id);
      if (!a || a.state !== 'failed') continue;
      await this.d.attachments.update(id, { state: 'attached', error: null });
      const volume = await this.d.volumesRepo.get(a.volumeId);
      await this.d.events.record(
        'info',
        'host.io',
        hostId,
        `${host.name}: volume ${volume?.name ?? a.volumeId} works again`,
        { attachmentId: id },
      );
    }
    await this.publish(host);
  }

  /** The host's own words for its failing attachments; none when it cannot be asked. */
  private async hostErrors(host: NodeRecord): Promise<Map<string, string>> {
    try {
      const agent = await this.d.agentFor(host.id);
      const listed = await agent.call('initiator.list', {}, 15_000);
      return new Map(
        listed.attachments.flatMap((a) => (a.error ? [[a.attachmentId, a.error] as const] : [])),
      );
    } catch {
      return new Map();
    }
  }

  async list(): Promise<HostView[]> {
    const hosts = (await this.d.nodes.list()).filter((n) => n.role === 'host');
    const all = await this.d.attachments.list();
    return Promise.all(hosts.map((h) => this.view(h, all)));
  }

  async attach(p: ParsedParams<'host/attach'>, user?: string): Promise<{ taskId: string }> {
    const host = await this.host(p.hostId);
    const volume = await this.volume(p.volumeId);
    const record = await this.reserve(volume, host, p);
    const task = await this.startTask(() => this.d.attachments.remove(record.id), {
      kind: 'host.attach',
      targets: [volume.id, host.id],
      steps: ['export to host', 'attach on host'],
      locks: await this.locks(volume, host),
      ...(user ? { user } : {}),
      undoOnFailure: true,
      work: (ctx) => this.attachSteps(record, volume, host, p, ctx),
    });
    return { taskId: task.id };
  }

  /** A new volume, made and attached as one task; the volume goes again if the attach fails. */
  async assign(
    p: ParsedParams<'host/assign'>,
    follow?: AssignFollow,
    user?: string,
  ): Promise<{ taskId: string }> {
    const host = await this.host(p.hostId);
    if (p.mountPoint) await this.mountPointFree(host, p.mountPoint);
    const name = p.name ?? `${host.name}-${randomUUID().slice(0, 8)}`.toLowerCase();
    if (p.mirrored) return this.mirrored.assign(host, name, p, follow, user);
    if (await this.d.volumesRepo.findByName(name))
      throw new DvsanError('conflict', `a volume named ${name} exists already: pick another name`);
    const task = await this.d.tasks.start({
      kind: 'host.assign',
      targets: [host.id],
      steps: ['create volume', 'export to host', 'attach on host'],
      // A new volume changes the pool: the allocator's choice must not race another create.
      locks: [
        { kind: 'pool', id: 'pool', mode: 'write' },
        { kind: 'host', id: host.id, mode: 'write', label: host.name },
      ],
      ...(user ? { user } : {}),
      undoOnFailure: true,
      work: async (ctx) => {
        try {
          const result = await this.assignSteps(ctx, host, name, p, follow);
          follow?.done({ ok: true, result });
          return result;
        } catch (err) {
          follow?.done({ ok: false, error: err as Error });
          throw err;
        }
      },
    });
    return { taskId: task.id };
  }

  private async assignSteps(
    ctx: TaskContext,
    host: NodeRecord,
    name: string,
    p: ParsedParams<'host/assign'>,
    follow?: AssignFollow,
  ): Promise<Record<string, unknown>> {
    const volume = await ctx.runStep(
      0,
      async (step) => {
        follow?.progress(`creating volume ${name}`);
        const view = await this.d.volumes.create({
          name,
          sizeBytes: p.sizeBytes,
          placement: p.placement,
          shared: false,
          preallocate: false,
          ...(p.unitId ? { unitId: p.unitId } : {}),
        });
        step.progress(100, `${view.name} on ${view.unitName}`);
        return this.volume(view.id);
      },
      (made) => this.d.volumes.remove(made.id, true, made.name),
    );
    const record = await this.reserve(volume, host, p);
    return this.attachSteps(record, volume, host, p, ctx, follow, 1);
  }

  async detach(attachmentId: string, force: boolean, user?: string): Promise<{ taskId: string }> {
    const record = await this.d.attachments.get(attachmentId);
    if (!record) throw new DvsanError('not-found', `no attachment with id ${attachmentId}`);
    // A leg never leaves alone: md would lose its redundancy without anyone asking for that.
    if (record.mirrorId) return this.mirrored.detach(record.mirrorId, force, user);
    const host = await this.d.nodes.get(record.hostId);
    const volume = await this.d.volumesRepo.get(record.volumeId);
    if (!host || !volume) throw new DvsanError('not-found', `attachment ${attachmentId} is stale`);
    if (host.health === 'down' && !force)
      throw new DvsanError(
        'conflict',
        `${host.name} is down, so the volume cannot be unmounted there: force the detach to forget it (the host may still have it mounted)`,
      );
    // Checked and marked under the volume's lock: two detaches of one attachment start once.
    await this.perVolume.run(volume.id, async () => {
      const now = await this.d.attachments.get(record.id);
      if (!now) throw new DvsanError('not-found', `no attachment with id ${attachmentId}`);
      if (now.state === 'attaching' || now.state === 'detaching')
        throw new DvsanError(
          'conflict',
          `${volume.name} is still ${now.state} on ${host.name}: wait for that task to end`,
        );
      await this.d.attachments.update(record.id, { state: 'detaching' });
    });
    await this.publish(host);
    const task = await this.startTask(
      () => this.d.attachments.update(record.id, { state: record.state }),
      {
        kind: force ? 'host.forceDetach' : 'host.detach',
        targets: [volume.id, host.id],
        steps: ['detach on host', 'unexport'],
        locks: await this.locks(volume, host),
        ...(user ? { user } : {}),
        work: async (ctx) => {
          try {
            const warnings = await detachOnHost(this.d, ctx, record, volume, host, force);
            await this.d.attachments.remove(record.id);
            return { volume: volume.name, host: host.name, warnings };
          } catch (err) {
            await this.d.attachments.update(record.id, {
              state: 'failed',
              error: (err as Error).message,
            });
            throw err;
          } finally {
            await this.publish(host);
          }
        },
      },
    );
    return { taskId: task.id };
  }

  /** Starts a task; one that cannot even be queued puts the attachment row back by `undo`. */
  private async startTask(undo: () => Promise<void>, spec: TaskSpec): Promise<Task> {
    try {
      return await this.d.tasks.start(spec);
    } catch (err) {
      await undo();
      throw err;
    }
  }

  /** An attachment changes the volume and the host, and needs its unit to stay as it is. */
  private async locks(volume: VolumeRecord, host: NodeRecord): Promise<LockRequest[]> {
    const unit = await this.d.nodes.get(volume.unitId);
    return [
      { kind: 'volume', id: volume.id, mode: 'write', label: volume.name },
      { kind: 'host', id: host.id, mode: 'write', label: host.name },
      { kind: 'unit', id: volume.unitId, mode: 'read', ...(unit ? { label: unit.name } : {}) },
    ];
  }

  private async attachSteps(
    record: AttachmentRecord,
    volume: VolumeRecord,
    host: NodeRecord,
    p: AttachOptions,
    ctx: TaskContext,
    follow?: AssignFollow,
    firstStep = 0,
  ): Promise<Record<string, unknown>> {
    try {
      const say = (message: string) => follow?.progress(message);
      const out = await attachOnHost(this.d, ctx, say, { record, volume, host, p }, firstStep);
      await this.d.attachments.update(record.id, {
        state: 'attached',
        device: out.device,
        backend: out.backend,
        mountPoint: out.mountPoint,
        error: null,
      });
      return {
        attachmentId: record.id,
        volume: volume.name,
        volumeId: volume.id,
        host: host.name,
        device: out.device,
        mountPoint: out.mountPoint,
      };
    } catch (err) {
      await this.d.attachments.remove(record.id);
      throw err;
    } finally {
      await this.publish(host);
    }
  }

  /** The checks an attach must pass, and its row, under the volume's lock. */
  private async reserve(
    volume: VolumeRecord,
    host: NodeRecord,
    p: AttachOptions,
  ): Promise<AttachmentRecord> {
    if (p.mountPoint && !p.filesystem)
      throw new DvsanError(
        'invalid-params',
        'a mount point needs a filesystem (ext4 or xfs): it is formatted only when the volume is empty',
      );
    return this.perVolume.run(volume.id, async () => {
      const others = await this.d.attachments.ofVolume(volume.id);
      const here = others.find((a) => a.hostId === host.id);
      if (here)
        throw new DvsanError(
          'conflict',
          `${volume.name} is already attached to ${host.name}${here.device ? ` as ${here.device}` : ''}`,
        );
      if (others.length && !volume.shared)
        throw new DvsanError(
          'conflict',
          `${volume.name} is attached to another host and is not shared: detach it there first (one non-cluster filesystem mounted on two hosts corrupts it)`,
        );
      if (others.some((a) => !a.readOnly && a.mountPoint) && p.filesystem && !p.readOnly)
        throw new DvsanError(
          'conflict',
          `${volume.name} is mounted read-write on another host: mount it read-only here, or use a cluster filesystem on the raw device`,
        );
      if (p.mountPoint) await this.mountPointFree(host, p.mountPoint);
      const now = new Date().toISOString();
      const record: AttachmentRecord = {
        id: randomUUID(),
        volumeId: volume.id,
        hostId: host.id,
        state: 'attaching',
        readOnly: p.readOnly,
        filesystem: p.filesystem ?? null,
        mountPoint: p.mountPoint ?? null,
        device: null,
        backend: null,
        error: null,
        createdAt: now,
        updatedAt: now,
      };
      await this.d.attachments.insert(record);
      // The console shows the new attachment as 'attaching' while its task runs.
      await this.publish(host);
      return record;
    });
  }

  private async mountPointFree(host: NodeRecord, mountPoint: string): Promise<void> {
    const taken = (await this.d.attachments.ofHost(host.id)).find(
      (a) => a.mountPoint === mountPoint,
    );
    const mirror = (await this.d.mirrors.ofHost(host.id)).find((m) => m.mountPoint === mountPoint);
    if (taken || mirror)
      throw new DvsanError(
        'conflict',
        `${mountPoint} on ${host.name} already holds another dvsan volume: pick another mount point`,
      );
  }

  private async host(id: string): Promise<NodeRecord> {
    const host = await this.d.nodes.get(id);
    if (!host || host.role !== 'host') throw new DvsanError('not-found', `no host with id ${id}`);
    if (host.health === 'down')
      throw new DvsanError('conflict', `${host.name} is down: try again when it is back`);
    if (host.state !== 'ready')
      throw new DvsanError(
        'conflict',
        `${host.name} has no agent yet (state ${host.state}): deploy it first`,
      );
    return host;
  }

  private async volume(id: string): Promise<VolumeRecord> {
    const volume = await this.d.volumesRepo.get(id);
    if (!volume) throw new DvsanError('not-found', `no volume with id ${id}`);
    return volume;
  }

  private async view(host: NodeRecord, all: AttachmentRecord[]): Promise<HostView> {
    const attachments: AttachmentView[] = [];
    for (const a of all.filter((x) => x.hostId === host.id)) {
      const volume = await this.d.volumesRepo.get(a.volumeId);
      if (!volume) continue;
      const unit = await this.d.nodes.get(volume.unitId);
      attachments.push({
        id: a.id,
        volumeId: volume.id,
        volumeName: volume.name,
        unitId: volume.unitId,
        unitName: unit?.name ?? '?',
        hostId: host.id,
        hostName: host.name,
        sizeBytes: volume.sizeBytes,
        shared: volume.shared,
        state: a.state,
        readOnly: a.readOnly,
        filesystem: a.filesystem,
        mountPoint: a.mountPoint,
        device: a.device,
        backend: a.backend,
        error: a.error,
        createdAt: a.createdAt,
        mirrorId: a.mirrorId ?? null,
      });
    }
    return {
      node: toView(host),
      attachments,
      mirrors: await this.mirrorHealth.views(host, attachments),
      attachedBytes: attachments.reduce((sum, a) => sum + a.sizeBytes, 0),
    };
  }

  private async publish(host: NodeRecord): Promise<void> {
    const fresh = (await this.d.nodes.get(host.id)) ?? host;
    this.d.bus.emit({
      type: 'host.updated',
      host: await this.view(fresh, await this.d.attachments.ofHost(host.id)),
    });
  }
}
