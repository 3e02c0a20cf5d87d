// The provision benchmark: on one lab unit (its own tgtd), create + export LUN 1 … 1,000 through
// the StationApi (volume/create + volume/export, one target per volume, CHAP, one host IQN),
// each operation timed; then, on the same unit cleaned, the same exports made by hand from a
// shell script with tgt's own tools (tgtadm per step, tgt-admin -e, tgt-admin --update ALL).
// Needs root (the lab). Run with:
//   node build/run-ts.mjs bench/provision/index.ts [--count 1000] [--plot]
// Prints a table, writes artifacts/bench/provision.json, and with --plot
// docs/images/bench-provision.svg; `--plot-from FILE.json` only redraws the plot.
import { execFile } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../../agents/targets/tgt/config.js';
import { labDown, labUp, nodeExec, type LabNode, type LabState } from '../../station/lab/index.js';
import { defaultAgentBundle, projectRoot } from '../../station/paths.js';
import {
  addUnit,
  deleteVolumes,
  MiB,
  openStation,
  provision,
  warmUp,
  type BenchStation,
  type Made,
} from './dvsan.js';
import { runLio } from './lio.js';
import { probe, type Probe } from './probe.js';
import { formatTable, makeSeries, renderSvg, type ProvisionResult, type Series } from './report.js';
import {
  baselineLabels,
  baselineModes,
  cleanBaseline,
  runBaseline,
  tgtCounts,
  type BaselineMode,
} from './shell.js';

// `--lio`: the LIO part (a VM unit, targetcli) with its own options, see lio.ts.
if (process.argv.includes('--lio')) {
  await runLio(process.argv.slice(2).filter((a) => a !== '--lio'));
  process.exit();
}

const prefix = 'dvp';
const subnet = '10.99.10';
const hostIqn = `iqn.2026-11.io.dvsan.lab:${prefix}-h1`;
const baselineDir = '/var/lib/dvsan/bench-provision';
const flatGoal = 1.5;

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    baselines: { type: 'string', default: baselineModes.join(',') },
    /** Seconds after which dvsan's run stops early (it is bounded by --count anyway). */
    'dvsan-budget': { type: 'string', default: '420' },
    /** Seconds each tgt-admin baseline may run; the rest is projected from its growth. */
    'admin-budget': { type: 'string', default: '60' },
    'skip-probes': { type: 'boolean', default: false },
    plot: { type: 'boolean', default: false },
    'plot-from': { type: 'string' },
  },
});
const count = Number(args.count);
const dvsanBudget = Number(args['dvsan-budget']);
const adminBudget = Number(args['admin-budget']);
const baselines = args.baselines
  .split(',')
  .filter((b) => b.trim() !== '')
  .map((b) => {
    if (!(baselineModes as readonly string[]).includes(b))
      throw new Error(`unknown baseline ${b}; known: ${baselineModes.join(', ')}`);
    return b as BaselineMode;
  });
const intArg = (v: number, lo: number, hi: number, name: string) => {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`--${name} must be ${lo}..${hi}`);
};
intArg(count, 10, 5000, 'count');
intArg(dvsanBudget, 10, 3600, 'dvsan-budget');
intArg(adminBudget, 5, 3600, 'admin-budget');

const log = (msg: string) => console.error(`[bench] ${msg}`);

const made: {
  station: BenchStation | null;
  volumes: Made[];
  dirs: string[];
  labUp: boolean;
} = { station: null, volumes: [], dirs: [], labUp: false };
let cleaning: Promise<void> | null = null;
let interrupted = false;
const cleanup = () =>
  (cleaning ??= (async () => {
    // The lab first: closing the station waits for work in flight, which ends once sshd is gone.
    if (made.labUp)
      await labDown({ prefix }).catch((e: unknown) =>
        log(`lab down failed: ${(e as Error).message}`),
      );
    if (made.station)
      await Promise.race([
        made.station.station.close(),
        new Promise((r) => setTimeout(r, 15_000)),
      ]).catch(() => undefined);
    for (const dir of made.dirs) await rm(dir, { recursive: true, force: true });
  })());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

const output = (cmd: string, argv: string[]) =>
  new Promise<string>((resolve) =>
    execFile(cmd, argv, { timeout: 10_000, cwd: projectRoot() }, (_e, out) => resolve(out.trim())),
  );

/** A CHAP secret from tgt's safe alphabet (the baseline's own accounts). */
const secret = () => {
  const abc = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  let s = '';
  for (let i = 0; i < 16; i++) s += abc[randomInt(abc.length)];
  return s;
};

function controlPort(unit: LabNode): number {
  if (unit.tgtdPort === undefined) throw new Error(`${unit.name} runs no tgtd`);
  return unit.tgtdPort;
}

/** Nothing exported on the unit: no target, no account, no export file in conf.d. */
async function expectClean(lab: LabState, unit: LabNode, what: string): Promise<void> {
  const c = await tgtCounts(lab, unit.name, controlPort(unit));
  const conf = await nodeExec(lab, unit.name, [
    'sh',
    '-c',
    'cat /etc/tgt/conf.d/dvsan.conf /etc/tgt/conf.d/dvsan-*.conf 2>/dev/null || true',
  ]);
  const records = parseConfig(conf.stdout).length;
  if (c.targets || c.accounts || records)
    throw new Error(
      `${what}: the unit still has ${c.targets} targets, ${c.accounts} accounts, ${records} export records in conf.d`,
    );
}

/** The bundle the unit gets, and whether agents/ or protocol/ changed after it was built. */
async function bundleInfo(bundlePath: string): Promise<ProvisionResult['agentBundle']> {
  const bytes = await readFile(bundlePath);
  const builtAt = (await stat(bundlePath)).mtimeMs;
  const newer = (
    await output('find', ['agents', 'protocol', '-name', '*.ts', '-newermt', `@${builtAt / 1000}`])
  )
    .split('\n')
    .filter(Boolean);
  if (newer.length)
    log(
      `note: ${newer.length} source files are newer than the agent bundle (${newer.slice(0, 3).join(', ')}); rebuild with node build/build.mjs agent station`,
    );
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    builtAt: new Date(builtAt).toISOString(),
    sourcesNewer: newer.length,
    gitHead: await output('git', ['rev-parse', '--short', 'HEAD']),
  };
}

async function main(): Promise<ProvisionResult> {
  const bundlePath = defaultAgentBundle();
  if (!existsSync(bundlePath))
    throw new Error('build the agent first: node build/build.mjs agent station');
  const agentBundle = await bundleInfo(bundlePath);
  const load = loadavg();
  const dataDir = await mkdtemp(join(tmpdir(), 'dvsan-bench-provision-'));
  made.dirs.push(dataDir);

  log(`lab up: 1 unit (${prefix}, ${subnet}.x)`);
  await labDown({ prefix });
  made.labUp = true;
  const lab = await labUp({ units: 1, hosts: 0, prefix, subnet });
  const unit = lab.nodes[0]!;
  const port = controlPort(unit);

  const setupStart = performance.now();
  const bench = await openStation(dataDir, bundlePath);
  made.station = bench;
  const { client } = bench;
  const unitId = await addUnit(client, lab, unit);
  const setupSeconds = (performance.now() - setupStart) / 1000;
  log(`${unit.name} added, deployed and up in ${setupSeconds.toFixed(1)} s; warm-up`);
  const warm = await warmUp(client, unitId, hostIqn);
  await expectClean(lab, unit, 'after the warm-up');

  const probes: Probe[] = [];
  if (!args['skip-probes']) {
    log('probe with 0 exports');
    probes.push(await probe(lab, unit, unitId, port, client, 0));
  }

  log(`dvsan: ${count} × volume/create + volume/export`);
  const run = await provision(
    client,
    unitId,
    count,
    hostIqn,
    dvsanBudget,
    made.volumes,
    (done, s, lastMs) => log(`  dvsan ${done}: ${s.toFixed(1)} s, last ${lastMs.toFixed(0)} ms`),
  );
  const c = await tgtCounts(lab, unit.name, port);
  if (c.targets !== run.createMs.length)
    throw new Error(`tgtd has ${c.targets} targets after ${run.createMs.length} exports`);
  if (!args['skip-probes']) {
    log(`probe with ${run.createMs.length} exports`);
    probes.push(await probe(lab, unit, unitId, port, client, run.createMs.length));
  }
  log(`dvsan: deleting all ${made.volumes.length} volumes through the API`);
  const delStart = performance.now();
  const deleteMs = await deleteVolumes(client, made.volumes, (done, s) =>
    log(`  deleted ${done}: ${s.toFixed(1)} s`),
  );
  const deleteSeconds = (performance.now() - delStart) / 1000;
  if ((await client.call('volume/list', {})).length !== 0)
    throw new Error('volume/list is not empty after deleting every volume');
  await expectClean(lab, unit, 'after dvsan');
  // The station keeps no connection busy while the baselines run.
  await bench.station.settled();

  const chap = {
    user: 'bench-host',
    secret: secret(),
    mutualUser: 'bench-target',
    mutualSecret: secret(),
  };
  const baselineSeries: Series[] = [];
  for (const mode of baselines) {
    const budget = mode.startsWith('tgtadm') ? 600 : adminBudget;
    log(`${baselineLabels[mode]}: ${count} operations (time budget ${budget} s)`);
    const b = await runBaseline(lab, unit.name, {
      mode,
      controlPort: port,
      count,
      budgetSeconds: budget,
      dir: baselineDir,
      iqnPrefix: `iqn.2026-11.io.dvsan.bench:${unit.name}`,
      hostIqn,
      ...chap,
    });
    const c2 = await tgtCounts(lab, unit.name, port);
    if (c2.targets !== b.latenciesMs.length || c2.accounts !== 2)
      throw new Error(
        `${mode}: tgtd has ${c2.targets} targets and ${c2.accounts} accounts after ${b.latenciesMs.length} operations`,
      );
    log(
      `  ${b.latenciesMs.length} operations in ${b.totalSeconds.toFixed(1)} s${b.stoppedByBudget ? ' (stopped by the time budget)' : ''}; cleaning`,
    );
    await cleanBaseline(lab, unit.name, port, baselineDir, [chap.user, chap.mutualUser]);
    await expectClean(lab, unit, `after ${mode}`);
    baselineSeries.push(
      makeSeries(
        mode,
        baselineLabels[mode],
        count,
        b.latenciesMs,
        b.totalSeconds,
        b.stoppedByBudget,
      ),
    );
  }

  const latencies = run.createMs.map((cm, i) => cm + run.exportMs[i]!);
  const dvsanSeries = makeSeries(
    'dvsan',
    'dvsan (StationApi)',
    count,
    latencies,
    run.totalSeconds,
    run.stoppedByBudget,
  );
  const sorted = [...deleteMs].sort((a, b) => a - b);
  const ratios: ProvisionResult['ratios'] = {};
  for (const b of baselineSeries) {
    const total = dvsanSeries.projected?.totalSeconds ?? dvsanSeries.totalSeconds;
    ratios[b.id] = {
      total: total / (b.projected?.totalSeconds ?? b.totalSeconds),
      projected: b.projected !== null,
      atSamples: dvsanSeries.samples.map((s, i) => {
        const q = b.samples[i]?.medianMs;
        return s.medianMs !== null && q ? s.medianMs / q : null;
      }),
    };
  }
  const against = baselineSeries.find((b) => b.id === 'tgtadm') ?? baselineSeries[0];
  const flat = dvsanSeries.ratioLastFirst;
  const result: ProvisionResult = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      kernel: release(),
      node: process.version,
      tgt: await output('dpkg-query', ['-W', '-f', '${Version}', 'tgt']),
      load,
    },
    agentBundle,
    count,
    volumeBytes: MiB,
    hostIqn,
    dvsan: {
      ...dvsanSeries,
      createMs: run.createMs,
      exportMs: run.exportMs,
      warmUp: warm,
      setupSeconds,
      delete: {
        seconds: deleteSeconds,
        firstMs: deleteMs[0] ?? 0,
        lastMs: deleteMs.at(-1) ?? 0,
        medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
      },
    },
    baselines: baselineSeries,
    probes,
    ratios,
    goals: {
      flat: {
        target: flatGoal,
        value: flat,
        met: flat !== null && !dvsanSeries.stoppedByBudget && flat <= flatGoal,
      },
      noSlower: {
        against: against?.label ?? 'no baseline',
        value: against ? ratios[against.id]!.total : NaN,
        met: against !== undefined && ratios[against.id]!.total <= 1,
      },
    },
  };
  return result;
}

async function writePlot(result: ProvisionResult): Promise<void> {
  const dir = join(projectRoot(), 'docs', 'images');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'bench-provision.svg'), renderSvg(result));
  log(`wrote ${join(dir, 'bench-provision.svg')}`);
}

try {
  if (args['plot-from']) {
    await writePlot(JSON.parse(await readFile(args['plot-from'], 'utf8')) as ProvisionResult);
  } else {
    const result = await main();
    console.log(formatTable(result));
    const outDir = join(projectRoot(), 'artifacts', 'bench');
    await mkdir(outDir, { recursive: true });
    const json = JSON.stringify(result, null, 2) + '\n';
    await writeFile(join(outDir, 'provision.json'), json);
    await writeFile(join(outDir, `provision-${result.date.replace(/[:.]/g, '-')}.json`), json);
    log(`wrote ${join(outDir, 'provision.json')}`);
    if (args.plot) await writePlot(result);
  }
} catch (e) {
  log(interrupted ? 'interrupted' : `failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
} finally {
  if (!args['plot-from']) log('cleaning up (lab down, station, temp dirs)');
  await cleanup();
}
