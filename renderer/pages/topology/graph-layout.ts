// Where each element of the topology sits: three layered columns, units left, volumes in the
// middle, hosts right. Each unit has a band: its volumes sit in its band, level with it, so
// ~50 units, ~200 volumes and ~50 hosts stay a wide rectangle whose edges can be followed.
import type { GraphNode, GraphNodeKind, TopologyGraph } from './graph-model.js';

export interface Position {
  x: number;
  y: number;
}

export const rowGap = 56;
export const subColumnGap = 170;
export const columnGap = 280;
/** Past this many units the units column wraps into sub-columns. */
export const maxRows = 25;
/** Hosts wrap once they pass this many rows, or the height of the bands if that is more. */
const minHostRows = 8;
/** Volumes a unit shows side by side before its band grows by a row. */
const maxVolumesAcross = 6;

export const columnOrder: readonly GraphNodeKind[] = ['unit', 'volume', 'host'];

/**
 * A fresh layout. Units fill rows of `unitCols` (left to right, then down); a row of units is
 * a band as tall as its busiest unit needs. Each unit of a band gets its own block of volume
 * sub-columns, and the block order is mirrored (the leftmost unit gets the rightmost block),
 * while each unit and its volumes sit a fraction of a row lower than the unit before it: so a
 * unit's edges never run straight through another unit or another unit's volumes (they do
 * run along its own row of volumes: every volume in a unit's block is that unit's). Hosts are
 * spread over the same height; every column is centred on one middle line.
 */
export function layoutGraph(graph: TopologyGraph): Map<string, Position> {
  const of = (kind: GraphNodeKind) => graph.nodes.filter((n) => n.kind === kind);
  const units = of('unit');
  const volumes = of('volume');
  const hosts = of('host');
  const ownerOf = new Map(
    graph.edges.filter((e) => e.state === 'holds').map((e) => [e.target, e.source]),
  );
  const linked = new Set(graph.edges.filter((e) => e.state !== 'holds').map((e) => e.source));
  const held = new Map<string, GraphNode[]>(units.map((u) => [u.id, []]));
  const orphans: GraphNode[] = [];
  // Within a unit, volumes used by hosts go last (rightmost): their host edges then leave
  // the unit's row without running through its other volumes.
  const hostsLast = [
    ...volumes.filter((v) => !linked.has(v.id)),
    ...volumes.filter((v) => linked.has(v.id)),
  ];
  for (const v of hostsLast) {
    const list = held.get(ownerOf.get(v.id) ?? '');
    if (list) list.push(v);
    else orphans.push(v);
  }

  const unitCols = Math.max(Math.ceil(units.length / maxRows), 1);
  const across = Math.min(
    Math.max(Math.ceil(volumes.length / Math.max(units.length, 1)), 1),
    maxVolumesAcross,
  );
  const volumeX = (unitCols - 1) * subColumnGap + columnGap;
  const volumeCols = unitCols * across;
  const hostX = volumeX + (volumeCols - 1) * subColumnGap + columnGap;
  const rows = new Map<string, Position>(); // y in rows until the end

  let top = 0;
  for (let first = 0; first < units.length; first += unitCols) {
    let height = 1;
    units.slice(first, first + unitCols).forEach((unit, c) => {
      const shift = c / unitCols;
      const block = unitCols - 1 - c;
      rows.set(unit.id, { x: c * subColumnGap, y: top + shift });
      const mine = held.get(unit.id) ?? [];
      mine.forEach((v, j) =>
        rows.set(v.id, {
          x: volumeX + (block * across + (j % across)) * subColumnGap,
          y: top + Math.floor(j / across) + shift,
        }),
      );
      height = Math.max(height, Math.ceil(mine.length / across));
    });
    top += height;
  }
  // Volumes on a unit the station no longer lists: a band of their own, below the rest.
  orphans.forEach((v, j) =>
    rows.set(v.id, {
      x: volumeX + (j % volumeCols) * subColumnGap,
      y: top + Math.floor(j / volumeCols),
    }),
  );
  top += Math.ceil(orphans.length / volumeCols);
  const height = Math.max(top, 1);

  const hostCols = Math.max(Math.ceil(hosts.length / Math.max(height, minHostRows)), 1);
  const hostRows = Math.ceil(hosts.length / hostCols);
  // Each host row gets an equal share of the height and sits in its middle; the hosts as a
  // whole are centred on the bands' middle line.
  const share = Math.max(height / Math.max(hostRows, 1), 1);
  const offset = (height - 1) / 2 - (hostRows * share - 1) / 2 + (share - 1) / 2;
  hosts.forEach((h, k) => {
    const c = k % hostCols;
    rows.set(h.id, {
      x: hostX + c * subColumnGap,
      y: Math.floor(k / hostCols) * share + c / hostCols + offset,
    });
  });

  const middle = (height - 1) / 2;
  return new Map([...rows].map(([id, p]) => [id, { x: p.x, y: (p.y - middle) * rowGap }]));
}

const spot = (p: Position) => `${Math.round(p.x)},${Math.round(p.y)}`;

/**
 * Positions after a change, without moving what is already drawn: known elements keep where
 * they are; a new one takes its place in a fresh layout, or the first free row below it.
 */
export function placeNodes(
  graph: TopologyGraph,
  previous: ReadonlyMap<string, Position>,
): Map<string, Position> {
  const fresh = layoutGraph(graph);
  const placed = new Map<string, Position>();
  const taken = new Set<string>();
  for (const node of graph.nodes) {
    const old = previous.get(node.id);
    if (!old) continue;
    placed.set(node.id, old);
    taken.add(spot(old));
  }
  for (const node of graph.nodes) {
    if (placed.has(node.id)) continue;
    const p = { ...(fresh.get(node.id) ?? { x: 0, y: 0 }) };
    // Bounded: each step passes one taken spot, and there are only so many.
    for (let i = 0; i <= taken.size && taken.has(spot(p)); i++) p.y += rowGap;
    placed.set(node.id, p);
    taken.add(spot(p));
  }
  return placed;
}

export type ArrowKey = 'ArrowUp' | 'ArrowDown' | 'ArrowLeft' | 'ArrowRight';

/**
 * Keyboard moves over the drawn graph: up and down walk the current column in reading order,
 * left and right jump to the neighbouring column's nearest element. Nothing selected: the
 * first element. Null when there is nowhere to go.
 */
export function nextSelection(
  nodes: readonly GraphNode[],
  positions: ReadonlyMap<string, Position>,
  current: string | null,
  key: ArrowKey,
): string | null {
  const at = (n: GraphNode) => positions.get(n.id) ?? { x: 0, y: 0 };
  const column = (kind: GraphNodeKind) =>
    nodes.filter((n) => n.kind === kind).sort((a, b) => at(a).y - at(b).y || at(a).x - at(b).x);
  const here = nodes.find((n) => n.id === current);
  if (!here) return nodes[0]?.id ?? null;
  if (key === 'ArrowUp' || key === 'ArrowDown') {
    const list = column(here.kind);
    const next = list[list.indexOf(here) + (key === 'ArrowDown' ? 1 : -1)];
    return next?.id ?? null;
  }
  const step = key === 'ArrowRight' ? 1 : -1;
  for (let c = columnOrder.indexOf(here.kind) + step; c >= 0 && c < columnOrder.length; c += step) {
    const list = column(columnOrder[c]!);
    if (!list.length) continue;
    const y = at(here).y;
    const nearest = list.reduce((best, n) =>
      Math.abs(at(n).y - y) < Math.abs(at(best).y - y) ? n : best,
    );
    return nearest.id;
  }
  return null;
}
