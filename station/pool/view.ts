import type { PoolUnit, PoolView, Settings, Thresholds, UsageLevel } from '../../protocol/index.js';
import type { NodeRecord } from '../db/nodes-repo.js';

export function levelFor(usedPct: number, t: Thresholds): UsageLevel {
  if (usedPct >= t.criticalPct) return 'critical';
  if (usedPct >= t.warningPct) return 'warning';
  return 'ok';
}

const pct = (used: number, total: number) =>
  total > 0 ? Math.round((used / total) * 1000) / 10 : 0;

/**
 * Merges every unit's last accepted storage inventory into the pool. Pure: the same records
 * always give the same view, so it is tested without a station.
 */
export function buildPoolView(nodes: NodeRecord[], settings: Settings): PoolView {
  const units: PoolUnit[] = nodes
    .filter((n) => n.role === 'unit' && n.storage !== null)
    .map((n) => {
      const storage = n.storage!;
      const totalBytes = storage.pools.reduce((s, p) => s + p.totalBytes, 0);
      const freeBytes = storage.pools.reduce((s, p) => s + p.freeBytes, 0);
      const usedPct = pct(totalBytes - freeBytes, totalBytes);
      return {
        nodeId: n.id,
        name: n.name,
        health: n.health,
        spare: n.spare,
        totalBytes,
        freeBytes,
        allocatedBytes: storage.volumes.reduce((s, v) => s + v.allocatedBytes, 0),
        volumeCount: storage.volumes.length,
        usedPct,
        level: levelFor(usedPct, settings.thresholds),
        pools: storage.pools,
        updatedAt: n.storageAt,
      };
    });
  const active = units.filter((u) => !u.spare);
  const totalBytes = active.reduce((s, u) => s + u.totalBytes, 0);
  const freeBytes = active.reduce((s, u) => s + u.freeBytes, 0);
  const usedPct = pct(totalBytes - freeBytes, totalBytes);
  return {
    totals: {
      totalBytes,
      freeBytes,
      // A down unit's space cannot take a new volume until it is back.
      allocatableBytes: active
        .filter((u) => u.health !== 'down')
        .reduce((s, u) => s + u.freeBytes, 0),
      allocatedBytes: active.reduce((s, u) => s + u.allocatedBytes, 0),
      usedPct,
      level: levelFor(usedPct, settings.thresholds),
    },
    spareBytes: units.filter((u) => u.spare).reduce((s, u) => s + u.totalBytes, 0),
    units,
    thresholds: settings.thresholds,
  };
}

export interface LevelChange {
  nodeId: string | null;
  name: string;
  from: UsageLevel;
  to: UsageLevel;
  usedPct: number;
}

/** Which units (and the pool as a whole, nodeId null) crossed a threshold since `before`. */
export function levelChanges(before: PoolView | null, after: PoolView): LevelChange[] {
  const prior = new Map(before?.units.map((u) => [u.nodeId, u.level]) ?? []);
  const changes: LevelChange[] = [];
  for (const u of after.units) {
    const from = prior.get(u.nodeId) ?? 'ok';
    if (from !== u.level)
      changes.push({ nodeId: u.nodeId, name: u.name, from, to: u.level, usedPct: u.usedPct });
  }
  const poolFrom = before?.totals.level ?? 'ok';
  if (poolFrom !== after.totals.level) {
    changes.push({
      nodeId: null,
      name: 'the pool',
      from: poolFrom,
      to: after.totals.level,
      usedPct: after.totals.usedPct,
    });
  }
  return changes;
}
