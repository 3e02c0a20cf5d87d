// The work of attach and detach tasks: the unit's export and the host's initiator, in the
// order that leaves nothing behind when a step fails.
import { DvsanError, type AgentResult } from '../../protocol/index.js';
import type { AttachmentRecord } from '../db/attachments-repo.js';
import type { NodeRecord, NodesRepo } from '../db/nodes-repo.js';
import type { VolumeRecord, VolumesRepo } from '../db/volumes-repo.js';
import type { AgentLink } from '../nodes/service.js';
import type { SecretBox } from '../secrets.js';
import type { TaskContext } from '../tasks/index.js';
import { chapFor } from '../volumes/chap.js';
import { iscsiPort, type VolumeService } from '../volumes/service.js';

export interface HostStepDeps {
  agentFor(nodeId: string): Promise<AgentLink>;
  volumes: VolumeService;
  volumesRepo: VolumesRepo;
  secrets: SecretBox;
  nodes: NodesRepo;
}

export interface AttachWork {
  record: AttachmentRecord;
  volume: VolumeRecord;
  host: NodeRecord;
  p: {
    readOnly: boolean;
    filesystem?: 'ext4' | 'xfs' | undefined;
    mountPoint?: string | undefined;
    /** A leg of a mirror: a lost session fails fast so md drops the leg. */
    mirrorLeg?: boolean;
  };
}

/** The login and the wait for the device; then a first format may take a while. */
const loginTimeoutMs = 20_000;
const attachTimeoutMs = 180_000;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Exports the volume to the host's initiator, then has the host log in (and format, mount).
 * Each step registers its undo, which the task runs in reverse on failure or cancel.
 */
export async function attachOnHost(
  d: HostStepDeps,
  ctx: TaskContext,
  say: (message: string) => void,
  { record, volume, host, p }: AttachWork,
  first: number,
): Promise<AgentResult<'initiator.attach'>> {
  const agent = await d.agentFor(host.id);
  const initiator = await agent.call('initiator.list', {});
  if (!initiator.backend || !initiator.initiatorIqn)
    throw new DvsanError(
      'conflict',
      `${host.name} has no iSCSI initiator: install open-iscsi (or qemu-system-common and qemu-block-extra for the userspace initiator), then redeploy it`,
    );
  const iqn = initiator.initiatorIqn;
  const unit = await d.nodes.get(volume.unitId);
  if (!unit) throw new DvsanError('not-found', `the unit of ${volume.name} is gone`);
  await ctx.runStep(
    first,
    async (step) => {
      say(`exporting ${volume.name} to ${host.name}`);
      const before = await d.volumesRepo.exportsOf(volume.id);
      await d.volumes.export(volume.id, iqn, host.id);
      step.progress(100, `exported to ${iqn}`);
      return !before.some((e) => e.initiatorIqn === iqn);
    },
    async (exportedHere) => {
      if (exportedHere) await d.volumes.unexport(volume.id, iqn);
    },
  );
  return ctx.runStep(
    first + 1,
    async (step) => {
      say(`logging in to ${volume.name} from ${host.name}`);
      const chap = await chapFor(d.volumesRepo, d.secrets, iqn, unit.id);
      const attached = await agent.call(
        'initiator.attach',
        {
          attachmentId: record.id,
          target: { iqn: volume.iqn, portal: { address: unit.address, port: iscsiPort }, lun: 1 },
          initiatorIqn: iqn,
          // Mutual CHAP only where the host's initiator can check the target's answer.
          chap: initiator.mutualChap ? chap : { user: chap.user, secret: chap.secret },
          readOnly: p.readOnly,
          ...(p.filesystem ? { filesystem: { type: p.filesystem, format: 'if-empty' } } : {}),
          ...(p.mountPoint ? { mountPoint: p.mountPoint } : {}),
          persistent: true,
          ...(p.mirrorLeg ? { mirrorLeg: true as const } : {}),
          timeoutMs: loginTimeoutMs,
        },
        attachTimeoutMs,
      );
      step.progress(
        100,
        `${attached.device}${attached.mountPoint ? ` mounted at ${attached.mountPoint}` : ''}`,
      );
      return attached;
    },
    () => agent.call('initiator.detach', { attachmentId: record.id, force: true }, 120_000),
  );
}

/**
 * Unmounts and logs out on the host, then unexports. Forced, it goes on past a dead host or
 * unit and returns what may have been lost; the station's desired state is cleaned either way.
 */
export async function detachOnHost(
  d: HostStepDeps,
  ctx: TaskContext,
  record: AttachmentRecord,
  volume: VolumeRecord,
  host: NodeRecord,
  force: boolean,
  first = 0,
): Promise<string[]> {
  const warnings: string[] = [];
  const where = record.mountPoint ? ` at ${record.mountPoint}` : '';
  await ctx.runStep(first, async (step) => {
    if (host.health === 'down') {
      warnings.push(
        `${host.name} is down: it may still have ${volume.name} attached${where}; writes it had not sent to the unit are lost`,
      );
      step.progress(100, 'skipped: the host is down');
      return;
    }
    try {
      const agent = await d.agentFor(host.id);
      const r = await agent.call('initiator.detach', { attachmentId: record.id, force }, 120_000);
      warnings.push(...r.warnings);
      step.progress(100, r.detached ? `detached${where}` : 'the host had no such attachment');
    } catch (err) {
      if (!force) throw err;
      warnings.push(
        `${host.name} could not be reached (${message(err)}): it may still have ${volume.name} attached${where}`,
      );
      step.progress(100, 'skipped: the host could not be reached');
    }
  });
  await ctx.runStep(first + 1, async (step) => {
    const iqns = (await d.volumesRepo.exportsOf(volume.id))
      .filter((e) => e.hostId === host.id)
      .map((e) => e.initiatorIqn);
    for (const iqn of iqns) {
      try {
        await d.volumes.unexport(volume.id, iqn);
      } catch (err) {
        if (!force) throw err;
        await d.volumesRepo.removeExport(volume.id, iqn);
        warnings.push(
          `the unit could not remove the export (${message(err)}): its target keeps ${iqn} until the unit is reconciled`,
        );
      }
    }
    step.progress(100, iqns.length ? `unexported from ${iqns.join(', ')}` : 'nothing to unexport');
  });
  for (const w of warnings) ctx.log('warn', w);
  return warnings;
}
