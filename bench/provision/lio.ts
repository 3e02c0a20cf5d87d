// The LIO part of the provision benchmark: on one VM unit (Debian's kernel, real LIO in
// configfs, LVM), create + export LUN 1 … 200 through the StationApi (the agent's configfs
// backend), each operation timed; then, in the same guest cleaned, the same exports made with
// targetcli one-shot commands, timed at the first and the last exports (under TCG one targetcli
// export takes tens of seconds, so exports in between are made by one targetcli session).
// The guest boots the "bench" image (build/vm/build-bench-image.sh: the lab image + targetcli).
// Needs root (the lab). Run with:
//   node build/run-ts.mjs bench/provision/index.ts --lio [--count 200] [--window 5] [--plot]
// Prints a table, writes artifacts/bench/provision-lio.json, with --plot
// docs/images/bench-provision-lio.svg; `--plot-from FILE.json` only redraws the plot.
import { execFile } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { labDown, labUp, nodeExec, type LabNode, type LabState } from '../../station/lab/index.js';
import { defaultAgentBundle, projectRoot } from '../../station/paths.js';
import {
  addUnit,
  createAndExport,
  MiB,
  openStation,
  provision,
  warmUp,
  type BenchStation,
  type Made,
  volumeName,
} from './dvsan.js';
import { formatLioTable, renderLioSvg, type LioResult } from './lio-report.js';
import {
  clearTargetcli,
  fill,
  runOneShot,
  setupTargetcli,
  type TargetcliArgs,
} from './lio-targetcli.js';

const prefix = 'dvj';
const subnet = '10.99.30';
const hostIqn = `iqn.2026-11.io.dvsan.lab:${prefix}-h1`;
const log = (msg: string) => console.error(`[bench lio] ${msg}`);

const output = (cmd: string, argv: string[], timeout = 10_000) =>
  new Promise<{ code: number; out: string; err: string }>((resolve) =>
    execFile(cmd, argv, { timeout, cwd: projectRoot() }, (e, out, err) =>
      resolve({ code: e ? Number(e.code ?? 1) || 1 : 0, out: out.trim(), err: err.trim() }),
    ),
  );

/** A CHAP secret: letters and digits only, as targetcli's command line takes them. */
const secret = () => {
  const abc = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  let s = '';
  for (let i = 0; i < 16; i++) s += abc[randomInt(abc.length)];
  return s;
};

async function guest(lab: LabState, unit: LabNode, script: string): Promise<string> {
  const r = await nodeExec(lab, unit.name, ['sh', '-c', script], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`${script} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** Storage objects (one line each: <hba>/<name>) and targets in LIO's configfs. */
const listingScript = String.raw`cd /sys/kernel/config/target || exit 1
for d in core/iblock_*/*/ core/fileio_*/*/; do [ -d "$d" ] && echo "so $d"; done
for t in iscsi/iqn.*; do [ -d "$t" ] && echo "target $t $(ls "$t/tpgt_1/np" | head -n 1)"; done
true`;

interface LioListing {
  objects: string[];
  targets: { iqn: string; portal: string }[];
}

async function lioListing(lab: LabState, unit: LabNode): Promise<LioListing> {
  const out = await guest(lab, unit, listingScript);
  const objects: string[] = [];
  const targets: LioListing['targets'] = [];
  for (const line of out.split('\n')) {
    const [kind, a, b] = line.split(' ');
    if (kind === 'so' && a) objects.push(a.split('/')[1]!);
    if (kind === 'target' && a) targets.push({ iqn: a.slice('iscsi/'.length), portal: b ?? '' });
  }
  return { objects, targets };
}

/** Fails unless LIO holds exactly `n` targets and `n` storage objects. */
async function expectExports(
  lab: LabState,
  unit: LabNode,
  n: number,
  what: string,
): Promise<LioListing> {
  const l = await lioListing(lab, unit);
  if (l.targets.length !== n || l.objects.length !== n)
    throw new Error(
      `${what}: LIO holds ${l.targets.length} targets, ${l.objects.length} storage objects; expected ${n}`,
    );
  return l;
}

async function bundleInfo(bundlePath: string): Promise<LioResult['agentBundle']> {
  const bytes = await readFile(bundlePath);
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    builtAt: new Date((await stat(bundlePath)).mtimeMs).toISOString(),
    gitHead: (await output('git', ['rev-parse', '--short', 'HEAD'])).out,
  };
}

/** The bench flavour of the VM image, in its own cache (never the lab tests' cache). */
async function benchImage(cache: string): Promise<void> {
  const script = join(projectRoot(), 'build', 'vm', 'build-bench-image.sh');
  const r = await output('bash', [script, cache], 900_000);
  if (r.code !== 0) throw new Error(`build-bench-image.sh exited ${r.code}: ${r.err.slice(-500)}`);
  log(`bench image ${r.out.split('\n').at(-1)}`);
}

interface Made2 {
  station: BenchStation | null;
  volumes: Made[];
  dirs: string[];
  labUp: boolean;
}

async function measure(opts: Opts, made: Made2): Promise<LioResult> {
  const bundlePath = defaultAgentBundle();
  if (!existsSync(bundlePath))
    throw new Error('build the agent first: node build/build.mjs agent station');
  const agentBundle = await bundleInfo(bundlePath);
  const load = loadavg();
  const cache = join(projectRoot(), '.lab', 'vm-images-bench');
  await benchImage(cache);
  const dataDir = await mkdtemp(join(tmpdir(), 'dvsan-bench-lio-'));
  made.dirs.push(dataDir);

  log(`lab up: 1 VM unit (${prefix}, ${subnet}.x)`);
  await labDown({ prefix });
  made.labUp = true;
  const lab = await labUp(
    { units: 0, hosts: 0, vmUnits: 1, prefix, subnet },
    { imageCache: cache },
  );
  const unit = lab.nodes[0]!;
  const accel = unit.vm?.accel ?? 'unknown';

  const setupStart = performance.now();
  const bench = await openStation(dataDir, bundlePath);
  made.station = bench;
  const { client } = bench;
  const unitId = await addUnit(client, lab, unit);
  const setupSeconds = (performance.now() - setupStart) / 1000;
  log(`${unit.name} (${accel}) added, deployed and up in ${setupSeconds.toFixed(1)} s; warm-up`);
  const warm = await warmUp(client, unitId, hostIqn);
  const w = opts.window;

  // targetcli's first exports on the clean guest, then taken away again (untimed).
  const tc: TargetcliArgs = {
    vg: 'dvsan',
    sizeBytes: MiB,
    iqnPrefix: `iqn.2026-11.io.dvsan.bench:${unit.name}`,
    hostIqn,
    portal: unit.address,
    user: 'bench-host',
    secret: secret(),
    mutualUser: 'bench-target',
    mutualSecret: secret(),
  };
  await setupTargetcli(lab, unit);
  log(`targetcli one-shot: exports 1–${w}`);
  const first = await runOneShot(lab, unit, 1, w, tc, 1200);
  log(`  ${first.totalSeconds.toFixed(0)} s; clearing them`);
  await clearTargetcli(lab, unit, 1, w, tc);
  await expectExports(lab, unit, 0, 'after clearing targetcli');

  log(`dvsan: up to ${opts.count} × volume/create + volume/export, ${opts.dvsanBudget} s budget`);
  // At most count − 2w − 1, so targetcli's fill has at least one export to make.
  const run = await provision(
    client,
    unitId,
    opts.count - 2 * w - 1,
    hostIqn,
    opts.dvsanBudget,
    made.volumes,
    (done, s, lastMs) => log(`  dvsan ${done}: ${s.toFixed(1)} s, last ${lastMs.toFixed(0)} ms`),
  );
  const k = run.createMs.length;
  log(`  dvsan made ${k} in ${run.totalSeconds.toFixed(0)} s`);
  const listing = await expectExports(lab, unit, k, 'after dvsan');
  const pools = new Set((await client.call('volume/list', {})).map((v) => v.pool));
  const hbas = new Set(listing.objects.map((hba) => hba.replace(/_\d+$/, '')));
  const portals = new Set(listing.targets.map((t) => t.portal));
  const storage = {
    backstore: [...hbas].join(', '),
    pool: [...pools].join(', '),
    portal: [...portals].join(', '),
  };
  // What targetcli made must be what dvsan makes: an LVM volume as a block backstore, one portal.
  if (
    storage.backstore !== 'iblock' ||
    storage.pool !== `lvm:${tc.vg}` ||
    storage.portal !== `${tc.portal}:3260`
  )
    throw new Error(
      `dvsan used ${storage.backstore} backstores in ${storage.pool} with portal ${storage.portal}; the targetcli baseline made iblock in lvm:${tc.vg} with ${tc.portal}:3260`,
    );

  // Both tools' last windows run with about `count` exports in place: targetcli's own up to
  // count − 2w, then its window, then dvsan's.
  const fillTo = opts.count - 2 * w - k + w;
  log(`targetcli: filling ${w + 1}–${fillTo} in one session (${k} of dvsan's are in place)`);
  const fillSeconds = await fill(lab, unit, w + 1, fillTo, tc, 1800);
  log(`  filled in ${fillSeconds.toFixed(0)} s; targetcli one-shot: ${w} more exports`);
  const last = await runOneShot(lab, unit, fillTo + 1, fillTo + w, tc, 2400);
  await expectExports(lab, unit, opts.count - w, 'after targetcli');
  log(`dvsan: exports ${opts.count - w + 1}–${opts.count} through the API`);
  const dvsanLast = await dvsanWindow(
    lab,
    unit,
    client,
    unitId,
    opts.count - w + 1,
    opts.count,
    made.volumes,
  );
  if (dvsanLast.failures.length === 0) await expectExports(lab, unit, opts.count, 'at the end');

  return {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      kernel: release(),
      node: process.version,
      accel,
      guestKernel: await guest(lab, unit, 'uname -r'),
      targetcli: (await guest(lab, unit, 'targetcli --version 2>&1 | tail -n 1')).replace(
        /^.*version /,
        '',
      ),
      load,
    },
    agentBundle,
    count: opts.count,
    volumeBytes: MiB,
    hostIqn,
    storage,
    dvsan: {
      createMs: run.createMs,
      exportMs: run.exportMs,
      totalSeconds: run.totalSeconds,
      stoppedByBudget: run.stoppedByBudget,
      last: dvsanLast,
      setupSeconds,
      warmUp: warm,
    },
    targetcli: {
      first,
      last: { ...last, ops: last.ops.map((_, i) => opts.count - 2 * w + 1 + i) },
      fill: { from: w + 1, to: fillTo, seconds: fillSeconds, dvsanInPlace: k },
    },
  };
}

/** Targets in the agent's saveconfig.json (dvsan saves to upstream's path: no /etc/debian_version). */
const savedTargets = String.raw`grep -c '"wwn": "iqn\.' /etc/target/saveconfig.json || true`;

/**
 * dvsan's exports from..to, each timed. A call that fails (the station gives each agent call
 * 30 s) ends the window; it is recorded with its time, its message, and how long the agent
 * really took: until its saveconfig.json holds that export (polled, at most 15 minutes).
 */
async function dvsanWindow(
  lab: LabState,
  unit: LabNode,
  client: BenchStation['client'],
  unitId: string,
  from: number,
  to: number,
  made: Made[],
): Promise<LioResult['dvsan']['last']> {
  const out: LioResult['dvsan']['last'] = { ops: [], createMs: [], exportMs: [], failures: [] };
  for (let i = from; i <= to; i++) {
    const t = performance.now();
    const before = made.length;
    try {
      const [c, e] = await createAndExport(client, unitId, volumeName(i), hostIqn, made);
      out.ops.push(i);
      out.createMs.push(c);
      out.exportMs.push(e);
      log(`  dvsan #${i}: ${(c + e).toFixed(0)} ms`);
    } catch (err) {
      const ms = performance.now() - t;
      log(
        `  dvsan #${i} failed after ${ms.toFixed(0)} ms: ${(err as Error).message}; waiting for the agent`,
      );
      let settledMs: number | null = null;
      // Only an export that was sent can settle: a failed create sent none.
      while (made.length > before && performance.now() - t < 900_000) {
        if (Number(await guest(lab, unit, savedTargets)) >= i) {
          settledMs = performance.now() - t;
          break;
        }
        await new Promise((r) => setTimeout(r, 2000));
      }
      log(
        `  the agent saved export #${i} ${settledMs === null ? 'not within 15 min' : `after ${settledMs.toFixed(0)} ms`}`,
      );
      out.failures.push({ op: i, ms, message: (err as Error).message, settledMs });
      break;
    }
  }
  return out;
}

interface Opts {
  count: number;
  window: number;
  dvsanBudget: number;
}

async function writePlot(result: LioResult): Promise<void> {
  const dir = join(projectRoot(), 'docs', 'images');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'bench-provision-lio.svg'), renderLioSvg(result));
  log(`wrote ${join(dir, 'bench-provision-lio.svg')}`);
}

/** The LIO benchmark with its own options (index.ts hands it the arguments after --lio). */
export async function runLio(argv: string[]): Promise<void> {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string', default: '200' },
      /** targetcli exports timed at each end. */
      window: { type: 'string', default: '5' },
      'dvsan-budget': { type: 'string', default: '240' },
      plot: { type: 'boolean', default: false },
      'plot-from': { type: 'string' },
    },
  });
  const opts: Opts = {
    count: Number(args.count),
    window: Number(args.window),
    dvsanBudget: Number(args['dvsan-budget']),
  };
  const intArg = (v: number, lo: number, hi: number, name: string) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`--${name} must be ${lo}..${hi}`);
  };
  intArg(opts.count, 20, 1000, 'count');
  intArg(opts.window, 2, Math.floor(opts.count / 4), 'window');
  intArg(opts.dvsanBudget, 10, 3600, 'dvsan-budget');
  if (args['plot-from']) {
    await writePlot(JSON.parse(await readFile(args['plot-from'], 'utf8')) as LioResult);
    return;
  }

  const made: Made2 = { station: null, volumes: [], dirs: [], labUp: false };
  let cleaning: Promise<void> | null = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      // The lab first: closing the station waits for work in flight, which ends once the guest is gone.
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
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      interrupted = true;
      log(`${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  try {
    const result = await measure(opts, made);
    console.log(formatLioTable(result));
    const outDir = join(projectRoot(), 'artifacts', 'bench');
    await mkdir(outDir, { recursive: true });
    const json = JSON.stringify(result, null, 2) + '\n';
    await writeFile(join(outDir, 'provision-lio.json'), json);
    await writeFile(join(outDir, `provision-lio-${result.date.replace(/[:.]/g, '-')}.json`), json);
    log(`wrote ${join(outDir, 'provision-lio.json')}`);
    if (args.plot) await writePlot(result);
  } catch (e) {
    log(interrupted ? 'interrupted' : `failed: ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 1;
  } finally {
    log('cleaning up (lab down, station, temp dirs)');
    await cleanup();
  }
}
