// What a host says about its mirrors: a heartbeat's degradedMirrors become warning and info
// events and the mirror's state; and the mirrors as clients see them.
import type { AttachmentView, MirrorView } from '../../protocol/index.js';
import type { AttachmentsRepo } from '../db/attachments-repo.js';
import type { MirrorsRepo } from '../db/mirrors-repo.js';
import type { NodeRecord, NodesRepo } from '../db/nodes-repo.js';
import type { VolumesRepo } from '../db/volumes-repo.js';
import type { EventLog } from '../event-log.js';
import type { AgentLink } from '../nodes/service.js';

export interface MirrorHealthDeps {
  nodes: NodesRepo;
  volumesRepo: VolumesRepo;
  attachments: AttachmentsRepo;
  mirrors: MirrorsRepo;
  events: EventLog;
  agentFor(nodeId: string): Promise<AgentLink>;
}

export class MirrorHealth {
  /** Per host: the mirror ids its last heartbeat said were degraded. */
  private readonly degraded = new Map<string, Set<string>>();

  constructor(private readonly d: MirrorHealthDeps) {}

  /**
   * A host's heartbeat names its mirrors that are not whole. Only changes cost work: a newly
   * degraded mirror becomes a warning naming the leg's unit, a whole one again an info event.
   */
  async onDegraded(hostId: string, ids: readonly string[]): Promise<boolean> {
    // After a station restart the database remembers which mirrors were degraded. Not the
    // failed ones: a mirror a restart cut off mid-change is failed too, and must not turn whole
    // because its host does not name it.
    const before =
      this.degraded.get(hostId) ??
      new Set(
        (await this.d.mirrors.ofHost(hostId))
          .filter((m) => m.state === 'degraded')
          .map((m) => m.id),
      );
    const now = new Set(ids);
    if (now.size === before.size && [...now].every((id) => before.has(id))) return false;
    const host = await this.d.nodes.get(hostId);
    if (!host) return false;
    // Only what was handled is remembered: a mirror named while still being made is looked at
    // again at the next heartbeat.
    const handled = new Set([...now].filter((id) => before.has(id)));
    this.degraded.set(hostId, handled);
    const reported = await this.hostReport(host);
    for (const id of now) {
      if (before.has(id)) continue;
      const m = await this.d.mirrors.get(id);
      if (!m || (m.state !== 'whole' && m.state !== 'degraded')) continue;
      handled.add(id);
      const r = reported.get(id);
      const missing = r?.missingLegs ?? [];
      const lost = await this.legWords(host.id, missing);
      const state = r?.state === 'failed' ? 'failed' : 'degraded';
      const error = r?.error ?? `mirror ${m.name} is not whole`;
      await this.d.mirrors.update(id, { state, missing, error });
      await this.d.events.record(
        'warning',
        'host.mirror',
        hostId,
        `${host.name}: mirror ${m.name} is ${state}${lost ? `: ${lost} is missing` : ''}. ${
          state === 'degraded'
            ? 'I/O goes on with the other leg, without redundancy: bring the unit back and re-add the leg, or detach the mirror'
            : `its array is not running (${error}): check the host, or force-detach the mirror`
        }`,
        { mirrorId: id, missingAttachments: missing },
      );
    }
    for (const id of before) {
      if (now.has(id)) continue;
      const m = await this.d.mirrors.get(id);
      if (!m || (m.state !== 'degraded' && m.state !== 'failed')) continue;
      await this.d.mirrors.update(id, { state: 'whole', missing: [], error: null });
      await this.d.events.record(
        'info',
        'host.mirror',
        hostId,
        `${host.name}: mirror ${m.name} is whole again`,
        { mirrorId: id },
      );
    }
    return true;
  }

  private async hostReport(host: NodeRecord) {
    try {
      const agent = await this.d.agentFor(host.id);
      const listed = await agent.call('mirror.list', {}, 15_000);
      return new Map(listed.mirrors.map((m) => [m.mirrorId, m] as const));
    } catch {
      return new Map();
    }
  }

  /** "volume x (on unit y)" for each lost leg. */
  private async legWords(hostId: string, attachmentIds: string[]): Promise<string> {
    const words: string[] = [];
    for (const id of attachmentIds) {
      const a = await this.d.attachments.get(id);
      const v = a && (await this.d.volumesRepo.get(a.volumeId));
      const unit = v && (await this.d.nodes.get(v.unitId));
      if (v && a?.hostId === hostId)
        words.push(`volume ${v.name} (on ${unit?.name ?? 'its unit'})`);
    }
    return words.join(' and ');
  }

  async views(host: NodeRecord, attachments: AttachmentView[]): Promise<MirrorView[]> {
    const mirrors = await this.d.mirrors.ofHost(host.id);
    return mirrors.map((m) => {
      const legs = attachments.filter((a) => a.mirrorId === m.id);
      return {
        id: m.id,
        name: m.name,
        hostId: host.id,
        state: m.state,
        device: m.device,
        filesystem: m.filesystem,
        mountPoint: m.mountPoint,
        sizeBytes: legs.length ? Math.min(...legs.map((l) => l.sizeBytes)) : 0,
        legs: legs.map((l) => ({
          attachmentId: l.id,
          volumeId: l.volumeId,
          volumeName: l.volumeName,
          unitId: l.unitId,
          unitName: l.unitName,
          missing: m.missing.includes(l.id),
        })),
        error: m.error,
        createdAt: m.createdAt,
      };
    });
  }
}
