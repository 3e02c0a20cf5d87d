import { DvsanError, type PoolUnit } from '../../protocol/index.js';

export interface Placement {
  unitId: string;
  pool: string;
}

export const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;

/**
 * Picks the unit and data pool for a new volume: only units that are up, not spare, with a
 * pool (directory or LVM volume group) that has the room. "most-free" takes the most free
 * space; "spread" the unit with the fewest volumes (then the most free). Pure, so every rule
 * is unit-tested.
 */
export function placeVolume(
  units: PoolUnit[],
  sizeBytes: number,
  placement: 'most-free' | 'spread',
  unitId?: string,
): Placement {
  const fits = (u: PoolUnit) =>
    u.pools.filter((p) => p.freeBytes >= sizeBytes).sort((a, b) => b.freeBytes - a.freeBytes)[0];
  if (unitId) {
    const unit = units.find((u) => u.nodeId === unitId);
    if (!unit)
      throw new DvsanError(
        'invalid-params',
        'that unit has not reported its storage yet: deploy its agent and wait for it to announce itself',
      );
    if (unit.health === 'down')
      throw new DvsanError(
        'conflict',
        `${unit.name} is down: pick another unit or wait until it is back`,
      );
    if (unit.spare)
      throw new DvsanError(
        'conflict',
        `${unit.name} is a spare unit, held back for recovery: unmark it first`,
      );
    const pool = fits(unit);
    if (!pool)
      throw new DvsanError(
        'invalid-params',
        `${unit.name} has no pool with ${gib(sizeBytes)} free (largest free: ${gib(Math.max(0, ...unit.pools.map((p) => p.freeBytes)))})`,
      );
    return { unitId: unit.nodeId, pool: pool.id };
  }
  const candidates = units.filter((u) => u.health !== 'down' && !u.spare && fits(u));
  if (!candidates.length) {
    const usable = units.filter((u) => u.health !== 'down' && !u.spare);
    const best = Math.max(0, ...usable.flatMap((u) => u.pools.map((p) => p.freeBytes)));
    throw new DvsanError(
      'invalid-params',
      usable.length
        ? `no unit has ${gib(sizeBytes)} free in one pool: the most any unit has is ${gib(best)}`
        : 'no unit is up and in the pool: deploy a SAN unit first',
    );
  }
  const order =
    placement === 'spread'
      ? (a: PoolUnit, b: PoolUnit) => a.volumeCount - b.volumeCount || b.freeBytes - a.freeBytes
      : (a: PoolUnit, b: PoolUnit) => b.freeBytes - a.freeBytes;
  const chosen = [...candidates].sort(order)[0]!;
  return { unitId: chosen.nodeId, pool: fits(chosen)!.id };
}
