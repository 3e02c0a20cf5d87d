// The reports benchmark: the volumes and allocation reports in every format for 1,000 and
// 10,000 volumes, each run in a fresh process so its time and peak memory are its own.
// Goals (10,000 volumes): CSV/JSON/HTML under 5 s, PDF under 15 s; memory flat from 1k to 10k.
// Run with:  node build/run-ts.mjs bench/reports/index.ts [--sizes 1000,10000] [--plot]
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { reportFormats, type ReportFormat, type ReportKind } from '../../protocol/reports.js';
import { projectRoot } from '../../station/paths.js';
import { chartSvg } from '../../station/reports/formats/charts.js';
import { saveResult, savePlot } from '../common/results.js';
import { runOne, type RunResult } from './one.js';
import { seedDatabase } from './seed.js';

const goals: Record<ReportFormat, number> = { csv: 5, json: 5, html: 5, pdf: 15 };
const kinds: ReportKind[] = ['volumes', 'allocation'];

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000' },
    plot: { type: 'boolean', default: false },
    child: { type: 'string' },
  },
});

async function child(spec: string): Promise<void> {
  const [db, out, kind, format, volumes] = JSON.parse(spec) as [
    string,
    string,
    ReportKind,
    ReportFormat,
    number,
  ];
  const result = await runOne(db, out, kind, format, volumes);
  console.log(`RESULT ${JSON.stringify(result)}`);
}

async function inFreshProcess(spec: unknown[]): Promise<RunResult> {
  const root = projectRoot();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--expose-gc',
      join(root, 'build/run-ts.mjs'),
      join(root, 'bench/reports/index.ts'),
      '--child',
      JSON.stringify(spec),
    ],
    { timeout: 300_000, maxBuffer: 1 << 20 },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`the benchmark child printed no result:\n${stdout}`);
  return JSON.parse(line.slice(7)) as RunResult;
}

function plot(results: RunResult[], sizes: number[]): string {
  const top = sizes.at(-1) as number;
  const series = kinds.flatMap((kind) =>
    [sizes[0] as number, top].map((volumes) => ({
      name: `${kind}, ${volumes.toLocaleString('en')} volumes`,
      type: 'bar',
      label: { show: true, position: 'top', fontSize: 10 },
      data: reportFormats.map(
        (f) =>
          results.find((r) => r.kind === kind && r.format === f && r.volumes === volumes)
            ?.seconds ?? 0,
      ),
    })),
  );
  return chartSvg(
    {
      title: 'reports',
      option: {
        backgroundColor: '#ffffff',
        title: {
          text: 'Report writing time by format (s, lower is better)',
          subtext: `${cpus().length} CPUs; goal at ${top.toLocaleString('en')} volumes: 5 s (CSV/JSON/HTML), 15 s (PDF)`,
          left: 8,
        },
        grid: { left: 56, right: 24, top: 90, bottom: 40 },
        legend: { top: 56, right: 8 },
        xAxis: { type: 'category', data: reportFormats.map((f) => f.toUpperCase()) },
        yAxis: { type: 'value' },
        series,
      },
    },
    820,
    440,
  );
}

async function main(): Promise<void> {
  const sizes = (args.sizes ?? '').split(',').map(Number);
  const dir = await mkdtemp(join(tmpdir(), 'dvsan-bench-reports-'));
  const results: RunResult[] = [];
  try {
    for (const volumes of sizes) {
      const db = join(dir, `station-${volumes}.db`);
      await seedDatabase(db, volumes);
      for (const kind of kinds)
        for (const format of reportFormats) {
          const r = await inFreshProcess([db, dir, kind, format, volumes]);
          results.push(r);
          console.log(
            `${kind.padEnd(10)} ${format.padEnd(4)} ${String(volumes).padStart(6)} volumes  ${r.seconds.toFixed(2).padStart(6)} s  ${String(r.rows).padStart(6)} rows  ${(r.bytes / 2 ** 20).toFixed(1).padStart(6)} MiB  peak +${r.peakRssMiB} MiB RSS, +${r.peakHeapMiB} MiB heap`,
          );
        }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const top = Math.max(...sizes);
  const low = Math.min(...sizes);
  console.log('\ngoals at', top.toLocaleString('en'), 'volumes:');
  for (const r of results.filter((x) => x.volumes === top)) {
    const small = results.find(
      (x) => x.kind === r.kind && x.format === r.format && x.volumes === low,
    );
    console.log(
      `  ${r.kind} ${r.format}: ${r.seconds.toFixed(2)} s (goal ${goals[r.format]} s) ${r.seconds < goals[r.format] ? 'met' : 'MISSED'}; heap peak ${small?.peakHeapMiB} -> ${r.peakHeapMiB} MiB`,
    );
  }
  const date = new Date().toISOString();
  const result = { date, machine: { cpus: cpus().length, loadavg: loadavg() }, goals, results };
  const file = await saveResult('reports', result);
  console.log(`\nraw numbers: ${file}`);
  if (args.plot) console.log(`plot: ${await savePlot('reports', plot(results, sizes))}`);
}

await (args.child ? child(args.child) : main());
