// The agent-deploy benchmark: dvsan's `node/deploy` against an Ansible playbook doing the same
// work (make the dir, copy the bundle with a checksum, run verify once), on 20 lab units, cold
// and again when current. Needs root (the lab). Run with:
//   node build/run-ts.mjs bench/deploy/index.ts [--concurrency 8] [--variants forks5,forks20,tuned] [--plot]
// Prints a table, writes artifacts/bench/deploy.json, and with --plot docs/images/bench-deploy.svg;
// `--plot-from FILE.json` only redraws the plot from a saved result.
import { savePlot, saveResult } from '../common/results.js';
import { log, runBench } from '../common/run.js';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadAgentBundle } from '../../station/deploy/artifacts.js';
import { agentDir, agentLauncher } from '../../station/deploy/remote-scripts.js';
import { labDown, labUp, nodeExec, type LabState } from '../../station/lab/index.js';
import { defaultAgentBundle, stationVersion } from '../../station/paths.js';
import {
  ansibleVariants,
  ansibleVersion,
  closeControlMasters,
  killPlaybook,
  runPlaybook,
  writeAnsibleFiles,
  type AnsibleJob,
  type PlaybookRun,
} from './ansible.js';
import { addNodes, openStation, timedDeploy, type BenchStation, type DeployRun } from './dvsan.js';
import {
  formatTable,
  goalFor,
  ratiosFor,
  renderSvg,
  type BenchResult,
  type Ratios,
} from './report.js';

const prefix = 'dvb';
const subnet = '10.99.3';

const { values: args } = parseArgs({
  options: {
    units: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '8' },
    variants: { type: 'string', default: ansibleVariants.map((v) => v.id).join(',') },
    plot: { type: 'boolean', default: false },
    'plot-from': { type: 'string' },
  },
});
const units = Number(args.units);
const concurrency = Number(args.concurrency);
const variants = args.variants.split(',').map((id) => {
  const v = ansibleVariants.find((a) => a.id === id);
  if (!v)
    throw new Error(
      `unknown Ansible variant ${id}; known: ${ansibleVariants.map((a) => a.id).join(', ')}`,
    );
  return v;
});
if (!Number.isInteger(units) || units < 1 || units > 60) throw new Error('--units must be 1..60');
if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 100)
  throw new Error('--concurrency must be 1..100');

// Everything to undo, in one place, so the finally block and Ctrl-C share it.
const made: {
  stations: BenchStation[];
  tempDirs: string[];
  ansibleDir: string | null;
  labUp: boolean;
} = {
  stations: [],
  tempDirs: [],
  ansibleDir: null,
  labUp: false,
};
const cleanup = async () => {
  killPlaybook();
  if (made.ansibleDir) await closeControlMasters(made.ansibleDir, `${subnet}.1`).catch(() => 0);
  // The lab first: closing a station waits for its running task, which ends once sshd is gone.
  if (made.labUp) {
    await labDown({ prefix }).catch((e: unknown) =>
      log(`lab down failed: ${(e as Error).message}`),
    );
  }
  for (const s of made.stations) {
    await Promise.race([s.station.close(), new Promise((r) => setTimeout(r, 15_000))]).catch(
      () => undefined,
    );
  }
  for (const dir of made.tempDirs) await rm(dir, { recursive: true, force: true });
};

async function closeStation(s: BenchStation): Promise<void> {
  await s.station.close();
  made.stations = made.stations.filter((x) => x !== s);
}

/** Every node answers verify with the bundle's hash, run exactly as given. */
async function verifyAll(lab: LabState, argv: string[], sha256: string): Promise<void> {
  const wrong = await Promise.all(
    lab.nodes.map(async (n) => {
      const r = await nodeExec(lab, n.name, argv, { timeoutMs: 60_000 });
      try {
        return (JSON.parse(r.stdout.trim()) as { sha256?: string }).sha256 === sha256
          ? null
          : n.name;
      } catch {
        return `${n.name} (exit ${r.code}: ${r.stderr.trim().slice(0, 200)})`;
      }
    }),
  );
  const bad = wrong.filter((w) => w !== null);
  if (bad.length) throw new Error(`the agent does not verify on: ${bad.join(', ')}`);
}

async function wipeAgents(lab: LabState): Promise<void> {
  await Promise.all(
    lab.nodes.map(async (n) => {
      await nodeExec(lab, n.name, ['rm', '-rf', '/opt/dvsan/agent']);
      const left = await nodeExec(lab, n.name, ['test', '-e', '/opt/dvsan/agent']);
      if (left.code === 0) throw new Error(`could not wipe /opt/dvsan/agent on ${n.name}`);
    }),
  );
}

function expectOutcomes(run: DeployRun, current: boolean, what: string): number[] {
  const trips = Object.entries(run.outcomes).map(([name, o]) => {
    if (current && (o.roundTrips !== 1 || !o.alreadyCurrent))
      throw new Error(
        `${what}: ${name} took ${o.roundTrips} round trips (alreadyCurrent ${o.alreadyCurrent})`,
      );
    if (!current && o.alreadyCurrent)
      throw new Error(`${what}: ${name} was already current on a cold deploy`);
    return o.roundTrips ?? 0;
  });
  return trips;
}

function expectChanged(run: PlaybookRun, changed: number, what: string): void {
  const wrong = Object.entries(run.stats).filter(([, s]) => s.changed !== changed);
  if (wrong.length)
    throw new Error(
      `${what}: expected ${changed} changed tasks per host, got ${wrong.map(([h, s]) => `${h}=${s.changed}`).join(', ')}`,
    );
}

const output = (cmd: string, argv: string[]) =>
  new Promise<string>((resolve) =>
    execFile(cmd, argv, { timeout: 10_000 }, (_e, out, err) => resolve(`${out}${err}`.trim())),
  );

async function main(): Promise<void> {
  const bundlePath = defaultAgentBundle();
  if (!existsSync(bundlePath)) throw new Error('build the agent first: node build/build.mjs agent');
  const bundle = await loadAgentBundle(bundlePath, stationVersion());
  const sha1 = createHash('sha1').update(bundle.bytes).digest('hex');

  const ansibleDir = await mkdtemp(join(tmpdir(), 'dvsan-bench-ansible-'));
  made.tempDirs.push(ansibleDir);
  made.ansibleDir = ansibleDir;
  const dataDir = await mkdtemp(join(tmpdir(), 'dvsan-bench-station-'));
  made.tempDirs.push(dataDir);

  log(`lab up: ${units} units (${prefix}, ${subnet}.x)`);
  await labDown({ prefix });
  made.labUp = true;
  const lab = await labUp({ units, hosts: 0, prefix, subnet });

  // dvsan: add (not timed in the comparison), cold deploy, then current twice.
  let bench = await openStation(dataDir, bundlePath, concurrency);
  made.stations.push(bench);
  const addStart = performance.now();
  const ids = await addNodes(bench.client, lab);
  const addSeconds = (performance.now() - addStart) / 1000;
  log(`dvsan: ${ids.length} nodes added in ${addSeconds.toFixed(2)} s; cold deploy`);
  const cold = await timedDeploy(bench.client, ids);
  const coldTrips = expectOutcomes(cold, false, 'dvsan cold');
  const version = Object.values(cold.outcomes)[0]?.version ?? bundle.version;
  await verifyAll(lab, [agentLauncher(version), 'verify'], bundle.sha256);
  log(`dvsan cold ${cold.seconds.toFixed(2)} s; current (connections kept)`);
  const kept = await timedDeploy(bench.client, ids);
  const keptTrips = expectOutcomes(kept, true, 'dvsan current');
  await closeStation(bench);
  bench = await openStation(dataDir, bundlePath, concurrency);
  made.stations.push(bench);
  log(`dvsan current kept ${kept.seconds.toFixed(2)} s; current (new station)`);
  const fresh = await timedDeploy(bench.client, ids);
  const freshTrips = expectOutcomes(fresh, true, 'dvsan current, new station');
  await closeStation(bench);
  log(`dvsan current fresh ${fresh.seconds.toFixed(2)} s`);

  // Ansible: the same bundle to the same place, per variant from a wiped node.
  const job: AnsibleJob = {
    dir: ansibleDir,
    keyPath: lab.keyPath,
    targets: lab.nodes.map((n) => ({ name: n.name, address: n.address })),
    bundlePath,
    bundleSha1: sha1,
    bundleSha256: bundle.sha256,
    agentDir: agentDir(version),
  };
  await writeAnsibleFiles(job);
  const ansible: BenchResult['ansible'] = [];
  for (const v of variants) {
    await wipeAgents(lab);
    await closeControlMasters(ansibleDir, `${subnet}.1`);
    log(`${v.label}: cold`);
    const aCold = await runPlaybook(job, v);
    expectChanged(aCold, 2, `${v.id} cold`);
    await verifyAll(lab, ['node', `${job.agentDir}/dvsan-agent.cjs`, 'verify'], bundle.sha256);
    log(`${v.label}: cold ${aCold.seconds.toFixed(2)} s; current (ssh masters kept)`);
    const aKept = await runPlaybook(job, v);
    expectChanged(aKept, 0, `${v.id} current`);
    await closeControlMasters(ansibleDir, `${subnet}.1`);
    log(`${v.label}: current kept ${aKept.seconds.toFixed(2)} s; current (ssh masters closed)`);
    const aFresh = await runPlaybook(job, v);
    expectChanged(aFresh, 0, `${v.id} current, fresh`);
    await closeControlMasters(ansibleDir, `${subnet}.1`);
    log(`${v.label}: current fresh ${aFresh.seconds.toFixed(2)} s`);
    ansible.push({
      id: v.id,
      label: v.label,
      forks: v.forks,
      pipelining: v.pipelining,
      coldSeconds: aCold.seconds,
      currentKeptSeconds: aKept.seconds,
      currentFreshSeconds: aFresh.seconds,
    });
  }

  const dvsan = {
    id: 'dvsan',
    label: `dvsan (concurrency ${concurrency})`,
    coldSeconds: cold.seconds,
    currentKeptSeconds: kept.seconds,
    currentFreshSeconds: fresh.seconds,
    addSeconds,
    roundTrips: { cold: coldTrips, currentKept: keptTrips, currentFresh: freshTrips },
  };
  const ratios: Record<string, Ratios> = Object.fromEntries(
    ansible.map((a) => [a.id, ratiosFor(dvsan, a)]),
  );
  const labels = Object.fromEntries(ansible.map((a) => [a.id, a.label]));
  const sshVersion = await output('ssh', ['-V']);
  const result: BenchResult = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      kernel: release(),
      node: process.version,
      ansible: `core ${await ansibleVersion(ansibleDir)}`,
      openssh: sshVersion.split(',')[0] ?? sshVersion,
    },
    nodes: lab.nodes.length,
    bundleBytes: bundle.bytes.length,
    deployConcurrency: concurrency,
    dvsan,
    ansible,
    ratios,
    goals: {
      cold: goalFor(ratios, labels, 'cold', 5),
      currentKept: goalFor(ratios, labels, 'currentKept', 10),
      currentFresh: goalFor(ratios, labels, 'currentFresh', 10),
    },
  };

  console.log(formatTable(result));
  log(`wrote ${await saveResult('deploy', result)}`);
  if (args.plot) await writePlot(result);
}

async function writePlot(result: BenchResult): Promise<void> {
  log(`wrote ${await savePlot('deploy', renderSvg(result))}`);
}

await runBench({
  main: async () =>
    args['plot-from']
      ? writePlot(JSON.parse(await readFile(args['plot-from'], 'utf8')) as BenchResult)
      : main(),
  cleanup,
  cleanupNote: 'cleaning up (lab down, temp dirs, ssh masters)',
});
