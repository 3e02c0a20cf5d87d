import { DvsanError, type PoolUnit } from '../../protocol/index.js';
import { gib, placeVolume, type Placement } from './allocator.js';

/**
 * The two legs of a mirrored volume go to two different units, or the mirror would not survive
 * losing one. `unitId` pins the first leg; the second follows the same placement rule among the
 * other units. Pure, so every refusal is unit-tested.
 */
export function placeMirror(
  units: PoolUnit[],
  sizeBytes: number,
  placement: 'most-free' | 'spread',
  unitId?: string,
): [Placement, Placement] {
  const fits = (u: PoolUnit) =>
    u.health !== 'down' && !u.spare && u.pools.some((p) => p.freeBytes >= sizeBytes);
  const able = units.filter(fits);
  if (able.length < 2 && !unitId)
    throw new DvsanError(
      'invalid-params',
      `a mirrored volume needs two units with ${gib(sizeBytes)} free each, and ${
        able.length ? `only ${able[0]!.name} has it` : 'no unit has it'
      }: add a unit, pick a smaller size, or assign without mirroring`,
    );
  const first = placeVolume(units, sizeBytes, placement, unitId);
  const others = units.filter((u) => u.nodeId !== first.unitId);
  if (!others.some(fits)) {
    const name = units.find((u) => u.nodeId === first.unitId)?.name ?? 'that unit';
    throw new DvsanError(
      'invalid-params',
      `a mirrored volume needs a second unit with ${gib(sizeBytes)} free besides ${name}, and there is none: add a unit or pick a smaller size`,
    );
  }
  return [first, placeVolume(others, sizeBytes, placement)];
}
