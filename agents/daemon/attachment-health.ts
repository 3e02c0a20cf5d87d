import { maxFailedAttachments } from '../../protocol/announce.js';

/**
 * The heartbeat's `failedAttachments` (or `degradedMirrors`): ids from a host health check, at
 * most `max`, or undefined when none failed. A check that fails or takes longer than
 * `timeoutMs` leaves the field out rather than delaying the heartbeat.
 */
export async function failedAttachmentIds(
  check: () => Promise<string[]>,
  timeoutMs: number,
  max = maxFailedAttachments,
): Promise<string[] | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
  try {
    const ids = await Promise.race([check().catch(() => null), late]);
    if (!ids || ids.length === 0) return undefined;
    return [...new Set(ids)].sort().slice(0, max);
  } finally {
    clearTimeout(timer);
  }
}
