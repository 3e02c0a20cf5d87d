// One table per status word, so every page colours the same state the same way.
import type { EventRecord, NodeHealth, UsageLevel } from '../../protocol/pool.js';
import { formatTime } from '../format.js';

export type TagType = 'default' | 'info' | 'success' | 'warning' | 'error';

export const healthTagType: Record<NodeHealth, TagType> = {
  up: 'success',
  down: 'error',
  unknown: 'default',
};

export const levelTagType: Record<UsageLevel, TagType> = {
  ok: 'success',
  warning: 'warning',
  critical: 'error',
};

export const severityTagType: Record<EventRecord['severity'], TagType> = {
  info: 'info',
  warning: 'warning',
  critical: 'error',
};

/** What the health tag's tooltip says: when the station last heard from the node. */
export function healthHint(health: NodeHealth, lastSeenAt: string | null): string {
  const seen = formatTime(lastSeenAt);
  if (health === 'down')
    return lastSeenAt ? `down since ${seen}, when the station last heard from it` : 'down';
  if (health === 'up') return lastSeenAt ? `up, last heard from ${seen}` : 'up';
  return 'unknown: no announce from it yet';
}
