// The I/O benchmark's result: its shape, the goals, the printed table and the two bar charts.
import { renderBars, type Bar } from '../common/bars.js';
import type { CompareResult } from './compare.js';
import type { CaseId, CaseRun, ScalingResult } from './scaling.js';

export const goals = { compare: 0.98, spreadOverOneUnit: 3, spreadOverInBand: 3 } as const;

export interface Goal {
  target: number;
  value: number;
  met: boolean;
}

export interface IoResult {
  date: string;
  machine: {
    cpus: number;
    cpuModel: string;
    kernel: string;
    node: string;
    qemu: string;
    fio: string;
    tgt: string;
    /** 1, 5 and 15 minute load averages: the machine is shared. */
    loadBefore: number[];
    loadAfter: number[];
  };
  lab: { prefix: string; subnet: string; units: number; hosts: number };
  agentBundle: { sha256: string; builtAt: string; gitHead: string };
  notes: string[];
  compare: CompareResult | null;
  scaling: ScalingResult | null;
  goals: {
    compare: Goal | null;
    spreadOverOneUnit: Goal | null;
    spreadOverInBand: Goal | null;
  };
}

export const caseLabels: Record<CaseId, string> = {
  'unshaped-single': '1 host, unshaped',
  'unshaped-spread': '4 hosts, 4 units, unshaped',
  spread: '4 hosts, 4 units (out-band)',
  'one-unit': '4 hosts, 1 unit',
  'in-band': '4 hosts via 1 relay (in-band)',
};

/** Shorter names under the bars. */
const barLabels: Record<CaseId, string> = {
  'unshaped-single': '1 host',
  'unshaped-spread': '4 hosts on 4 units',
  spread: '4 units (out-band)',
  'one-unit': '1 unit',
  'in-band': 'relay (in-band)',
};

export const caseOf = (s: ScalingResult, id: CaseId): CaseRun | undefined =>
  s.cases.find((c) => c.id === id);

export function computeGoals(
  compare: CompareResult | null,
  scaling: ScalingResult | null,
): IoResult['goals'] {
  const goal = (target: number, value: number): Goal => ({ target, value, met: value >= target });
  const total = (id: CaseId) => (scaling ? (caseOf(scaling, id)?.totalMBps ?? NaN) : NaN);
  return {
    compare: compare ? goal(goals.compare, Math.min(...compare.jobs.map((j) => j.ratio))) : null,
    spreadOverOneUnit: scaling
      ? goal(goals.spreadOverOneUnit, total('spread') / total('one-unit'))
      : null,
    spreadOverInBand: scaling
      ? goal(goals.spreadOverInBand, total('spread') / total('in-band'))
      : null,
  };
}

const pad = (s: string, n: number) => s.padEnd(n);
const num = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '—');
const met = (g: Goal | null) => (g ? (g.met ? 'met' : 'NOT met') : 'not run');

export function formatTable(r: IoResult): string {
  const lines = [
    `bench/io — ${r.date}, ${r.machine.cpus} CPUs, load before ${r.machine.loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${r.machine.loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
  ];
  const c = r.compare;
  if (c) {
    lines.push(
      '',
      `(a) ${c.host} → ${c.unit}: dvsan host/attach vs the same target by hand, median of ${c.rounds} rounds, ${c.seconds} s each (+${c.ramp} s ramp), ${c.regionBytes / 1024 / 1024} MiB region`,
      `${pad('job', 12)}${pad('dvsan MB/s', 13)}${pad('hand MB/s', 12)}${pad('dvsan IOPS', 13)}${pad('hand IOPS', 12)}${pad('dvsan ÷ hand', 15)}per round`,
    );
    for (const j of c.jobs)
      lines.push(
        `${pad(j.id, 12)}${pad(num(j.dvsanMedianMBps), 13)}${pad(num(j.handMedianMBps), 12)}${pad(num(j.dvsanMedianIops, 0), 13)}${pad(num(j.handMedianIops, 0), 12)}${pad(num(j.ratio, 3), 15)}${j.roundRatios.map((x) => num(x, 2)).join(' ')} (median ${num(j.medianRoundRatio, 3)})`,
      );
    lines.push(
      `qsd options: ${c.qsd.same === null ? 'dvsan argv not read' : c.qsd.same ? 'the same' : 'DIFFERENT'}; loop direct I/O: dvsan ${c.loopDirectIo.dvsan}, hand ${c.loopDirectIo.hand}`,
    );
    lines.push(
      `goal: every ratio ≥ ${goals.compare}: ${met(r.goals.compare)} (lowest ${num(r.goals.compare?.value ?? NaN, 3)})`,
    );
  }
  const s = r.scaling;
  if (s) {
    lines.push(
      '',
      `(b) aggregate sequential read over one common ${s.seconds} s window (after a ${s.ramp} s ramp), each unit's link ${s.rateMbit} Mbit/s each way (${num(s.rateMbit / 8)} MB/s); ${s.attach} attach (in-band: by hand through the relay)`,
      `${pad('case', 34)}${pad('total MB/s', 12)}per host`,
    );
    for (const k of s.cases)
      lines.push(
        `${pad(caseLabels[k.id], 34)}${pad(num(k.totalMBps), 12)}${k.perHost.map((p) => num(p.mbps)).join(' + ')}${k.relayMBps !== undefined ? `  (relay sent ${num(k.relayMBps)} MB/s)` : ''}`,
      );
    lines.push(
      `goal: spread ≥ ${goals.spreadOverOneUnit}× one unit: ${met(r.goals.spreadOverOneUnit)} (${num(r.goals.spreadOverOneUnit?.value ?? NaN, 2)}×)`,
      `goal: spread ≥ ${goals.spreadOverInBand}× in-band: ${met(r.goals.spreadOverInBand)} (${num(r.goals.spreadOverInBand?.value ?? NaN, 2)}×)`,
    );
  }
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}

const dvsanColour = '#2b7a4b';
const spread = (runs: { mbps: number }[]): [number, number] => [
  Math.min(...runs.map((r) => r.mbps)),
  Math.max(...runs.map((r) => r.mbps)),
];
const handColour = '#3b6bb5';

export function renderCompareSvg(r: IoResult): string | null {
  const c = r.compare;
  if (!c) return null;
  return renderBars({
    title:
      'A volume attached by dvsan vs the same target attached by hand (MB/s, higher is better)',
    subtitle: `${c.host} → ${c.unit}, qemu-storage-daemon + FUSE + loop, fio O_DIRECT, median of ${c.rounds} rounds × ${c.seconds} s; ${r.machine.cpus} CPUs, ${r.date.slice(0, 10)}`,
    unit: 'MB/s',
    panels: c.jobs.map((j) => ({
      title: `${j.id} (${j.blockSize}, QD ${j.iodepth})`,
      bars: [
        {
          label: 'dvsan',
          value: j.dvsanMedianMBps,
          colour: dvsanColour,
          note: `${num(j.ratio, 3)}×`,
          range: spread(j.dvsan),
        },
        { label: 'by hand', value: j.handMedianMBps, colour: handColour, range: spread(j.hand) },
      ],
    })),
    footer: `Bars: medians; whiskers: lowest and highest round. Under each dvsan bar: dvsan ÷ by hand (goal ≥ ${goals.compare}). Load average before the run: ${r.machine.loadBefore[0]?.toFixed(1)}.`,
  });
}

export function renderScalingSvg(r: IoResult): string | null {
  const s = r.scaling;
  if (!s) return null;
  const linkMBps = s.rateMbit / 8;
  const colours: Record<CaseId, string> = {
    'unshaped-single': '#9a9a9a',
    'unshaped-spread': '#9a9a9a',
    spread: dvsanColour,
    'one-unit': '#c2562f',
    'in-band': '#8a4fb0',
  };
  const bar = (k: CaseRun): Bar => ({
    label: barLabels[k.id],
    value: k.totalMBps,
    colour: colours[k.id],
  });
  const shaped = s.cases.filter((k) => k.shaped);
  const unshaped = s.cases.filter((k) => !k.shaped);
  return renderBars({
    title: 'Out-band scaling: aggregate sequential read of 4 hosts (MB/s, higher is better)',
    subtitle: `each unit's link (and the relay's) shaped to ${s.rateMbit} Mbit/s with tc tbf; fio O_DIRECT 1M QD 8, ${s.seconds} s; ${r.machine.cpus} CPUs, ${r.date.slice(0, 10)}`,
    unit: 'MB/s (all hosts together)',
    barWidth: 64,
    panels: [
      {
        title: `shaped, ${s.rateMbit} Mbit/s per link`,
        bars: shaped.map(bar),
        lines: [
          { value: 4 * linkMBps, label: '4 links' },
          { value: linkMBps, label: '1 link' },
        ],
      },
      { title: 'unshaped (machine limit)', bars: unshaped.map(bar) },
    ],
    footer: `Goals: 4 units ≥ ${goals.spreadOverOneUnit}× one unit (${num(r.goals.spreadOverOneUnit?.value ?? NaN, 2)}×) and ≥ ${goals.spreadOverInBand}× in-band (${num(r.goals.spreadOverInBand?.value ?? NaN, 2)}×).`,
  });
}
