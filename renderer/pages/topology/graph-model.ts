// The topology as plain data: which units hold which volumes and which hosts use them. The
// graph component draws this; the list view and the tests read it directly.
import type { HostView } from '../../../protocol/hosts.js';
import type { NodeView } from '../../../protocol/nodes.js';
import type { NodeHealth } from '../../../protocol/pool.js';
import type { VolumeView } from '../../../protocol/volumes.js';
import { formatBytes } from '../../format.js';
import { byName } from '../../collate.js';

export type GraphNodeKind = 'unit' | 'volume' | 'host';
export type VolumeState = 'exported' | 'not-exported';
export type GraphNodeState = NodeHealth | VolumeState;
/** 'holds': unit → volume; the rest: volume → host, an export or an attachment's state. */
export type GraphEdgeState =
  'holds' | 'exported' | 'attaching' | 'attached' | 'failed' | 'detaching';

export interface GraphNode {
  /** Unique in the graph: `${kind}:${objectId}`. */
  id: string;
  kind: GraphNodeKind;
  /** The station's id of the unit, volume or host. */
  objectId: string;
  label: string;
  state: GraphNodeState;
  /** One line for tooltips and screen readers. */
  description: string;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  state: GraphEdgeState;
}

export interface TopologyGraph {
  /** In column order (units, volumes, hosts), each column in its drawing order. */
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface TopologyInput {
  /** Every node the station knows; hosts among them without a HostView still show. */
  nodes: readonly NodeView[];
  volumes: readonly VolumeView[];
  hosts: readonly HostView[];
}

export const nodeKey = (kind: GraphNodeKind, objectId: string) => `${kind}:${objectId}`;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Builds the graph: units in name order; volumes grouped by their unit in that order, so a
 * unit's edges run straight across; hosts ordered by where their volumes sit (the mean row
 * of their volumes), so host edges cross as little as a simple rule allows.
 */
export function buildGraph(input: TopologyInput): TopologyGraph {
  const units = input.nodes.filter((n) => n.role === 'unit').sort((a, b) => byName(a.name, b.name));
  const unitOrder = new Map(units.map((u, i) => [u.id, i]));
  const volumes = [...input.volumes].sort(
    (a, b) =>
      (unitOrder.get(a.unitId) ?? units.length) - (unitOrder.get(b.unitId) ?? units.length) ||
      byName(a.name, b.name),
  );
  const volumeRow = new Map(volumes.map((v, i) => [v.id, i]));

  // Host links: exports name the host when the station knows it; attachments add their state.
  const links = new Map<string, GraphEdge>();
  for (const v of volumes)
    for (const exp of v.exports)
      if (exp.hostId) {
        const edge = linkEdge(v.id, exp.hostId, 'exported');
        links.set(edge.id, edge);
      }
  const hostViews = new Map(input.hosts.map((h) => [h.node.id, h]));
  for (const host of input.hosts)
    for (const a of host.attachments) {
      const edge = linkEdge(a.volumeId, a.hostId, a.state);
      links.set(edge.id, edge);
    }

  const hostNodes = new Map<string, NodeView>();
  for (const n of input.nodes) if (n.role === 'host') hostNodes.set(n.id, n);
  for (const h of input.hosts) if (!hostNodes.has(h.node.id)) hostNodes.set(h.node.id, h.node);
  const hostRows = new Map<string, number[]>();
  for (const edge of links.values()) {
    const row = volumeRow.get(edge.source.slice('volume:'.length));
    const host = edge.target.slice('host:'.length);
    if (row !== undefined) hostRows.set(host, [...(hostRows.get(host) ?? []), row]);
  }
  const meanRow = (id: string) => {
    const rows = hostRows.get(id);
    return rows ? rows.reduce((s, r) => s + r, 0) / rows.length : Number.POSITIVE_INFINITY;
  };
  const hosts = [...hostNodes.values()].sort(
    (a, b) => meanRow(a.id) - meanRow(b.id) || byName(a.name, b.name),
  );

  const nodes: GraphNode[] = [
    ...units.map((u) => ({
      id: nodeKey('unit', u.id),
      kind: 'unit' as const,
      objectId: u.id,
      label: u.name,
      state: u.health,
      description: `unit ${u.name}, ${u.health}, ${plural(volumeCount(volumes, u.id), 'volume')}`,
    })),
    ...volumes.map((v) => {
      const state: VolumeState = v.exports.length ? 'exported' : 'not-exported';
      return {
        id: nodeKey('volume', v.id),
        kind: 'volume' as const,
        objectId: v.id,
        label: v.name,
        state,
        description: `volume ${v.name}, ${formatBytes(v.sizeBytes)} on ${v.unitName}, ${
          v.exports.length ? `exported to ${plural(v.exports.length, 'initiator')}` : 'not exported'
        }`,
      };
    }),
    ...hosts.map((n) => ({
      id: nodeKey('host', n.id),
      kind: 'host' as const,
      objectId: n.id,
      label: n.name,
      state: n.health,
      description: `host ${n.name}, ${n.health}, ${plural(
        hostViews.get(n.id)?.attachments.length ?? 0,
        'attached volume',
      )}`,
    })),
  ];

  // An edge needs both ends drawn: a volume on a unit the station no longer lists keeps no edge.
  const present = new Set(nodes.map((n) => n.id));
  const edges = [
    ...volumes.map((v) => ({
      id: `holds:${v.id}`,
      source: nodeKey('unit', v.unitId),
      target: nodeKey('volume', v.id),
      state: 'holds' as const,
    })),
    ...links.values(),
  ].filter((e) => present.has(e.source) && present.has(e.target));
  return { nodes, edges };
}

function linkEdge(volumeId: string, hostId: string, state: GraphEdgeState): GraphEdge {
  return {
    id: `link:${volumeId}:${hostId}`,
    source: nodeKey('volume', volumeId),
    target: nodeKey('host', hostId),
    state,
  };
}

function volumeCount(volumes: readonly VolumeView[], unitId: string): number {
  return volumes.filter((v) => v.unitId === unitId).length;
}

/** Where clicking (or Enter on) an element goes: a page and the object it opens there. */
export interface Target {
  page: string;
  id: string;
}

export function targetOf(graph: TopologyGraph, elementId: string): Target | null {
  const node = graph.nodes.find((n) => n.id === elementId);
  if (node) return nodeTarget(node);
  const edge = graph.edges.find((e) => e.id === elementId);
  if (!edge) return null;
  // Both kinds point at what they are about: a unit's edge at the volume it holds, a volume's
  // edge at the host, whose page shows the attachment.
  const end = graph.nodes.find((n) => n.id === edge.target);
  return end ? nodeTarget(end) : null;
}

function nodeTarget(node: GraphNode): Target {
  const page = { unit: 'nodes', volume: 'volumes', host: 'hosts' }[node.kind];
  return { page, id: node.objectId };
}

/** One row of the list view: a link, or a unit or host with no link at all. */
export interface LinkRow {
  key: string;
  from: GraphNode;
  to: GraphNode | null;
  state: GraphEdgeState | null;
}

export function linkRows(graph: TopologyGraph): LinkRow[] {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const linked = new Set<string>();
  const rows: LinkRow[] = [];
  for (const e of graph.edges) {
    const from = byId.get(e.source);
    const to = byId.get(e.target);
    if (!from || !to) continue;
    linked.add(from.id).add(to.id);
    rows.push({ key: e.id, from, to, state: e.state });
  }
  for (const n of graph.nodes)
    if (!linked.has(n.id)) rows.push({ key: n.id, from: n, to: null, state: null });
  return rows;
}

/** Counts for the caption, e.g. "2 units, 1 volume, 1 host, 2 links". */
export function graphSummary(graph: TopologyGraph): string {
  const count = (kind: GraphNodeKind) => graph.nodes.filter((n) => n.kind === kind).length;
  return [
    plural(count('unit'), 'unit'),
    plural(count('volume'), 'volume'),
    plural(count('host'), 'host'),
    plural(graph.edges.length, 'link'),
  ].join(', ');
}
