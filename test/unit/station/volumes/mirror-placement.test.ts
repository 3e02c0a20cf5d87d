import { describe, expect, it } from 'vitest';
import type { PoolUnit } from '../../../../protocol/index.js';
import { placeMirror } from '../../../../station/volumes/mirror-placement.js';

const GiB = 1024 ** 3;

const unit = (nodeId: string, freeGiB: number, extra: Partial<PoolUnit> = {}): PoolUnit => ({
  nodeId,
  name: nodeId,
  health: 'up',
  spare: false,
  totalBytes: 10 * GiB,
  freeBytes: freeGiB * GiB,
  allocatedBytes: 0,
  volumeCount: 0,
  usedPct: 0,
  level: 'ok',
  pools: [
    { id: 'dir:/d', kind: 'directory', path: '/d', totalBytes: 10 * GiB, freeBytes: freeGiB * GiB },
  ],
  updatedAt: null,
  ...extra,
});

describe('placeMirror', () => {
  it('puts the two legs on the two units with the most room, never one unit twice', () => {
    const units = [unit('u1', 3), unit('u2', 8), unit('u3', 5)];
    expect(placeMirror(units, GiB, 'most-free').map((p) => p.unitId)).toEqual(['u2', 'u3']);
    expect(
      placeMirror([unit('u1', 9), unit('u2', 1)], GiB, 'most-free').map((p) => p.unitId),
    ).toEqual(['u1', 'u2']);
  });

  it('pins the first leg to the named unit and picks the second elsewhere', () => {
    const units = [unit('u1', 3), unit('u2', 8), unit('u3', 5)];
    expect(placeMirror(units, GiB, 'most-free', 'u2').map((p) => p.unitId)).toEqual(['u2', 'u3']);
    expect(placeMirror(units, GiB, 'most-free', 'u1').map((p) => p.unitId)).toEqual(['u1', 'u2']);
  });

  it('spreads the second leg to the unit with the fewest volumes', () => {
    const units = [
      unit('u1', 9, { volumeCount: 4 }),
      unit('u2', 2, { volumeCount: 0 }),
      unit('u3', 8, { volumeCount: 3 }),
    ];
    expect(placeMirror(units, GiB, 'spread').map((p) => p.unitId)).toEqual(['u2', 'u3']);
  });

  it('refuses when fewer than two units can hold the size, saying which one can', () => {
    expect(() => placeMirror([unit('u1', 8), unit('u2', 0.5)], GiB, 'most-free')).toThrow(
      'a mirrored volume needs two units with 1.0 GiB free each, and only u1 has it: add a unit, pick a smaller size, or assign without mirroring',
    );
    expect(() => placeMirror([unit('u1', 0.5)], GiB, 'most-free')).toThrow(/and no unit has it/);
    // Down and spare units do not count.
    expect(() =>
      placeMirror(
        [unit('u1', 8), unit('u2', 8, { health: 'down' }), unit('u3', 8, { spare: true })],
        GiB,
        'most-free',
      ),
    ).toThrow(/only u1 has it/);
    expect(() => placeMirror([unit('u1', 8), unit('u2', 0.5)], GiB, 'most-free', 'u1')).toThrow(
      'a mirrored volume needs a second unit with 1.0 GiB free besides u1, and there is none: add a unit or pick a smaller size',
    );
  });
});
