// The announce daemon heals mirrors as part of its periodic health check: each heartbeat tick
// starts a pass unless one still runs, and never waits for it (mdadm and the initiator lock
// must not delay the heartbeat). A failure is logged when it first appears or changes, not
// every tick; the heartbeat keeps naming the mirror as degraded meanwhile.
import type { HealOutcome } from '../initiators/mirror-service.js';
import type { Log } from '../log.js';

/** Returns `kick`: starts a pass (or joins the running one); its promise never rejects. */
export function mirrorHealer(heal: () => Promise<HealOutcome[]>, log: Log): () => Promise<void> {
  let running: Promise<void> | null = null;
  const lastError = new Map<string, string>();
  const pass = async (): Promise<void> => {
    const outcomes = await heal();
    // A mirror with nothing to heal this pass (healed another way, or gone) starts afresh.
    const seen = new Set(outcomes.map((o) => o.mirrorId));
    for (const id of lastError.keys()) if (!seen.has(id)) lastError.delete(id);
    for (const o of outcomes) {
      const fields = { mirrorId: o.mirrorId, mirror: o.name, device: o.device };
      if (o.done) {
        lastError.delete(o.mirrorId);
        log('info', `mirror leg ${o.done}; md resyncs it`, { ...fields, how: o.done });
      } else if (lastError.get(o.mirrorId) !== o.error) {
        lastError.set(o.mirrorId, o.error);
        log('warn', 're-adding a mirror leg failed; retrying every heartbeat', {
          ...fields,
          error: o.error,
        });
      }
    }
  };
  return () =>
    (running ??= pass()
      .catch((err: unknown) => log('error', 'mirror heal pass failed', { error: String(err) }))
      .finally(() => {
        running = null;
      }));
}
