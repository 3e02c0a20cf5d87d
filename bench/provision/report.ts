// What the provision benchmark prints and writes: the result shape
// (artifacts/bench/provision.json), per-series statistics at the sample points, a text table
// with the goals, and a hand-written SVG of latency against operation number (log-log).
import type { Probe } from './probe.js';

/** The operations reported on their own (clipped to the operations a series has). */
export const samplePoints = [1, 10, 100, 1000] as const;

export interface SampleStat {
  op: number;
  /** That one operation's latency; null when the series stopped before it. */
  ms: number | null;
  /** The window of operations around it, and their median latency. */
  window: [number, number];
  medianMs: number | null;
}

export interface Fit {
  /** Least squares over the series' operations: latency ≈ interceptMs + slopeMsPerOp · op. */
  interceptMs: number;
  slopeMsPerOp: number;
}

export interface Series {
  id: string;
  label: string;
  requested: number;
  done: number;
  stoppedByBudget: boolean;
  latenciesMs: number[];
  totalSeconds: number;
  samples: SampleStat[];
  /** Median of ops 991–1000 over the median of ops 1–10 (the goal's ratio), when both exist. */
  ratioLastFirst: number | null;
  /** #1000 over #1, single samples. */
  ratioLastFirstSingle: number | null;
  fit: Fit;
  /** For a series stopped by its time budget: the fit carried to `requested` operations. */
  projected: { lastMs: number; totalSeconds: number } | null;
  /** Operation numbers of latenciesMs when they are not 1, 2, 3, … (windows with gaps). */
  ops?: number[];
}

export interface ProvisionResult {
  date: string;
  machine: {
    cpus: number;
    cpuModel: string;
    kernel: string;
    node: string;
    tgt: string;
    load: number[];
  };
  agentBundle: { sha256: string; builtAt: string; sourcesNewer: number; gitHead: string };
  count: number;
  volumeBytes: number;
  hostIqn: string;
  dvsan: Series & {
    createMs: number[];
    exportMs: number[];
    warmUp: { createMs: number; exportMs: number; deleteMs: number };
    setupSeconds: number;
    /** Forced deletes of every volume through the API, newest first. */
    delete: { seconds: number; firstMs: number; lastMs: number; medianMs: number };
  };
  baselines: Series[];
  probes: Probe[];
  /** dvsan total / baseline total (projected for a budget-stopped baseline): < 1 is faster. */
  ratios: Record<string, { total: number; projected: boolean; atSamples: (number | null)[] }>;
  goals: {
    flat: { target: number; value: number | null; met: boolean };
    noSlower: { against: string; value: number; met: boolean };
  };
}

export const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Operations 1–10 for #1, the last 10 for the last, #p±5 for #10 and #p±10 beyond. */
export function windowOf(op: number, count: number): [number, number] {
  if (op <= 1) return [1, Math.min(10, count)];
  if (op >= count) return [Math.max(1, count - 9), count];
  const w = op <= 10 ? 5 : 10;
  return [Math.max(1, op - w), Math.min(count, op + w)];
}

export function fitLine(ys: number[]): Fit {
  const n = ys.length;
  if (n < 2) return { interceptMs: ys[0] ?? 0, slopeMsPerOp: 0 };
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  ys.forEach((y, i) => {
    const x = i + 1;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  });
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return { interceptMs: (sy - slope * sx) / n, slopeMsPerOp: slope };
}

export function makeSeries(
  id: string,
  label: string,
  requested: number,
  latenciesMs: number[],
  totalSeconds: number,
  stoppedByBudget: boolean,
): Series {
  const done = latenciesMs.length;
  const samples = samplePoints
    .filter((p) => p <= requested)
    .map((op): SampleStat => {
      const window = windowOf(op, requested);
      const inRange = done >= window[1];
      return {
        op,
        ms: latenciesMs[op - 1] ?? null,
        window,
        medianMs: inRange ? median(latenciesMs.slice(window[0] - 1, window[1])) : null,
      };
    });
  const first = samples[0]?.medianMs ?? null;
  const last = samples.at(-1)!;
  const fit = fitLine(latenciesMs);
  let projected: Series['projected'] = null;
  if (stoppedByBudget && done < requested) {
    // Measured time so far plus the fitted latency of every operation not done.
    let rest = 0;
    for (let op = done + 1; op <= requested; op++)
      rest += Math.max(0, fit.interceptMs + fit.slopeMsPerOp * op);
    projected = {
      lastMs: fit.interceptMs + fit.slopeMsPerOp * requested,
      totalSeconds: totalSeconds + rest / 1000,
    };
  }
  return {
    id,
    label,
    requested,
    done,
    stoppedByBudget,
    latenciesMs,
    totalSeconds,
    samples,
    ratioLastFirst:
      first !== null && last.medianMs !== null && samples.length > 1 ? last.medianMs / first : null,
    ratioLastFirstSingle:
      samples.length > 1 && last.ms !== null && samples[0]!.ms !== null
        ? last.ms / samples[0]!.ms
        : null,
    fit,
    projected,
  };
}

const ms = (v: number | null | undefined, w = 9) =>
  (v === null || v === undefined ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(1)).padStart(w);
const x = (v: number | null, w = 8) => (v === null ? '—' : `${v.toFixed(2)}×`).padStart(w);

export function formatTable(r: ProvisionResult): string {
  const all: Series[] = [r.dvsan, ...r.baselines];
  const w = Math.max(...all.map((s) => s.label.length), 20) + 2;
  const points = r.dvsan.samples.map((s) => s.op);
  const head =
    'tool'.padEnd(w) +
    points.map((p) => `#${p}`.padStart(9)).join('') +
    '  #last/#1'.padStart(10) +
    'total s'.padStart(10) +
    '  ops';
  const row = (s: Series, key: 'ms' | 'medianMs') =>
    s.label.padEnd(w) +
    points.map((p) => ms(s.samples.find((q) => q.op === p)?.[key])).join('') +
    x(key === 'ms' ? s.ratioLastFirstSingle : s.ratioLastFirst, 10) +
    s.totalSeconds.toFixed(1).padStart(10) +
    `  ${s.done}${s.stoppedByBudget ? ` of ${s.requested} (time budget)` : ''}`;
  const windows = r.dvsan.samples.map((s) => `#${s.op}: ops ${s.window[0]}–${s.window[1]}`);
  const lines = [
    `${r.count} create+export operations of a ${r.volumeBytes / 1024 / 1024} MiB sparse volume, one target each, CHAP, exported to ${r.hostIqn}`,
    `${r.machine.cpus} CPUs (${r.machine.cpuModel}), load before ${r.machine.load.map((l) => l.toFixed(1)).join(' ')}, tgt ${r.machine.tgt}`,
    `git ${r.agentBundle.gitHead}, agent bundle built ${r.agentBundle.builtAt}${r.agentBundle.sourcesNewer ? ` (${r.agentBundle.sourcesNewer} agent/protocol sources newer)` : ''}`,
    '',
    'latency per operation, ms (single operation)',
    head,
    ...all.map((s) => row(s, 'ms')),
    '',
    `latency per operation, ms (median of a window: ${windows.join(', ')})`,
    head,
    ...all.map((s) => row(s, 'medianMs')),
    '',
    'dvsan split: volume/create + volume/export (window medians, ms)',
    ...r.dvsan.samples.map((s) => {
      const [lo, hi] = s.window;
      const c = median(r.dvsan.createMs.slice(lo - 1, hi));
      const e = median(r.dvsan.exportMs.slice(lo - 1, hi));
      return `  #${s.op}`.padEnd(10) + `create ${ms(c, 7)}   export ${ms(e, 7)}`;
    }),
    `  deleting all ${r.dvsan.done} afterwards: ${r.dvsan.delete.seconds.toFixed(1)} s (first ${r.dvsan.delete.firstMs.toFixed(0)} ms, last ${r.dvsan.delete.lastMs.toFixed(0)} ms)`,
    '',
    'fitted growth: latency ≈ a + b·op',
    ...all.map(
      (s) =>
        `  ${s.label.padEnd(w)}a ${s.fit.interceptMs.toFixed(1)} ms, b ${(s.fit.slopeMsPerOp * 1000).toFixed(1)} ms per 1,000 ops` +
        (s.projected
          ? `; projected to ${s.requested}: #${s.requested} ≈ ${s.projected.lastMs.toFixed(0)} ms, total ≈ ${s.projected.totalSeconds.toFixed(0)} s`
          : ''),
    ),
    '',
    'dvsan / baseline (total time; < 1 means dvsan is faster)',
    ...r.baselines.map((b) => {
      const q = r.ratios[b.id]!;
      return `  ${b.label.padEnd(w)}${x(q.total)}${q.projected ? ' (baseline projected)' : ''}   at ${points.map((p, i) => `#${p} ${x(q.atSamples[i] ?? null, 0)}`).join(', ')}`;
    }),
    '',
    'goals',
    `  #1000 ≤ ${r.goals.flat.target}× #1 (window medians): ${r.goals.flat.met ? 'MET' : 'NOT MET'} (${r.goals.flat.value === null ? '—' : `${r.goals.flat.value.toFixed(2)}×`})`,
    `  dvsan no slower than ${r.goals.noSlower.against}: ${r.goals.noSlower.met ? 'MET' : 'NOT MET'} (dvsan takes ${r.goals.noSlower.value.toFixed(2)}× its time)`,
  ];
  if (r.probes.length) lines.push('', ...formatProbes(r));
  return lines.join('\n');
}

/** The pieces' cost per operation (ms × times per operation), foreground and background. */
export function probeCost(p: Probe): { foreground: number; background: number } {
  let foreground = 0;
  let background = 0;
  for (const q of p.pieces) {
    foreground += q.ms * q.perOperation;
    background += q.ms * q.background;
  }
  return { foreground, background };
}

function formatProbes(r: ProvisionResult): string[] {
  if (r.probes.length === 0) return [];
  const f = (v: number) => v.toFixed(1).padStart(8);
  const w = Math.max(...r.probes[0]!.pieces.map((q) => q.id.length)) + 2;
  const lines = [
    `where the time goes: pieces of one operation (median ms each; a+b: a times while the caller waits, b in the background enquiry)`,
    ''.padEnd(w + 6) + r.probes.map((p) => `${p.exports} exp.`.padStart(8)).join('') + '   where',
    ...r.probes[0]!.pieces.map(
      (q, i) =>
        `  ${q.id.padEnd(w)}${`${q.perOperation}+${q.background}`.padStart(4)}` +
        r.probes.map((p) => f(p.pieces[i]!.ms)).join('') +
        `   ${q.where}`,
    ),
  ];
  const costs = r.probes.map(probeCost);
  lines.push(
    `  ${'waited for (Σ ms × a)'.padEnd(w + 4)}` + costs.map((c) => f(c.foreground)).join(''),
    `  ${'background (Σ ms × b)'.padEnd(w + 4)}` + costs.map((c) => f(c.background)).join(''),
  );
  if (costs.length >= 2) {
    const first = r.dvsan.samples[0]?.medianMs;
    const last = r.dvsan.samples.at(-1)?.medianMs;
    const grew = first && last ? last - first : null;
    lines.push(
      `  these pieces grow by ${(costs.at(-1)!.foreground - costs[0]!.foreground).toFixed(0)} ms per operation (+${(costs.at(-1)!.background - costs[0]!.background).toFixed(0)} ms in the background); dvsan's operation grew by ${grew === null ? '—' : grew.toFixed(0)} ms`,
    );
  }
  for (const p of r.probes)
    lines.push(
      `  with ${p.exports} exports: show target ${(p.showBytes.target! / 1024).toFixed(0)} KiB, export files ${(p.confBytes / 1024).toFixed(0)} KiB, storage JSON ${(p.storageJsonBytes / 1024).toFixed(0)} KiB; station volume/list ${p.stationMs.volumeList.toFixed(1)} ms, pool/get ${p.stationMs.poolGet.toFixed(1)} ms, unit/reconcile preview ${p.stationMs.reconcilePreview.toFixed(1)} ms`,
    );
  return lines;
}

const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Rolling median over `k` operations, centred (shorter at the ends). */
function rolling(ys: number[], k: number): number[] {
  const h = Math.floor(k / 2);
  return ys.map((_, i) => median(ys.slice(Math.max(0, i - h), i + h + 1))!);
}

const colours = ['#2b7a4b', '#c2562f', '#3b6bb5', '#8a4fb0', '#9a7b12'];

/** What the plot needs: the tgt run's result has it all, the LIO run builds it. */
export type PlotData = Pick<ProvisionResult, 'count' | 'date' | 'baselines'> & {
  machine: { cpus: number };
  dvsan: Series;
  goals: { flat: { target: number } };
};

/** Runs of consecutive operations, each drawn (and smoothed) on its own. */
function runsOf(s: Series): [number, number][][] {
  const runs: [number, number][][] = [];
  s.latenciesMs.forEach((v, j) => {
    const op = s.ops?.[j] ?? j + 1;
    const run = runs.at(-1);
    if (run && run.at(-1)![0] === op - 1) run.push([op, v]);
    else runs.push([[op, v]]);
  });
  return runs;
}

/** Latency against operation number, both axes logarithmic; one colour per tool. */
export function renderSvg(
  r: PlotData,
  text = {
    title: 'Create + export of LUN n on one tgt unit: latency of operation n (ms, lower is better)',
    subtitle: '1 MiB sparse volume, one target per volume, CHAP',
  },
): string {
  const all: Series[] = [r.dvsan, ...r.baselines];
  const width = 780;
  const height = 470;
  const left = 70;
  const right = 200;
  const top = 56;
  const bottom = 56;
  const pw = width - left - right;
  const ph = height - top - bottom;
  const maxOp = r.count;
  const values = all.flatMap((s) => s.latenciesMs).filter((v) => v > 0);
  for (const s of all) if (s.projected) values.push(s.projected.lastMs);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const px = (op: number) => left + (Math.log10(op) / Math.log10(maxOp)) * pw;
  const py = (v: number) =>
    top + ph - ((Math.log10(Math.max(v, yMin)) - Math.log10(yMin)) / Math.log10(yMax / yMin)) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="16" font-weight="bold">${esc(text.title)}</text>`,
    `<text x="12" y="40" fill="#555">${esc(`${r.machine.cpus} CPUs, ${r.date.slice(0, 10)}; ${text.subtitle}; thin line: each operation, thick: median of 9`)}</text>`,
  ];
  // Grid: decades on both axes.
  for (let op = 1; op <= maxOp; op *= 10) {
    out.push(
      `<line x1="${px(op).toFixed(1)}" y1="${top}" x2="${px(op).toFixed(1)}" y2="${top + ph}" stroke="#ddd"/>`,
      `<text x="${px(op).toFixed(1)}" y="${top + ph + 16}" text-anchor="middle">${op.toLocaleString('en')}</text>`,
    );
  }
  for (let v = yMin; v <= yMax * 1.0001; v *= 10) {
    out.push(
      `<line x1="${left}" y1="${py(v).toFixed(1)}" x2="${left + pw}" y2="${py(v).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end">${v >= 1 ? v.toLocaleString('en') : v}</text>`,
    );
  }
  out.push(
    `<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
    `<text x="${left + pw / 2}" y="${height - 20}" text-anchor="middle">operation number n (log scale)</text>`,
    `<text x="16" y="${top + ph / 2}" text-anchor="middle" transform="rotate(-90 16 ${top + ph / 2})">ms per operation (log scale)</text>`,
  );
  // The goal: dvsan's #1000 at most 1.5× its #1 (window medians).
  const first = r.dvsan.samples[0]?.medianMs;
  if (first) {
    const gy = py(first * r.goals.flat.target).toFixed(1);
    out.push(
      `<line x1="${left}" y1="${gy}" x2="${left + pw}" y2="${gy}" stroke="#2b7a4b" stroke-dasharray="5 4"/>`,
      `<line x1="${left + pw + 12}" y1="${top + 14 + all.length * 42 - 4}" x2="${left + pw + 30}" y2="${top + 14 + all.length * 42 - 4}" stroke="#2b7a4b" stroke-width="1.5" stroke-dasharray="5 4"/>`,
      `<text x="${left + pw + 36}" y="${top + 14 + all.length * 42}">goal for dvsan</text>`,
      `<text x="${left + pw + 36}" y="${top + 29 + all.length * 42}" fill="#555" font-size="11">${esc(`≤ ${r.goals.flat.target}× ops ${r.dvsan.samples[0]!.window.join('–')}: ${(first * r.goals.flat.target).toFixed(0)} ms`)}</text>`,
    );
  }
  const line = (pts: [number, number][], colour: string, widthPx: number, extra = '') =>
    `<polyline fill="none" stroke="${colour}" stroke-width="${widthPx}"${extra} points="${pts
      .map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`)
      .join(' ')}"/>`;
  all.forEach((s, i) => {
    const c = colours[i % colours.length]!;
    for (const run of runsOf(s)) {
      const raw = run.map(([op, v]): [number, number] => [px(op), py(v)]);
      const smooth = rolling(
        run.map(([, v]) => v),
        9,
      ).map((v, j): [number, number] => [px(run[j]![0]), py(v)]);
      out.push(line(raw, c, 0.6, ' stroke-opacity="0.45"'), line(smooth, c, 2.2));
      // A few timed operations (a window at one end) would be a dot-sized line: mark each.
      if (run.length < 10)
        for (const [x, y] of raw)
          out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3.5" fill="${c}"/>`);
    }
    if (s.projected) {
      const from = s.done;
      const y0 = s.fit.interceptMs + s.fit.slopeMsPerOp * from;
      out.push(
        line(
          [
            [px(from), py(y0)],
            [px(s.requested), py(s.projected.lastMs)],
          ],
          c,
          1.5,
          ' stroke-dasharray="3 3"',
        ),
      );
    }
    const ly = top + 14 + i * 42;
    const total = s.projected
      ? `${s.totalSeconds.toFixed(0)} s for ${s.done}; ≈${s.projected.totalSeconds.toFixed(0)} s projected`
      : `${s.totalSeconds.toFixed(1)} s for ${s.done}`;
    out.push(
      `<line x1="${left + pw + 12}" y1="${ly - 4}" x2="${left + pw + 30}" y2="${ly - 4}" stroke="${c}" stroke-width="3"/>`,
      `<text x="${left + pw + 36}" y="${ly}">${esc(s.id === 'dvsan' ? 'dvsan' : s.label.replace('shell + ', ''))}</text>`,
      `<text x="${left + pw + 36}" y="${ly + 15}" fill="#555" font-size="11">${esc(total)}</text>`,
    );
  });
  out.push(
    `<text x="12" y="${height - 4}" font-size="11" fill="#555">${esc('Dashed coloured line: a baseline stopped by its time budget, carried on by its fitted linear growth. Dashed green: the flatness goal.')}</text>`,
    '</svg>',
  );
  return out.join('\n') + '\n';
}
