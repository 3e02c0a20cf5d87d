// The I/O benchmark (issue #6), in one run on one lab of 4 units and 4 hosts:
//  (a) fio on a volume attached by dvsan (`host/attach`, the raw loop device) against the same
//      target attached by hand with the same userspace initiator; goal dvsan ÷ hand ≥ 0.98;
//  (b) out-band scaling with every unit's link shaped by tc: 4 hosts reading from 4 units, from
//      1 unit, and through one relay with the same rate (in-band); goal 4 units ≥ 3× both.
// Needs root (the lab), fio, socat, qemu-storage-daemon and tc. Run with:
//   node build/run-ts.mjs bench/io/index.ts [--parts compare,scaling] [--rate-mbit 100] [--plot]
// Prints a table, writes artifacts/bench/io.json, and with --plot docs/images/bench-io-*.svg;
// `--plot-from FILE.json` only redraws the plots.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { assertRoot, labDown, labUp } from '../../station/lab/index.js';
import { defaultAgentBundle } from '../../station/paths.js';
import { bundleInfo, output } from '../common/machine.js';
import { savePlot, saveResult } from '../common/results.js';
import { log, runBench, UndoStack } from '../common/run.js';
import { addAndDeploy, closeStation, openStation } from '../common/station.js';
import { compare, type CompareResult } from './compare.js';
import { MiB, type AttachMode, type IoContext } from './context.js';
import {
  computeGoals,
  formatTable,
  renderCompareSvg,
  renderScalingSvg,
  type IoResult,
} from './report.js';
import { leftovers, type UsedLoop } from './leftovers.js';
import { scaling, type ScalingResult } from './scaling.js';

const prefix = 'dvo';
const subnet = '10.99.24';
const relayAddress = `${subnet}.90`;
const parts = ['compare', 'scaling'] as const;
const usage = `usage: node build/run-ts.mjs bench/io/index.ts [options]
  --parts compare,scaling   which parts to run (default both)
  --rounds N                compare: rounds, alternating which path goes first (default 3)
  --seconds N               compare: seconds per fio job (default 10)
  --region-mib N            compare: MiB every job works on, written once first (default 512)
  --rate-mbit N             scaling: each link's rate, Mbit/s each way (default 100)
  --scaling-seconds N       scaling: seconds each case reads (default 15)
  --scaling-attach MODE     scaling: dvsan (host/attach) or hand (default dvsan)
  --ramp N                  seconds each fio job runs before it counts (default 2)
  --plot                    also write docs/images/bench-io-compare.svg and -scaling.svg
  --plot-from FILE.json     only redraw the plots from a saved result`;

const { values: args } = parseArgs({
  options: {
    parts: { type: 'string', default: parts.join(',') },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    'region-mib': { type: 'string', default: '512' },
    'rate-mbit': { type: 'string', default: '100' },
    'scaling-seconds': { type: 'string', default: '15' },
    'scaling-attach': { type: 'string', default: 'dvsan' },
    ramp: { type: 'string', default: '2' },
    plot: { type: 'boolean', default: false },
    'plot-from': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(usage);
  process.exit(0);
}
const intArg = (name: keyof typeof args, lo: number, hi: number) => {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`--${name} must be ${lo}..${hi}`);
  return v;
};
const chosen = args.parts.split(',').filter((p) => p.trim() !== '');
for (const p of chosen)
  if (!(parts as readonly string[]).includes(p))
    throw new Error(`unknown part ${p}; known: ${parts.join(', ')}`);
const rounds = intArg('rounds', 1, 15);
const seconds = intArg('seconds', 3, 300);
const regionMiB = intArg('region-mib', 64, 4096);
const rateMbit = intArg('rate-mbit', 10, 10_000);
const scalingSeconds = intArg('scaling-seconds', 5, 300);
const ramp = intArg('ramp', 0, 30);
const scalingAttach = args['scaling-attach'] as AttachMode;
if (scalingAttach !== 'dvsan' && scalingAttach !== 'hand')
  throw new Error('--scaling-attach must be dvsan or hand');

const undo = new UndoStack();
const loops: UsedLoop[] = [];

/** Undoes everything, then looks: anything of this run still there fails the run. */
async function cleanup(): Promise<void> {
  await undo.unwind();
  const left = await leftovers(prefix, relayAddress, loops);
  if (left.length) {
    log(`left behind after the cleanup: ${left.join(', ')}`);
    process.exitCode = 1;
  } else log('nothing left behind: no loop device, qsd, socat or namespace of this run');
}

/** Tools the bench runs inside the lab nodes (which share this machine's /usr). */
async function preflight(): Promise<void> {
  assertRoot();
  const missing: [string, string][] = [];
  for (const [tool, pkg] of [
    ['fio', 'fio'],
    ['socat', 'socat'],
    ['qemu-storage-daemon', 'qemu-system-common qemu-block-extra'],
    ['tc', 'iproute2'],
  ] as const)
    if (!(await output('sh', ['-c', 'command -v "$1"', 'sh', tool]))) missing.push([tool, pkg]);
  if (missing.length)
    throw new Error(
      `this bench needs ${missing.map(([t]) => t).join(', ')}: apt-get install ${missing.map(([, p]) => p).join(' ')}, then run it again`,
    );
  if (!existsSync(defaultAgentBundle()))
    throw new Error('build the agent first: node build/build.mjs agent station');
}

async function main(): Promise<void> {
  await preflight();
  const loadBefore = loadavg();
  log(`load average before the run: ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  const agentBundle = await bundleInfo(defaultAgentBundle());
  const dataDir = await mkdtemp(join(tmpdir(), 'dvsan-bench-io-'));
  undo.push('station data dir', () => rm(dataDir, { recursive: true, force: true }));

  // A lab left by an earlier run of this bench (same prefix) is removed, never adopted.
  const stale = await labDown({ prefix });
  if (stale.found) log(`removed a lab ${prefix} left by an earlier run`);
  log(`lab up: 4 units, 4 hosts (${prefix}, ${subnet}.x)`);
  let hostSshds: number[] = [];
  undo.push(`lab ${prefix}`, async () => {
    // lab down lists loop devices from inside each host's sshd and would detach every lab's
    // devices under /run/dvsan (other people's too); ours are detached by now, so the host
    // sshds go first and lab down finds none to ask.
    for (const pid of hostSshds) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    await new Promise((r) => setTimeout(r, 500));
    const down = await labDown({ prefix });
    if (down.problems.length) throw new Error(down.problems.join('; '));
  });
  const lab = await labUp({ units: 4, hosts: 4, prefix, subnet });
  hostSshds = lab.nodes.filter((n) => n.role === 'host').map((n) => n.sshdPid);
  const bench = await openStation(dataDir, defaultAgentBundle());
  undo.push('station', () => closeStation(bench));
  const ids = await addAndDeploy(bench.client, lab, lab.nodes);
  log('station up; every node added, deployed and up');
  const ctx: IoContext = {
    lab,
    client: bench.client,
    ids,
    undo,
    units: lab.nodes.filter((n) => n.role === 'unit'),
    hosts: lab.nodes.filter((n) => n.role === 'host'),
    log,
    loops,
  };

  const notes: string[] = [];
  let compared: CompareResult | null = null;
  let scaled: ScalingResult | null = null;
  if (chosen.includes('compare'))
    compared = await compare(ctx, { rounds, seconds, ramp, regionBytes: regionMiB * MiB });
  if (chosen.includes('scaling')) {
    if (scalingAttach === 'hand')
      notes.push('scaling: every case attached by hand (qsd + FUSE + loop), not by host/attach');
    scaled = await scaling(ctx, {
      rateMbit,
      seconds: scalingSeconds,
      ramp,
      volumeBytes: 1024 * MiB,
      attach: scalingAttach,
      relayAddress,
    });
  }
  const result: IoResult = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      kernel: release(),
      node: process.version,
      qemu: (await output('qemu-storage-daemon', ['--version'])).split('\n')[0] ?? '',
      fio: await output('fio', ['--version']),
      tgt: await output('dpkg-query', ['-W', '-f', '${Version}', 'tgt']),
      loadBefore,
      loadAfter: loadavg(),
    },
    lab: { prefix, subnet, units: ctx.units.length, hosts: ctx.hosts.length },
    agentBundle,
    notes,
    compare: compared,
    scaling: scaled,
    goals: computeGoals(compared, scaled),
  };
  console.log(formatTable(result));
  log(`wrote ${await saveResult('io', result)}`);
  if (args.plot) await writePlots(result);
}

async function writePlots(result: IoResult): Promise<void> {
  const compareSvg = renderCompareSvg(result);
  const scalingSvg = renderScalingSvg(result);
  if (compareSvg) log(`wrote ${await savePlot('io-compare', compareSvg)}`);
  if (scalingSvg) log(`wrote ${await savePlot('io-scaling', scalingSvg)}`);
}

if (args['plot-from'])
  await runBench({
    main: async () =>
      writePlots(JSON.parse(await readFile(args['plot-from']!, 'utf8')) as IoResult),
    cleanup: async () => undefined,
  });
else
  await runBench({
    main,
    cleanup,
    cleanupNote: 'cleaning up (attachments, qdiscs, relay, volumes, station, lab, temp dir)',
  });
