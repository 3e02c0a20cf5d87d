// The topology as data: nodes and edges from the stores' views, colours per state, the
// layered layout (units, volumes, hosts), stable placement on change, keyboard moves.
import { describe, expect, it } from 'vitest';
import type { NodeView } from '../../../protocol/nodes.js';
import {
  columnGap,
  layoutGraph,
  nextSelection,
  placeNodes,
  rowGap,
  subColumnGap,
} from '../../../renderer/pages/topology/graph-layout.js';
import {
  buildGraph,
  graphSummary,
  linkRows,
  targetOf,
  type TopologyInput,
} from '../../../renderer/pages/topology/graph-model.js';
import {
  edgeColor,
  edgeDashed,
  nodeColor,
  type GraphPalette,
} from '../../../renderer/pages/topology/graph-style.js';
import { attachment, hostNode, hostView } from './host-fixtures.js';
import { hostExport, volume } from './volume-fixtures.js';

const unitNode = (name: string, over: Partial<NodeView> = {}) =>
  hostNode(name, { role: 'unit', ...over });

/** u1 (up) holds a (exported to h1, attached) and b (not exported); u2 (down) holds c. */
/** A sample the tests may change in place (the graph itself only reads its input). */
type Mutable = {
  -readonly [K in keyof TopologyInput]: TopologyInput[K] extends readonly (infer T)[]
    ? T[]
    : TopologyInput[K];
};

function sample(): Mutable {
  return {
    nodes: [
      unitNode('u2', { health: 'down' }),
      unitNode('u1'),
      hostNode('h1'),
      hostNode('h2', { health: 'unknown' }),
    ],
    volumes: [
      volume('b', { unitId: 'id-u1' }),
      volume('c', { unitId: 'id-u2' }),
      volume('a', { unitId: 'id-u1', exports: [hostExport('h1')] }),
    ],
    hosts: [hostView('h1', [attachment('a', 'h1', { unitId: 'id-u1' })]), hostView('h2')],
  };
}

describe('buildGraph', () => {
  it('makes a node per unit, volume and host and an edge per holding and per host link', () => {
    const g = buildGraph(sample());
    expect(g.nodes.map((n) => `${n.id}=${n.state}`)).toEqual([
      'unit:id-u1=up',
      'unit:id-u2=down',
      'volume:id-a=exported',
      'volume:id-b=not-exported',
      'volume:id-c=not-exported',
      'host:id-h1=up',
      'host:id-h2=unknown',
    ]);
    expect(g.edges.map((e) => `${e.source}->${e.target}=${e.state}`)).toEqual([
      'unit:id-u1->volume:id-a=holds',
      'unit:id-u1->volume:id-b=holds',
      'unit:id-u2->volume:id-c=holds',
      // The attachment's state wins over the bare export to the same host.
      'volume:id-a->host:id-h1=attached',
    ]);
    expect(graphSummary(g)).toBe('2 units, 3 volumes, 2 hosts, 4 links');
  });

  it('shows an export to a known host before any attachment, and a failed attachment', () => {
    const input = sample();
    input.volumes.push(volume('d', { unitId: 'id-u2', exports: [hostExport('h2')] }));
    input.hosts[0] = hostView('h1', [attachment('a', 'h1', { state: 'failed' })]);
    const states = Object.fromEntries(buildGraph(input).edges.map((e) => [e.id, e.state]));
    expect(states['link:id-d:id-h2']).toBe('exported');
    expect(states['link:id-a:id-h1']).toBe('failed');
  });

  it('draws no edge to an end it cannot draw, and no host edge for a bare initiator', () => {
    const input = sample();
    input.volumes.push(
      volume('orphan', { unitId: 'id-gone' }),
      volume('raw', {
        unitId: 'id-u1',
        exports: [{ initiatorIqn: 'iqn.2005-03.org.x:y', hostId: null, hostName: null }],
      }),
    );
    const g = buildGraph(input);
    expect(g.nodes.some((n) => n.id === 'volume:id-orphan')).toBe(true);
    expect(g.edges.some((e) => e.target === 'volume:id-orphan')).toBe(false);
    expect(g.edges.filter((e) => e.source === 'volume:id-raw')).toEqual([]);
    expect(g.nodes.find((n) => n.id === 'volume:id-raw')?.state).toBe('exported');
  });

  it('orders hosts by where their volumes sit, so their edges cross less', () => {
    const input: TopologyInput = {
      nodes: [unitNode('u1'), unitNode('u2'), hostNode('h-a'), hostNode('h-z')],
      volumes: [
        volume('v1', { unitId: 'id-u1', exports: [hostExport('h-z')] }),
        volume('v2', { unitId: 'id-u2', exports: [hostExport('h-a')] }),
      ],
      hosts: [],
    };
    const hosts = buildGraph(input).nodes.filter((n) => n.kind === 'host');
    expect(hosts.map((h) => h.label)).toEqual(['h-z', 'h-a']);
  });

  it('sends clicks to the object: unit → Nodes, volume → Volumes, host link → Hosts', () => {
    const g = buildGraph(sample());
    expect(targetOf(g, 'unit:id-u1')).toEqual({ page: 'nodes', id: 'id-u1' });
    expect(targetOf(g, 'volume:id-a')).toEqual({ page: 'volumes', id: 'id-a' });
    expect(targetOf(g, 'host:id-h2')).toEqual({ page: 'hosts', id: 'id-h2' });
    expect(targetOf(g, 'holds:id-b')).toEqual({ page: 'volumes', id: 'id-b' });
    expect(targetOf(g, 'link:id-a:id-h1')).toEqual({ page: 'hosts', id: 'id-h1' });
    expect(targetOf(g, 'nothing')).toBeNull();
  });

  it('lists every link for the list view, and units or hosts with none on their own', () => {
    const rows = linkRows(buildGraph(sample()));
    expect(rows.map((r) => `${r.from.label}>${r.to?.label ?? '-'}:${r.state ?? '-'}`)).toEqual([
      'u1>a:holds',
      'u1>b:holds',
      'u2>c:holds',
      'a>h1:attached',
      'h2>-:-',
    ]);
  });
});

const palette: GraphPalette = {
  ok: 'green',
  bad: 'red',
  warn: 'orange',
  info: 'blue',
  muted: 'grey',
  text: 'black',
  background: 'white',
  edge: 'silver',
  focus: 'purple',
};

describe('colours per state', () => {
  it.each([
    ['up', 'green'],
    ['down', 'red'],
    ['unknown', 'grey'],
    ['exported', 'blue'],
    ['not-exported', 'grey'],
  ] as const)('a %s node is %s', (state, colour) => {
    expect(nodeColor(state, palette)).toBe(colour);
  });

  it.each([
    ['holds', 'silver', false],
    ['exported', 'blue', true],
    ['attaching', 'orange', true],
    ['detaching', 'orange', true],
    ['attached', 'green', false],
    ['failed', 'red', false],
  ] as const)('a %s edge is %s (dashed: %s)', (state, colour, dashed) => {
    expect(edgeColor(state, palette)).toBe(colour);
    expect(edgeDashed(state)).toBe(dashed);
  });
});

/** n units with four volumes each, a host per unit using its first volume. */
function big(units: number): Mutable {
  const input: Mutable = { nodes: [], volumes: [], hosts: [] };
  for (let u = 0; u < units; u++) {
    const name = `u${String(u).padStart(2, '0')}`;
    const host = `h${String(u).padStart(2, '0')}`;
    input.nodes.push(unitNode(name), hostNode(host));
    for (let v = 0; v < 4; v++)
      input.volumes.push(
        volume(`${name}-v${v}`, {
          unitId: `id-${name}`,
          exports: v === 0 ? [hostExport(host)] : [],
        }),
      );
  }
  return input;
}

describe('layout', () => {
  it('puts units left, volumes in the middle, hosts right; each unit level with its volumes', () => {
    const at = layoutGraph(buildGraph(sample()));
    const half = rowGap / 2;
    // Two volumes a row (three over two units); u1's band holds a and b, u2's holds c.
    expect(Object.fromEntries(at)).toEqual({
      'unit:id-u1': { x: 0, y: -half },
      'unit:id-u2': { x: 0, y: half },
      // a is used by a host: it goes last in u1's row, so its host edge passes no volume.
      'volume:id-b': { x: columnGap, y: -half },
      'volume:id-a': { x: columnGap + subColumnGap, y: -half },
      'volume:id-c': { x: columnGap, y: half },
      'host:id-h1': { x: 2 * columnGap + subColumnGap, y: -half },
      'host:id-h2': { x: 2 * columnGap + subColumnGap, y: half },
    });
  });

  it('gives a unit with many volumes a taller band, keeping the next unit level with its own', () => {
    const input = big(3);
    for (let v = 4; v < 20; v++) input.volumes.push(volume(`u01-x${v}`, { unitId: 'id-u01' }));
    const g = buildGraph(input);
    const at = layoutGraph(g);
    const y = (id: string) => at.get(id)!.y;
    // 28 volumes over 3 units: six across; u01 has 20, so its band is four rows tall.
    expect(y('unit:id-u01') - y('unit:id-u00')).toBe(rowGap);
    expect(y('unit:id-u02') - y('unit:id-u01')).toBe(4 * rowGap);
    expect(y('volume:id-u02-v0')).toBe(y('unit:id-u02'));
    expect(new Set([...at.values()].map((p) => `${p.x},${p.y}`)).size).toBe(g.nodes.length);
  });

  it('wraps 50 units, 200 volumes and 50 hosts into a wide block; each unit level with its volumes', () => {
    const g = buildGraph(big(50));
    expect(g.nodes).toHaveLength(300);
    const at = layoutGraph(g);
    const ys = [...at.values()].map((p) => p.y);
    const xs = [...at.values()].map((p) => p.x);
    const height = Math.max(...ys) - Math.min(...ys);
    const width = Math.max(...xs) - Math.min(...xs);
    // 25 bands of two units; the second unit of a band sits half a row lower.
    expect(height).toBe(24.5 * rowGap);
    expect(width).toBeGreaterThan(height);
    expect(width).toBeLessThan(2.5 * height);
    // No two elements share a spot.
    expect(new Set([...at.values()].map((p) => `${p.x},${p.y}`)).size).toBe(300);
    for (const i of [0, 17, 49]) {
      const name = `u${String(i).padStart(2, '0')}`;
      expect(at.get(`volume:id-${name}-v3`)!.y).toBe(at.get(`unit:id-${name}`)!.y);
    }
  });

  it("runs no edge straight through another unit's elements", () => {
    const input = big(50);
    // Some units with a second volume used by a host, so host edges leave from mid-row too.
    for (const v of input.volumes.filter((_, i) => i % 12 === 2))
      v.exports = [hostExport(`h${v.unitId.slice(-2)}`)];
    const g = buildGraph(input);
    const at = layoutGraph(g);
    const owner = new Map(
      g.edges.filter((e) => e.state === 'holds').map((e) => [e.target, e.source]),
    );
    const crossed: string[] = [];
    for (const e of g.edges) {
      const a = at.get(e.source)!;
      const b = at.get(e.target)!;
      for (const n of g.nodes) {
        if (n.id === e.source || n.id === e.target) continue;
        // Edges may run along the unit's own row of volumes: every volume there is its own.
        const unit = e.state === 'holds' ? e.source : owner.get(e.source);
        if (owner.get(n.id) === unit) continue;
        const p = at.get(n.id)!;
        if (p.x <= Math.min(a.x, b.x) || p.x >= Math.max(a.x, b.x)) continue;
        // Distance from the element's centre to the edge's line, against half an element (12 px).
        const cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
        if (Math.abs(cross) / Math.hypot(b.x - a.x, b.y - a.y) < 6) crossed.push(`${e.id}/${n.id}`);
      }
    }
    expect(crossed).toEqual([]);
  });

  it('keeps what is drawn where it is and puts a new element in a free spot', () => {
    const before = buildGraph(sample());
    const drawn = layoutGraph(before);
    // The user dragged u1 away; a new volume sorts before every other one.
    drawn.set('unit:id-u1', { x: -500, y: 300 });
    const input = sample();
    input.volumes.push(volume('0-new', { unitId: 'id-u1' }));
    const after = buildGraph(input);
    const placed = placeNodes(after, drawn);
    for (const [id, p] of drawn) expect(placed.get(id)).toEqual(p);
    const added = placed.get('volume:id-0-new')!;
    expect(added.x).toBe(columnGap);
    const spots = [...placed.values()].map((p) => `${p.x},${p.y}`);
    expect(new Set(spots).size).toBe(spots.length);
  });
});

describe('keyboard moves', () => {
  const g = buildGraph(sample());
  const at = layoutGraph(g);
  const move = (from: string | null, key: Parameters<typeof nextSelection>[3]) =>
    nextSelection(g.nodes, at, from, key);

  it('starts at the first unit and walks a column with up and down', () => {
    expect(move(null, 'ArrowDown')).toBe('unit:id-u1');
    expect(move('unit:id-u1', 'ArrowDown')).toBe('unit:id-u2');
    expect(move('unit:id-u2', 'ArrowDown')).toBeNull();
    expect(move('volume:id-a', 'ArrowUp')).toBe('volume:id-b');
  });

  it('jumps to the nearest element of the next column with left and right', () => {
    expect(move('volume:id-c', 'ArrowLeft')).toBe('unit:id-u2');
    expect(move('volume:id-a', 'ArrowRight')).toBe('host:id-h1');
    expect(move('host:id-h2', 'ArrowLeft')).toBe('volume:id-c');
    expect(move('unit:id-u1', 'ArrowLeft')).toBeNull();
  });
});
