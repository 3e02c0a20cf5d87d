import type { NodeIdentity } from '../db/nodes-repo.js';

/** What changed in a node's identity between two startups, in words for the event log. */
export function identityChanges(before: NodeIdentity | null, after: NodeIdentity): string[] {
  if (!before) return [];
  const changes: string[] = [];
  if (before.hostname !== after.hostname)
    changes.push(`hostname changed from ${before.hostname} to ${after.hostname}`);
  const addrs = (i: NodeIdentity) => new Set(i.nics.flatMap((n) => n.addresses));
  const was = addrs(before);
  const now = addrs(after);
  const added = [...now].filter((a) => !was.has(a));
  const removed = [...was].filter((a) => !now.has(a));
  if (added.length) changes.push(`new addresses ${added.join(', ')}`);
  if (removed.length) changes.push(`addresses gone ${removed.join(', ')}`);
  const nicNames = (i: NodeIdentity) =>
    i.nics
      .map((n) => `${n.name}/${n.mac}`)
      .sort()
      .join(' ');
  if (nicNames(before) !== nicNames(after))
    changes.push(`network interfaces changed (${nicNames(after) || 'none'})`);
  return changes;
}
