// What the LIO part of the provision benchmark prints and writes: its result shape
// (artifacts/bench/provision-lio.json), the window medians and the two goals, a text table, and
// the plot through report.ts's renderer. targetcli is timed in two windows only (its first
// exports and its last ones, the guest filled in between), so its series has gaps.
import { fitLine, median, renderSvg, type PlotData, type Series } from './report.js';
import type { TimedOps } from './lio-targetcli.js';

export const flatGoal = 1.5;
export const speedupGoal = 10;

export interface LioResult {
  date: string;
  machine: {
    cpus: number;
    cpuModel: string;
    kernel: string;
    node: string;
    /** How the guest ran: tcg (emulated) or kvm. */
    accel: string;
    guestKernel: string;
    targetcli: string;
    load: number[];
  };
  agentBundle: { sha256: string; builtAt: string; gitHead: string };
  count: number;
  volumeBytes: number;
  hostIqn: string;
  /** What both sides exported: the backstore dvsan's agent chose, its pool, the portal. */
  storage: { backstore: string; pool: string; portal: string };
  dvsan: {
    /** Operations 1…n from a clean unit, until the count or the time budget. */
    createMs: number[];
    exportMs: number[];
    totalSeconds: number;
    stoppedByBudget: boolean;
    /** The last window, made with about `count` exports in place; failed calls listed apart. */
    last: {
      ops: number[];
      createMs: number[];
      exportMs: number[];
      /** settledMs: when the agent's saveconfig.json held the export (null: not in 15 min). */
      failures: { op: number; ms: number; message: string; settledMs: number | null }[];
    };
    setupSeconds: number;
    warmUp: { createMs: number; exportMs: number; deleteMs: number };
  };
  targetcli: {
    first: TimedOps;
    /** ops: the number of exports in place after each (the guest also holds dvsan's). */
    last: TimedOps;
    /** Exports between the windows, made by one targetcli session on stdin (not per export). */
    fill: { from: number; to: number; seconds: number; dvsanInPlace: number };
  };
}

export interface Window {
  window: [number, number];
  ms: number;
}

export interface LioStats {
  dvsanFirst: Window;
  /** null when a call of dvsan's last window failed. */
  dvsanLast: Window | null;
  /**
   * A last-window export whose station call timed out, timed until the agent had saved it:
   * its ratio to dvsan's first window, and targetcli's last window over it.
   */
  dvsanSettled: { op: number; ms: number; flat: number; speedup: number } | null;
  /** dvsan's growth over its first run, carried to `count` (latency ≈ a + b·op). */
  dvsanFit: { interceptMs: number; slopeMsPerOp: number; atCountMs: number };
  targetcliFirst: Window;
  targetcliLast: Window;
  /** dvsan's last window over its first (the goal: ≤ flatGoal). */
  flat: number | null;
  targetcliFlat: number;
  /** targetcli's median over dvsan's, at the first and the last window (the goal: ≥ speedupGoal). */
  speedupFirst: number;
  speedupLast: number | null;
  goals: { flat: boolean; speedup: boolean };
}

const windowMedian = (ops: number[], ms: number[], [lo, hi]: [number, number]) => {
  const inside = ms.filter((_, i) => ops[i]! >= lo && ops[i]! <= hi);
  if (inside.length !== hi - lo + 1) throw new Error(`no full window ${lo}–${hi} measured`);
  return median(inside)!;
};

const span = (ops: number[]): [number, number] => [ops[0]!, ops.at(-1)!];
const sum = (a: number[], b: number[]) => a.map((x, i) => x + b[i]!);

export const dvsanLatencies = (r: LioResult) => sum(r.dvsan.createMs, r.dvsan.exportMs);

export function lioStats(r: LioResult): LioStats {
  const lat = dvsanLatencies(r);
  const w = r.targetcli.first.ops.length;
  const dFirst: [number, number] = [1, w];
  const last = r.dvsan.last;
  const dvsanLast =
    last.failures.length === 0 && last.ops.length === w
      ? { window: span(last.ops), ms: median(sum(last.createMs, last.exportMs))! }
      : null;
  const fit = fitLine(lat);
  const t = r.targetcli;
  const s = {
    dvsanFirst: {
      window: dFirst,
      ms: windowMedian(
        lat.map((_, i) => i + 1),
        lat,
        dFirst,
      ),
    },
    dvsanLast,
    dvsanFit: { ...fit, atCountMs: fit.interceptMs + fit.slopeMsPerOp * r.count },
    targetcliFirst: { window: span(t.first.ops), ms: median(t.first.latenciesMs)! },
    targetcliLast: { window: span(t.last.ops), ms: median(t.last.latenciesMs)! },
  };
  const flat = dvsanLast ? dvsanLast.ms / s.dvsanFirst.ms : null;
  const settled = last.failures.find((e) => e.settledMs !== null);
  const dvsanSettled = settled
    ? {
        op: settled.op,
        ms: settled.settledMs!,
        flat: settled.settledMs! / s.dvsanFirst.ms,
        speedup: s.targetcliLast.ms / settled.settledMs!,
      }
    : null;
  const speedupLast = dvsanLast ? s.targetcliLast.ms / dvsanLast.ms : null;
  return {
    ...s,
    dvsanSettled,
    flat,
    targetcliFlat: s.targetcliLast.ms / s.targetcliFirst.ms,
    speedupFirst: s.targetcliFirst.ms / s.dvsanFirst.ms,
    speedupLast,
    goals: {
      flat: flat !== null && flat <= flatGoal,
      speedup: speedupLast !== null && speedupLast >= speedupGoal,
    },
  };
}

const f = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const wl = ([lo, hi]: [number, number]) => (lo === hi ? `#${lo}` : `#${lo}–${hi}`);

const x = (v: number | null, digits = 2) => (v === null ? '—' : `${v.toFixed(digits)}×`);

export function formatLioTable(r: LioResult): string {
  const s = lioStats(r);
  const d = r.dvsan;
  const last = d.last;
  const rows: string[][] = [
    ['tool', 'first (median ms)', 'last (median ms)', 'last/first', 'timed'],
    [
      'dvsan (StationApi → agent → configfs)',
      `${f(s.dvsanFirst.ms)} @ ${wl(s.dvsanFirst.window)}`,
      s.dvsanLast ? `${f(s.dvsanLast.ms)} @ ${wl(s.dvsanLast.window)}` : 'failed',
      x(s.flat),
      `${d.createMs.length} in ${d.totalSeconds.toFixed(0)} s + ${last.ops.length + last.failures.length}`,
    ],
    [
      'targetcli one-shot per step',
      `${f(s.targetcliFirst.ms)} @ ${wl(s.targetcliFirst.window)}`,
      `${f(s.targetcliLast.ms)} @ ${wl(s.targetcliLast.window)}`,
      x(s.targetcliFlat),
      `${r.targetcli.first.ops.length + r.targetcli.last.ops.length} in ${(r.targetcli.first.totalSeconds + r.targetcli.last.totalSeconds).toFixed(0)} s`,
    ],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)) + 2);
  const table = rows.map((row) =>
    row
      .map((c, i) => c.padEnd(widths[i]!))
      .join('')
      .trimEnd(),
  );
  const fl = r.targetcli.fill;
  const firstSplit = (ms: number[]) => f(median(ms.slice(0, s.dvsanFirst.window[1]))!);
  const lastSplit = (ms: number[]) => (ms.length ? f(median(ms)!) : '—');
  return [
    `create+export of LUN n on one VM unit (LIO, ${r.machine.accel.toUpperCase()}, guest kernel ${r.machine.guestKernel}): ${r.volumeBytes / 1024 / 1024} MiB LVM volume (${r.storage.pool}), ${r.storage.backstore} backstore, one target each, portal ${r.storage.portal}, ACL + mutual CHAP for ${r.hostIqn}, saveconfig`,
    `${r.machine.cpus} CPUs (${r.machine.cpuModel}), load before ${r.machine.load.map((l) => l.toFixed(1)).join(' ')}; targetcli ${r.machine.targetcli}; git ${r.agentBundle.gitHead}`,
    '',
    ...table,
    '',
    `dvsan split (medians): create ${firstSplit(d.createMs)} → ${lastSplit(last.createMs)} ms, export ${firstSplit(d.exportMs)} → ${lastSplit(last.exportMs)} ms`,
    `dvsan from a clean unit: ${d.createMs.length} exports in ${d.totalSeconds.toFixed(0)} s${d.stoppedByBudget ? ' (stopped by its time budget)' : ''}; latency ≈ ${s.dvsanFit.interceptMs.toFixed(0)} ms + ${s.dvsanFit.slopeMsPerOp.toFixed(0)} ms per export in place, carried to #${r.count}: ≈ ${s.dvsanFit.atCountMs.toFixed(0)} ms`,
    ...last.failures.map(
      (e) =>
        `dvsan #${e.op} FAILED after ${e.ms.toFixed(0)} ms: ${e.message.slice(0, 200)}; the agent saved it after ${e.settledMs === null ? '(not within 15 min)' : `${e.settledMs.toFixed(0)} ms`}`,
    ),
    ...(s.dvsanSettled
      ? [
          `dvsan #${s.dvsanSettled.op} until the agent had saved it: ${f(s.dvsanSettled.ms)} ms = ${x(s.dvsanSettled.flat)} its #1–${s.dvsanFirst.window[1]}; targetcli's ${wl(s.targetcliLast.window)} took ${x(s.dvsanSettled.speedup, 1)} as long`,
        ]
      : []),
    `between the windows: targetcli exports ${fl.from}–${fl.to} made by one targetcli session on stdin in ${fl.seconds.toFixed(0)} s (not per export), with ${fl.dvsanInPlace} of dvsan's in place; targetcli's last window ran at ${wl(s.targetcliLast.window)} exports in place, dvsan's after it`,
    '',
    'goals',
    `  dvsan #${r.count} ≤ ${flatGoal}× #1 (window medians): ${s.goals.flat ? 'MET' : 'NOT MET'} (${x(s.flat)})`,
    `  dvsan ≥ ${speedupGoal}× faster than targetcli at ${r.count} exports: ${s.goals.speedup ? 'MET' : 'NOT MET'} (${x(s.speedupLast, 1)}; at the first exports ${x(s.speedupFirst, 1)})`,
  ].join('\n');
}

/** A measured series as report.ts's renderer wants it; `ops` when it has gaps. */
function series(
  id: string,
  label: string,
  requested: number,
  ops: number[],
  ms: number[],
  seconds: number,
): Series {
  return {
    id,
    label,
    requested,
    done: ms.length,
    stoppedByBudget: false,
    latenciesMs: ms,
    totalSeconds: seconds,
    samples: [],
    ratioLastFirst: null,
    ratioLastFirstSingle: null,
    fit: fitLine(ms),
    projected: null,
    ops,
  };
}

export function renderLioSvg(r: LioResult): string {
  const lat = dvsanLatencies(r);
  const s = lioStats(r);
  const last = r.dvsan.last;
  const dvsan = series(
    'dvsan',
    'dvsan',
    r.count,
    [...lat.map((_, i) => i + 1), ...last.ops, ...(s.dvsanSettled ? [s.dvsanSettled.op] : [])],
    [...lat, ...sum(last.createMs, last.exportMs), ...(s.dvsanSettled ? [s.dvsanSettled.ms] : [])],
    r.dvsan.totalSeconds,
  );
  // The settled point is drawn, not counted as a timed operation.
  dvsan.done = lat.length + last.ops.length;
  dvsan.samples = [
    { op: 1, ms: lat[0] ?? null, window: s.dvsanFirst.window, medianMs: s.dvsanFirst.ms },
  ];
  const t = r.targetcli;
  const plot: PlotData = {
    count: r.count,
    date: r.date,
    machine: { cpus: r.machine.cpus },
    goals: { flat: { target: flatGoal } },
    dvsan,
    baselines: [
      series(
        'targetcli',
        'targetcli one-shot',
        r.count,
        [...t.first.ops, ...t.last.ops],
        [...t.first.latenciesMs, ...t.last.latenciesMs],
        t.first.totalSeconds + t.last.totalSeconds,
      ),
    ],
  };
  return renderSvg(plot, {
    title: `Create + export of LUN n on one LIO VM unit (${r.machine.accel.toUpperCase()}): latency of operation n (ms)`,
    subtitle: `block on LVM, CHAP; targetcli at ${wl(s.targetcliFirst.window)}, ${wl(s.targetcliLast.window)}${s.dvsanSettled ? `; dvsan #${s.dvsanSettled.op}: until the agent saved it` : ''}`,
  });
}
