import {
  DvsanError,
  type AnnounceBody,
  type HostRequestView,
  type RequestStatus,
} from '../../protocol/index.js';
import type { AttachmentsRepo, HostRequestRecord } from '../db/attachments-repo.js';
import type { NodesRepo } from '../db/nodes-repo.js';
import type { SettingsRepo } from '../db/settings-repo.js';
import type { VolumesRepo } from '../db/volumes-repo.js';
import type { EventLog } from '../event-log.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { AgentLink } from '../nodes/service.js';
import { KeyedMutex } from '../tasks/keyed-mutex.js';
import type { HostService } from './service.js';

export interface RequestServiceDeps {
  attachments: AttachmentsRepo;
  nodes: NodesRepo;
  volumesRepo: VolumesRepo;
  settings: SettingsRepo;
  hosts: HostService;
  events: EventLog;
  bus: EventBus;
  log: Logger;
  agentFor(nodeId: string): Promise<AgentLink>;
}

const size = (bytes: number) =>
  bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;

/**
 * Capacity a host asks for (`dvsan-agent request`): granted by policy (auto-grant size, per-host
 * quota) or queued for an admin; a grant runs one assign task. Every change of state is pushed
 * to the host's agent (`request.status`), which the waiting command reads.
 */
export class RequestService {
  private readonly perHost = new KeyedMutex();
  /** Pushes of one request land in the order they were made: a late progress line never hides its end. */
  private readonly pushes = new KeyedMutex();

  constructor(private readonly d: RequestServiceDeps) {}

  async list(state?: HostRequestRecord['state']): Promise<HostRequestView[]> {
    const names = new Map((await this.d.nodes.list()).map((n) => [n.id, n.name]));
    return (await this.d.attachments.listRequests(state)).map((r) => view(r, names.get(r.hostId)));
  }

  /** A verified `request` announce. Resent datagrams of one request are answered again. */
  async onAnnounce(body: AnnounceBody): Promise<void> {
    const asked = body.request;
    if (!asked) return;
    const host = await this.d.nodes.get(body.nodeId);
    if (!host) return;
    await this.perHost.run(host.id, async () => {
      const known = await this.d.attachments.getRequest(asked.id);
      if (known) {
        if (known.hostId === host.id) await this.push(known);
        return;
      }
      const now = new Date().toISOString();
      const record: HostRequestRecord = {
        id: asked.id,
        hostId: host.id,
        sizeBytes: asked.sizeBytes,
        mountPoint: asked.mountPoint ?? null,
        filesystem: asked.filesystem ?? (asked.mountPoint ? 'ext4' : null),
        state: 'pending',
        reason: null,
        taskId: null,
        volumeId: null,
        decidedBy: null,
        createdAt: now,
        updatedAt: now,
      };
      const refusal = host.role !== 'host' ? 'only hosts may ask for volumes' : null;
      const overQuota = refusal ?? (await this.overQuota(host.id, asked.sizeBytes));
      await this.d.attachments.insertRequest(record);
      if (overQuota) {
        await this.decide(record, 'denied', 'policy', overQuota);
        return;
      }
      const policy = (await this.d.settings.get()).requestPolicy;
      if (asked.sizeBytes <= policy.autoGrantBytes) {
        await this.grant(record, 'policy');
        return;
      }
      await this.d.events.record(
        'warning',
        'request.pending',
        host.id,
        `${host.name} asks for ${size(asked.sizeBytes)}${record.mountPoint ? ` at ${record.mountPoint}` : ''}: approve or deny it on the Hosts page (request ${record.id.slice(0, 8)})`,
        { requestId: record.id },
      );
      await this.publish(record, 'waiting for an administrator to approve it');
    });
  }

  async approve(id: string, user = 'local'): Promise<HostRequestView> {
    // Under the host's lock: two admins (or an approve and a deny) decide a request once.
    await this.decidePending(id, async (record) => {
      const quota = await this.overQuota(record.hostId, record.sizeBytes);
      if (quota) throw new DvsanError('conflict', `${quota}: raise the quota or deny the request`);
      await this.grant(record, user);
    });
    return this.viewOf(id);
  }

  async deny(id: string, reason: string | undefined, user = 'local'): Promise<HostRequestView> {
    await this.decidePending(id, (record) =>
      this.decide(record, 'denied', user, reason ?? 'denied by an administrator'),
    );
    return this.viewOf(id);
  }

  private async decidePending(
    id: string,
    decide: (record: HostRequestRecord) => Promise<void>,
  ): Promise<void> {
    const hostId = (await this.pending(id)).hostId;
    await this.perHost.run(hostId, async () => decide(await this.pending(id)));
  }

  private async grant(pending: HostRequestRecord, by: string): Promise<void> {
    await this.decide(pending, 'granted', by, null);
    const record: HostRequestRecord = { ...pending, state: 'granted', decidedBy: by };
    try {
      const { taskId } = await this.d.hosts.assign(
        {
          hostId: record.hostId,
          sizeBytes: record.sizeBytes,
          placement: 'most-free',
          mirrored: false,
          readOnly: false,
          ...(record.filesystem ? { filesystem: record.filesystem } : {}),
          ...(record.mountPoint ? { mountPoint: record.mountPoint } : {}),
        },
        {
          progress: (message) => this.publish(record, message).catch((err) => this.warn(err)),
          done: (outcome) => this.finish(record.id, outcome).catch((err) => this.warn(err)),
        },
      );
      await this.d.attachments.updateRequest(record.id, { taskId });
    } catch (err) {
      await this.decide(record, 'failed', by, (err as Error).message);
    }
  }

  private async finish(
    id: string,
    outcome: { ok: true; result: Record<string, unknown> } | { ok: false; error: Error },
  ): Promise<void> {
    const record = await this.d.attachments.getRequest(id);
    if (!record) return;
    if (!outcome.ok) {
      await this.decide(record, 'failed', record.decidedBy ?? 'policy', outcome.error.message);
      return;
    }
    const r = outcome.result;
    const volumeId = typeof r.volumeId === 'string' ? r.volumeId : null;
    await this.d.attachments.updateRequest(id, { state: 'done', volumeId });
    await this.publish(
      { ...record, state: 'done', volumeId },
      `attached ${String(r.volume)} as ${String(r.device)}${r.mountPoint ? `, mounted at ${String(r.mountPoint)}` : ''}`,
      {
        device: String(r.device),
        mountPoint: typeof r.mountPoint === 'string' ? r.mountPoint : null,
        volume: String(r.volume),
      },
    );
  }

  private async decide(
    record: HostRequestRecord,
    state: 'granted' | 'denied' | 'failed',
    by: string,
    reason: string | null,
  ): Promise<void> {
    await this.d.attachments.updateRequest(record.id, { state, decidedBy: by, reason });
    const next = { ...record, state, decidedBy: by, reason };
    const message =
      state === 'granted'
        ? `granted${by === 'policy' ? ' by policy' : ` by ${by}`}: making the volume`
        : `${state}: ${reason ?? ''}`;
    if (state !== 'granted')
      await this.d.events.record(
        state === 'failed' ? 'warning' : 'info',
        `request.${state}`,
        record.hostId,
        `request ${record.id.slice(0, 8)} for ${size(record.sizeBytes)} ${message}`,
        { requestId: record.id },
      );
    await this.publish(next, message);
  }

  /** The request's state on the console and on the host; an unreachable host is only logged. */
  private async publish(
    record: HostRequestRecord,
    message: string,
    result?: RequestStatus['result'],
  ): Promise<void> {
    await this.pushes.run(record.id, async () => {
      const host = await this.d.nodes.get(record.hostId);
      this.d.bus.emit({ type: 'request.updated', request: view(record, host?.name) });
      await this.push(record, message, result);
    });
  }

  private async push(
    record: HostRequestRecord,
    message = record.reason ?? record.state,
    result?: RequestStatus['result'],
  ): Promise<void> {
    try {
      const agent = await this.d.agentFor(record.hostId);
      await agent.call('request.status', {
        id: record.id,
        state: record.state,
        message,
        ...(result ? { result } : {}),
      });
    } catch (err) {
      this.d.log.warn({ err, request: record.id }, 'telling the host about its request failed');
    }
  }

  private warn(err: unknown): void {
    this.d.log.warn({ err }, 'a host request could not be updated');
  }

  private async overQuota(hostId: string, sizeBytes: number): Promise<string | null> {
    const quota = (await this.d.settings.get()).requestPolicy.hostQuotaBytes;
    if (quota === null) return null;
    let held = 0;
    for (const a of await this.d.attachments.ofHost(hostId))
      held += (await this.d.volumesRepo.get(a.volumeId))?.sizeBytes ?? 0;
    for (const r of await this.d.attachments.listRequests('granted'))
      if (r.hostId === hostId) held += r.sizeBytes;
    if (held + sizeBytes <= quota) return null;
    return `over the host's quota: it holds ${size(held)} of ${size(quota)} and asks for ${size(sizeBytes)}`;
  }

  private async pending(id: string): Promise<HostRequestRecord> {
    const record = await this.d.attachments.getRequest(id);
    if (!record) throw new DvsanError('not-found', `no request with id ${id}`);
    if (record.state !== 'pending')
      throw new DvsanError('conflict', `request ${id.slice(0, 8)} is already ${record.state}`);
    return record;
  }

  private async viewOf(id: string): Promise<HostRequestView> {
    const record = (await this.d.attachments.getRequest(id))!;
    return view(record, (await this.d.nodes.get(record.hostId))?.name);
  }
}

function view(r: HostRequestRecord, hostName: string | undefined): HostRequestView {
  return {
    id: r.id,
    hostId: r.hostId,
    hostName: hostName ?? '?',
    sizeBytes: r.sizeBytes,
    mountPoint: r.mountPoint,
    filesystem: r.filesystem,
    state: r.state,
    reason: r.reason,
    taskId: r.taskId,
    volumeId: r.volumeId,
    decidedBy: r.decidedBy,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}
