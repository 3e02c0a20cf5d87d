// Colours and shapes per state, one table for the graph and its legend.
import type { GraphEdgeState, GraphNodeKind, GraphNodeState } from './graph-model.js';

/** The colours the graph takes from the console's theme (light or dark). */
export interface GraphPalette {
  ok: string;
  bad: string;
  warn: string;
  info: string;
  muted: string;
  text: string;
  /** Behind labels, so they stay readable over edges. */
  background: string;
  edge: string;
  focus: string;
}

type Tone = Exclude<keyof GraphPalette, 'text' | 'background' | 'edge' | 'focus'>;

const nodeTone: Record<GraphNodeState, Tone> = {
  up: 'ok',
  down: 'bad',
  unknown: 'muted',
  exported: 'info',
  'not-exported': 'muted',
};

const edgeTone: Record<GraphEdgeState, Tone | 'edge'> = {
  holds: 'edge',
  exported: 'info',
  attaching: 'warn',
  detaching: 'warn',
  attached: 'ok',
  failed: 'bad',
};

export function nodeColor(state: GraphNodeState, palette: GraphPalette): string {
  return palette[nodeTone[state]];
}

export function edgeColor(state: GraphEdgeState, palette: GraphPalette): string {
  return palette[edgeTone[state]];
}

/** Dashed while a link is only an export or is changing; solid once it is settled. */
export function edgeDashed(state: GraphEdgeState): boolean {
  return state === 'exported' || state === 'attaching' || state === 'detaching';
}

/** Cytoscape shape names: a unit is a box, a volume a barrel (a disk), a host a circle. */
export const nodeShape: Record<GraphNodeKind, string> = {
  unit: 'round-rectangle',
  volume: 'barrel',
  host: 'ellipse',
};

/** What the legend explains, in the order it shows. */
export const legend = {
  nodes: [
    { state: 'up', text: 'up' },
    { state: 'down', text: 'down' },
    { state: 'unknown', text: 'unknown (no announce yet)' },
    { state: 'exported', text: 'volume exported' },
    { state: 'not-exported', text: 'volume not exported' },
  ] satisfies { state: GraphNodeState; text: string }[],
  edges: [
    { state: 'holds', text: 'unit holds volume' },
    { state: 'exported', text: 'exported to host' },
    { state: 'attaching', text: 'attaching / detaching' },
    { state: 'attached', text: 'attached' },
    { state: 'failed', text: 'attachment failed' },
  ] satisfies { state: GraphEdgeState; text: string }[],
  shapes: [
    { kind: 'unit', text: 'SAN unit' },
    { kind: 'volume', text: 'volume' },
    { kind: 'host', text: 'host' },
  ] satisfies { kind: GraphNodeKind; text: string }[],
};
