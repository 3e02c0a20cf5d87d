// What the Hosts page shows about hosts, attachments and requests, as plain functions.
import type { AttachmentView, HostRequestView, HostView } from '../../../protocol/hosts.js';
import type { NodeView } from '../../../protocol/nodes.js';
import type { Task } from '../../../protocol/tasks.js';
import type { TagType } from '../../components/status.js';

export interface InitiatorText {
  /** "open-iscsi", "userspace", or what stands in for it. */
  backend: string;
  iqn: string | null;
  /** Why there is no backend to show, or a note about it (mutual CHAP). */
  note: string | null;
  known: boolean;
}

/**
 * The host's iSCSI initiator as its agent reported it. An inventory from before initiators
 * were reported has no field at all: that is "unknown", not "none".
 */
export function initiatorText(node: NodeView): InitiatorText {
  const info = node.inventory?.initiator;
  if (info === undefined)
    return {
      backend: 'unknown',
      iqn: null,
      note: 'unknown until the host is deployed',
      known: false,
    };
  if (info === null)
    return {
      backend: 'none',
      iqn: null,
      note: 'no usable initiator: install open-iscsi, or qemu-storage-daemon with FUSE',
      known: false,
    };
  return {
    backend: info.backend,
    iqn: info.iqn,
    note: info.mutualChap ? 'mutual CHAP' : 'one-way CHAP',
    known: true,
  };
}

export const attachmentTagType: Record<AttachmentView['state'], TagType> = {
  attaching: 'info',
  attached: 'success',
  failed: 'error',
  detaching: 'warning',
};

export const requestTagType: Record<HostRequestView['state'], TagType> = {
  pending: 'warning',
  granted: 'info',
  denied: 'default',
  done: 'success',
  failed: 'error',
};

/** Attachment counts a host row shows beside its total: what is not simply attached. */
export function attachmentSummary(host: HostView): string {
  const n = host.attachments.length;
  const busy = host.attachments.filter((a) => a.state === 'attaching' || a.state === 'detaching');
  const failed = host.attachments.filter((a) => a.state === 'failed').length;
  const parts = [`${n}`];
  if (busy.length) parts.push(`${busy.length} changing`);
  if (failed) parts.push(`${failed} failed`);
  return parts.join(', ');
}

/** Why nothing can be attached to a host now, or null when it can take a volume. */
export function attachBlocker(node: NodeView): string | null {
  if (node.state !== 'ready') return `${node.name} has no agent yet: deploy it on the Nodes page`;
  if (node.health === 'down') return `${node.name} is down`;
  return null;
}

/** Where a detach stands: a host that is down can only be force-detached. */
export function detachBlocker(a: AttachmentView, host: NodeView): string | null {
  if (a.state === 'attaching' || a.state === 'detaching') return `still ${a.state}`;
  if (host.health === 'down') return `${host.name} is down: only a force detach works`;
  return null;
}

/** The host's own tasks (attach, detach, assign), newest first, at most `limit`. */
export function hostTasks(tasks: Iterable<Task>, hostId: string, limit = 5): Task[] {
  const mine: Task[] = [];
  for (const t of tasks) if (t.kind.startsWith('host.') && t.targets.includes(hostId)) mine.push(t);
  return mine
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
    .slice(0, limit);
}

/** The volume a host task works on: its lock's label, or for an assign the volume it made. */
export function taskVolume(t: Task): string {
  const locked = t.locks.find((l) => l.kind === 'volume')?.label;
  if (locked) return locked;
  return typeof t.result?.volume === 'string' ? t.result.volume : '';
}

/** A request's short name: its id is 32 hex digits, the host prints the first 8. */
export const requestLabel = (r: HostRequestView) => r.id.slice(0, 8);

/** How a request stands or ended, in one line. */
export function requestOutcome(r: HostRequestView): string {
  const by = r.decidedBy === 'policy' ? ' by policy' : r.decidedBy ? ` by ${r.decidedBy}` : '';
  const why = r.reason ? `: ${r.reason}` : '';
  switch (r.state) {
    case 'pending':
      return 'waiting for approval';
    case 'granted':
      return `granted${by}: making the volume`;
    case 'done':
      return `granted${by}, attached`;
    case 'denied':
      return `denied${by}${why}`;
    case 'failed':
      return `failed${why}`;
  }
}
