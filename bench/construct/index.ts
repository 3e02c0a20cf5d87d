// The construct benchmark: 1,000 simulated units announce at once to a real station core, over
// real UDP on 127.0.0.1, and are enquired through the station's own connectAgent hook and
// merged by its own pool code. Measures the time until all are in the pool (baseline: a polling
// loop) and the packets/s the announce listener verifies (baselines: a minimal verifier, a bare
// UDP socket).
// No root, no lab. Run with:
//   node build/run-ts.mjs bench/construct/index.ts [--units 1000] [--heartbeats 50000] [--plot]
// Prints a table, writes artifacts/bench/construct.json, and with --plot
// docs/images/bench-construct.svg; `--plot-from FILE.json` only redraws the plot.
import { savePlot, saveResult } from '../common/results.js';
import { log, runBench } from '../common/run.js';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type PoolView, StationClient } from '../../protocol/index.js';
import { Database } from '../../station/db/database.js';
import { createStation, type Station } from '../../station/index.js';
import { createLogger } from '../../station/log.js';
import { insertUnits, pollBaseline, poolComplete } from './poll.js';
import {
  type BuildRun,
  type ConstructResult,
  formatTable,
  type RateRun,
  renderSvg,
  type UdpRun,
} from './report.js';
import { bareSocketRun, epochNow, rmemMax, type SendResult, Sender, socketDrops } from './udp.js';
import {
  type AgentCalls,
  announceBatch,
  announceDatagram,
  checkDatagram,
  expectedUnit,
  forged,
  heartbeatSeconds,
  makeUnits,
  simulatedAgents,
  type SimUnit,
} from './units.js';

const { values: args } = parseArgs({
  options: {
    units: { type: 'string', default: '1000' },
    heartbeats: { type: 'string', default: '50000' },
    senders: { type: 'string', default: '4' },
    'latency-ms': { type: 'string', default: '2' },
    /** Startups per second during the pool build; 0 sends them all at once. */
    'build-rate': { type: 'string', default: '0' },
    /** UDP runs paced at these heartbeats/s, each for --paced-seconds; '' skips them. */
    'paced-rates': { type: 'string', default: '10000,20000,40000,80000' },
    'paced-seconds': { type: 'string', default: '2' },
    /** How often each listener measurement runs; the median is reported. */
    repeat: { type: 'string', default: '3' },
    plot: { type: 'boolean', default: false },
    'plot-from': { type: 'string' },
  },
});
const unitCount = Number(args.units);
const heartbeats = Number(args.heartbeats);
const senderSockets = Number(args.senders);
const latencyMs = Number(args['latency-ms']);
const buildRate = Number(args['build-rate']);
const pacedRates = args['paced-rates']
  .split(',')
  .filter((r) => r.trim() !== '')
  .map(Number);
const pacedSeconds = Number(args['paced-seconds']);
const repeat = Number(args.repeat);
const intArg = (v: number, lo: number, hi: number, name: string) => {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`--${name} must be ${lo}..${hi}`);
};
intArg(unitCount, 1, 10_000, 'units');
intArg(heartbeats, 1000, 1_000_000, 'heartbeats');
intArg(senderSockets, 1, 64, 'senders');
intArg(latencyMs, 0, 1000, 'latency-ms');
intArg(buildRate, 0, 1_000_000, 'build-rate');
for (const r of pacedRates) intArg(r, 100, 1_000_000, 'paced-rates');
intArg(pacedSeconds, 1, 30, 'paced-seconds');
intArg(repeat, 1, 15, 'repeat');

const buildGoalSeconds = 10;
const listenerGoalPerSecond = 5000;
const enquiryConcurrency = 16; // station/announce/construct.ts's default
const buildLimitMs = Math.max(120_000, unitCount * 50);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const made: { station: Station | null; sender: Sender | null; dirs: string[] } = {
  station: null,
  sender: null,
  dirs: [],
};
const cleanup = async () => {
  gcObserver.disconnect();
  await made.sender?.close().catch(() => undefined);
  if (made.station)
    await Promise.race([made.station.close(), sleep(15_000)]).catch(() => undefined);
  for (const dir of made.dirs) await rm(dir, { recursive: true, force: true });
};

interface Counts {
  accepted: number;
  signature: number;
  total: number;
}

async function counts(client: StationClient): Promise<Counts> {
  const s = await client.call('announce/stats', {});
  const rejected = Object.values(s.rejected).reduce((a, b) => a + b, 0);
  return { accepted: s.accepted, signature: s.rejected.signature, total: s.accepted + rejected };
}

/** The pool build: every unit's startup over UDP, timed until the pool holds them all. */
async function poolBuild(
  station: Station,
  client: StationClient,
  sender: Sender,
  port: number,
  units: SimUnit[],
  calls: AgentCalls,
): Promise<{ run: BuildRun; pool: PoolView }> {
  const up = new Set<string>();
  let upAt = 0;
  let poolUpdates = 0;
  let inPool = 0;
  let done: { at: number; pool: PoolView } | null = null;
  const unsubscribe = client.onEvent((e) => {
    if (e.type === 'node.updated' && e.node.health === 'up' && !up.has(e.node.id)) {
      up.add(e.node.id);
      if (up.size === units.length) upAt = epochNow();
    } else if (e.type === 'pool.updated') {
      poolUpdates++;
      inPool = e.pool.units.length;
      if (!done && poolComplete(e.pool, units.length)) done = { at: epochNow(), pool: e.pool };
    }
  });
  try {
    const startups = units.map((u) => announceDatagram(u, 'startup'));
    checkDatagram(startups[0]!);
    const before = await counts(client);
    const drops0 = await socketDrops(port);
    const perfAt = (epoch: number) => epoch - performance.timeOrigin;
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const sending = sender.send(startups, buildRate);
    const firstAt = epochNow();
    // Units keep announcing: a heartbeat every 5 s, as their daemons do. A unit whose startup
    // the kernel dropped is brought up (and enquired) by its first heartbeat.
    let beats = 0;
    let beating: Promise<unknown> = Promise.resolve();
    let verifiedAt = 0;
    let lastAccepted = before.accepted;
    const limit = firstAt + buildLimitMs;
    while (!done && epochNow() < limit) {
      await sleep(1);
      const c = await counts(client);
      if (beats === 0 && c.accepted !== lastAccepted) {
        lastAccepted = c.accepted;
        verifiedAt = epochNow();
      }
      if (epochNow() >= firstAt + (beats + 1) * heartbeatSeconds * 1000) {
        beats++;
        const drops = (await socketDrops(port)) - drops0;
        log(
          `${beats * heartbeatSeconds} s: ${c.accepted - before.accepted} announces accepted, ${drops} dropped, ${up.size} up, ${calls.count} enquired, ${inPool} in the pool; heartbeat round ${beats}`,
        );
        const round = units.map((u) => announceDatagram(u, 'heartbeat'));
        beating = beating.then(() => sender.send(round, buildRate));
      }
    }
    const elu = performance.eventLoopUtilization(elu0);
    const cpu = process.cpuUsage(cpu0);
    const s = await sending;
    await beating;
    if (!done) throw new Error(`the pool was not complete after ${buildLimitMs / 1000} s`);
    const finished = done as { at: number; pool: PoolView };
    const since = (epoch: number) => (epoch - s.firstAt) / 1000;
    const run: BuildRun = {
      seconds: since(finished.at),
      sendSeconds: (s.lastAt - s.firstAt) / 1000,
      verifiedSeconds: since(verifiedAt),
      upSeconds: since(upAt),
      firstEnquirySeconds: (calls.first! - perfAt(s.firstAt)) / 1000,
      lastEnquirySeconds: (calls.last! - perfAt(s.firstAt)) / 1000,
      drops: (await socketDrops(port)) - drops0,
      heartbeatRounds: beats,
      poolUpdates,
      eventLoopUtilization: elu.utilization,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      pacing: buildRate > 0 ? `paced at ${buildRate}/s in bursts of 50` : 'all at once, not paced',
    };
    await station.settled();
    return { run, pool: finished.pool };
  } finally {
    unsubscribe();
  }
}

/** Every unit in the pool with exactly the numbers its agent reported, and the sums. */
function checkPool(pool: PoolView, units: SimUnit[]): ConstructResult['pool'] {
  const byId = new Map(pool.units.map((u) => [u.nodeId, u]));
  const wrong: string[] = [];
  let totalBytes = 0;
  let freeBytes = 0;
  let allocatedBytes = 0;
  let volumes = 0;
  let storagePools = 0;
  for (const u of units) {
    const want = expectedUnit(u);
    const got = byId.get(u.id);
    if (
      !got ||
      got.health !== 'up' ||
      got.totalBytes !== want.totalBytes ||
      got.freeBytes !== want.freeBytes ||
      got.allocatedBytes !== want.allocatedBytes ||
      got.volumeCount !== want.volumeCount ||
      got.pools.length !== u.inventory.pools.length
    )
      wrong.push(u.name);
    totalBytes += want.totalBytes;
    freeBytes += want.freeBytes;
    allocatedBytes += want.allocatedBytes;
    volumes += want.volumeCount;
    storagePools += u.inventory.pools.length;
  }
  const t = pool.totals;
  const totalsOk =
    t.totalBytes === totalBytes &&
    t.freeBytes === freeBytes &&
    t.allocatableBytes === freeBytes &&
    t.allocatedBytes === allocatedBytes &&
    pool.units.length === units.length;
  if (wrong.length) log(`pool differs from the agents for ${wrong.slice(0, 5).join(', ')}…`);
  if (!totalsOk) log(`pool totals ${JSON.stringify(t)} differ from the agents' sums`);
  return {
    totalBytes,
    freeBytes,
    allocatedBytes,
    volumes,
    storagePools,
    checked: wrong.length === 0 && totalsOk,
  };
}

const rate = (packets: number, ms: number): RateRun => ({
  packets,
  seconds: ms / 1000,
  perSecond: packets / (ms / 1000),
});

/** The run with the median packets/s, with every run's packets/s kept as samples. */
function median<T extends RateRun>(runs: T[]): T & { samples: number[] } {
  const sorted = [...runs].sort((a, b) => a.perSecond - b.perSecond);
  return { ...sorted[Math.floor(sorted.length / 2)]!, samples: runs.map((r) => r.perSecond) };
}

/** The listener's verification alone: every datagram through injectAnnounce, one loop. */
async function injectRun(
  station: Station,
  client: StationClient,
  batch: Buffer[],
  expect: 'accepted' | 'signature',
): Promise<RateRun> {
  const before = await counts(client);
  const t0 = performance.now();
  for (const d of batch) station.injectAnnounce(d);
  const ms = performance.now() - t0;
  const gcMs = await gcMsBetween(t0 + performance.timeOrigin, t0 + ms + performance.timeOrigin);
  const after = await counts(client);
  const got = after[expect] - before[expect];
  if (got !== batch.length || after.total - before.total !== batch.length)
    throw new Error(`injectAnnounce: ${got} of ${batch.length} ${expect}`);
  return { ...rate(batch.length, ms), gcMs };
}

/**
 * The baseline verifier: JSON.parse of the packet and the body (for the node id), the key,
 * HMAC-SHA256 and a constant-time compare. No schema, version, clock or nonce checks.
 */
function minimalRun(batch: Buffer[], keys: Map<string, Buffer>, expectOk: boolean): RateRun {
  let ok = 0;
  const t0 = performance.now();
  for (const d of batch) {
    try {
      const packet = JSON.parse(d.toString('utf8')) as { b: string; m: string };
      const body = JSON.parse(packet.b) as { nodeId: string };
      const key = keys.get(body.nodeId);
      if (!key) continue;
      const mac = createHmac('sha256', key).update(packet.b, 'utf8').digest();
      if (timingSafeEqual(mac, Buffer.from(packet.m, 'hex'))) ok++;
    } catch {
      // refused
    }
  }
  const ms = performance.now() - t0;
  if (ok !== (expectOk ? batch.length : 0))
    throw new Error(`minimal verifier: ${ok} of ${batch.length} passed`);
  return rate(batch.length, ms);
}

/**
 * Real UDP: the sender worker sends the batch (rate 0: as fast as it can) while this thread
 * runs the listener; counted until every datagram was verified or dropped by the kernel.
 * Packets/s = verified ÷ (first send → last verified).
 */
async function udpRun(
  client: StationClient,
  sender: Sender,
  port: number,
  batch: Buffer[],
  expect: 'accepted' | 'signature',
  sendRate: number,
): Promise<UdpRun> {
  const before = await counts(client);
  const drops0 = await socketDrops(port);
  let sent: SendResult | null = null;
  const sending = sender.send(batch, sendRate).then((s) => (sent = s));
  let last = before.total;
  let lastAt = epochNow();
  let drops = 0;
  for (;;) {
    await sleep(1);
    const c = await counts(client);
    if (c.total !== last) {
      last = c.total;
      lastAt = epochNow();
    }
    const handled = c.total - before.total;
    if (handled >= batch.length) break;
    const quiet = epochNow() - lastAt;
    if (sent && quiet > 20) {
      drops = (await socketDrops(port)) - drops0;
      if (handled + drops + (sent as SendResult).errors >= batch.length || quiet > 3000) break;
    }
  }
  await sending;
  const s = sent! as SendResult;
  const after = await counts(client);
  drops = (await socketDrops(port)) - drops0;
  const verified = after[expect] - before[expect];
  if (after.total - before.total !== verified)
    throw new Error(
      `UDP: ${after.total - before.total - verified} packets refused for another reason`,
    );
  const ms = lastAt - s.firstAt;
  return {
    ...rate(verified, ms),
    sent: s.sent,
    offeredPerSecond: s.sent / ((s.lastAt - s.firstAt) / 1000),
    handled: verified,
    drops,
    sendErrors: s.errors,
    gcMs: await gcMsBetween(s.firstAt, lastAt),
    pacedAt: sendRate > 0 ? sendRate : null,
  };
}

/** Milliseconds this thread spent in garbage collection between two epoch times. */
const gcEntries: PerformanceEntry[] = [];
const gcObserver = new PerformanceObserver((list) => gcEntries.push(...list.getEntries()));
gcObserver.observe({ entryTypes: ['gc'] });
async function gcMsBetween(fromEpoch: number, toEpoch: number): Promise<number> {
  await sleep(10); // entries arrive asynchronously
  const from = fromEpoch - performance.timeOrigin;
  const to = toEpoch - performance.timeOrigin;
  return gcEntries
    .filter((e) => e.startTime < to && e.startTime + e.duration > from)
    .reduce(
      (ms, e) => ms + Math.min(e.startTime + e.duration, to) - Math.max(e.startTime, from),
      0,
    );
}

/** The UDP baseline: the same flood into a bare socket that only counts datagrams. */
async function bareRun(sender: Sender, batch: Buffer[]): Promise<UdpRun> {
  const r = await bareSocketRun(sender, batch);
  return {
    ...rate(r.received, r.lastAt - r.firstAt),
    sent: r.send.sent,
    offeredPerSecond: r.send.sent / ((r.send.lastAt - r.send.firstAt) / 1000),
    handled: r.received,
    drops: r.drops,
    sendErrors: r.send.errors,
    gcMs: await gcMsBetween(r.firstAt, r.lastAt),
    pacedAt: null,
  };
}

async function main(): Promise<void> {
  // The machine may be shared: the 1-minute load before and after goes into the result.
  const loadBefore = loadavg()[0]!;
  log(`generating ${unitCount} units`);
  const units = makeUnits(unitCount);
  const keys = new Map(units.map((u) => [u.id, u.key]));

  const dataDir = await mkdtemp(join(tmpdir(), 'dvsan-bench-construct-'));
  made.dirs.push(dataDir);
  const pollDir = await mkdtemp(join(tmpdir(), 'dvsan-bench-poll-'));
  made.dirs.push(pollDir);
  const db = await Database.open(join(dataDir, 'station.db'));
  await insertUnits(db, units);
  await db.close();

  const calls: AgentCalls = { first: null, last: null, count: 0 };
  const station = await createStation({
    dataDir,
    log: createLogger('silent'),
    announce: { listen: { host: '127.0.0.1', port: 0 } },
    connectAgent: simulatedAgents(units, latencyMs, calls),
  });
  made.station = station;
  if (!station.announceAddress) throw new Error('the station did not start its listener');
  const port = station.announceAddress.port;
  for (const u of units) station.setAnnounceKey(u.id, u.key);
  const client = new StationClient(station.transport);
  // Nothing may go down while the bench runs (heartbeats every 5 s, 100 missed = 500 s).
  await client.call('settings/update', { missedHeartbeats: 100 });
  const sender = await Sender.start('127.0.0.1', port, senderSockets);
  made.sender = sender;

  log(`pool build: ${unitCount} startups to 127.0.0.1:${port}`);
  const build = await poolBuild(station, client, sender, port, units, calls);
  const pool = checkPool(build.pool, units);
  if (calls.count !== unitCount)
    log(`note: the simulated agents answered ${calls.count} enquiries for ${unitCount} units`);
  log(`pool build ${build.run.seconds.toFixed(2)} s; poll baseline`);
  const poll = await pollBaseline(
    pollDir,
    units,
    simulatedAgents(units, latencyMs, { first: null, last: null, count: 0 }),
    buildLimitMs,
  );
  const pollPool = checkPool(poll.pool, units);
  if (!pollPool.checked) throw new Error('the poll baseline built a different pool');
  log(`poll baseline ${poll.seconds.toFixed(2)} s; listener`);

  // Listener: warm up, then each measurement `repeat` times (the median is reported). Every
  // round verifies one batch through the full path and then the minimal verifier.
  const fresh = () => announceBatch(units, 'heartbeat', heartbeats);
  await injectRun(station, client, announceBatch(units, 'heartbeat', 5000), 'accepted');
  minimalRun(announceBatch(units, 'heartbeat', 5000), keys, true);
  const runs = {
    injectAccepted: [] as RateRun[],
    minimalAccepted: [] as RateRun[],
    injectRejected: [] as RateRun[],
    minimalRejected: [] as RateRun[],
    udpAccepted: [] as UdpRun[],
    udpRejected: [] as UdpRun[],
    udpBare: [] as UdpRun[],
  };
  for (let i = 0; i < repeat; i++) {
    const batch = fresh();
    runs.injectAccepted.push(await injectRun(station, client, batch, 'accepted'));
    runs.minimalAccepted.push(minimalRun(batch, keys, true));
    const bad = fresh().map(forged);
    runs.injectRejected.push(await injectRun(station, client, bad, 'signature'));
    runs.minimalRejected.push(minimalRun(bad, keys, false));
  }
  const injectAccepted = median(runs.injectAccepted);
  const minimalAccepted = median(runs.minimalAccepted);
  const injectRejected = median(runs.injectRejected);
  const minimalRejected = median(runs.minimalRejected);
  log(
    `inject ${Math.round(injectAccepted.perSecond)}/s, minimal ${Math.round(minimalAccepted.perSecond)}/s; UDP floods`,
  );
  for (let i = 0; i < repeat; i++) {
    runs.udpAccepted.push(await udpRun(client, sender, port, fresh(), 'accepted', 0));
    const bad = fresh().map(forged);
    runs.udpRejected.push(await udpRun(client, sender, port, bad, 'signature', 0));
    runs.udpBare.push(await bareRun(sender, fresh()));
  }
  const udpAccepted = median(runs.udpAccepted);
  const udpRejected = median(runs.udpRejected);
  const udpBare = median(runs.udpBare);
  // Paced: a steady rate for a few seconds, long past what the 4 MiB buffer could hide.
  const udpPaced: UdpRun[] = [];
  for (const r of pacedRates) {
    log(`UDP paced at ${r}/s for ${pacedSeconds} s`);
    const paced = announceBatch(units, 'heartbeat', r * pacedSeconds);
    udpPaced.push(await udpRun(client, sender, port, paced, 'accepted', r));
  }
  const stats = await client.call('announce/stats', {});
  const unexpected = Object.entries(stats.rejected).filter(
    ([reason, n]) => reason !== 'signature' && n > 0,
  );
  if (unexpected.length)
    throw new Error(
      `the listener refused packets it should not have: ${JSON.stringify(unexpected)}`,
    );

  const result: ConstructResult = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      kernel: release(),
      node: process.version,
      rmemMax: await rmemMax(),
      loadBefore,
      loadAfter: loadavg()[0]!,
    },
    units: unitCount,
    heartbeats,
    repeat,
    pacedSeconds,
    senderSockets,
    agentLatencyMs: latencyMs,
    enquiryConcurrency,
    build: build.run,
    poll: { seconds: poll.seconds, loopSeconds: poll.loopSeconds },
    pool,
    listener: {
      injectAccepted,
      injectRejected,
      minimalAccepted,
      minimalRejected,
      udpAccepted,
      udpRejected,
      udpBare,
      udpPaced,
    },
    ratios: {
      pollOverAnnounce: poll.seconds / build.run.seconds,
      fullOverMinimal: injectAccepted.perSecond / minimalAccepted.perSecond,
      fullOverMinimalRejected: injectRejected.perSecond / minimalRejected.perSecond,
      udpFullOverBare: udpAccepted.perSecond / udpBare.perSecond,
    },
    goals: {
      build: {
        target: buildGoalSeconds,
        value: build.run.seconds,
        met: pool.checked && build.run.seconds < buildGoalSeconds,
      },
      listener: {
        target: listenerGoalPerSecond,
        value: udpAccepted.perSecond,
        met: udpAccepted.perSecond >= listenerGoalPerSecond,
      },
    },
  };

  console.log(formatTable(result));
  log(`wrote ${await saveResult('construct', result)}`);
  if (args.plot) await writePlot(result);
}

async function writePlot(result: ConstructResult): Promise<void> {
  log(`wrote ${await savePlot('construct', renderSvg(result))}`);
}

await runBench({
  main: async () =>
    args['plot-from']
      ? writePlot(JSON.parse(await readFile(args['plot-from'], 'utf8')) as ConstructResult)
      : main(),
  cleanup,
});
