// The console benchmark (issue #7): the Volumes page with 1,000 units, 500 hosts and 10,000
// volumes in Chromium, the product's virtual-scrolling table against the same page built
// with a plain table, in the same run, rounds interleaved. Goals: first render under 1 s,
// a filter under 100 ms.
// Run with:  node build/run-ts.mjs bench/console/index.ts [--rounds 3] [--plain-rounds 1]
//            [--units 1000] [--hosts 500] [--volumes 10000]
//            [--profile: only CPU profiles of the product page, into artifacts/bench/]
//            [--replot: only redraw the plot from the last results]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import type { VolumeView } from '../../protocol/volumes.js';
import { filterVolumes } from '../../renderer/pages/volumes/volume-list.js';
import { projectRoot } from '../../station/paths.js';
import { launchChromium } from '../../test/e2e/browser.js';
import { output } from '../common/machine.js';
import { saveResult, savePlot } from '../common/results.js';
import { log, runBench, UndoStack } from '../common/run.js';
import { buildConsoles } from './build.js';
import {
  applyFilter,
  firstRender,
  mainThreadMs,
  pageState,
  preparePage,
  warmRender,
  type FilterTiming,
} from './measure.js';
import {
  goals,
  markdownTable,
  plot,
  summarise,
  type Round,
  type Summary,
  type Variant,
} from './report.js';
import { profileRender } from './profile.js';
import { seedSite, type SiteSize } from './seed.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    // The plain table takes minutes per round on this machine: fewer rounds of it by default.
    'plain-rounds': { type: 'string', default: '1' },
    units: { type: 'string', default: '1000' },
    hosts: { type: 'string', default: '500' },
    volumes: { type: 'string', default: '10000' },
    plot: { type: 'boolean', default: true },
    // Only a CPU profile of the product page (render + first filter), no rounds.
    profile: { type: 'boolean', default: false },
    // Only redraw docs/images/bench-console.svg from artifacts/bench/console.json.
    replot: { type: 'boolean', default: false },
  },
});

const count = (name: string, text: string, min: number) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return n;
};
const rounds = count('rounds', args.rounds, 1);
// 0: the product page alone (quick checks); nothing is saved then.
const plainRounds = Math.min(count('plain-rounds', args['plain-rounds'], 0), rounds);
const size: SiteSize = {
  units: count('units', args.units, 1),
  hosts: count('hosts', args.hosts, 2),
  volumes: count('volumes', args.volumes, 1),
};

/** One match, ten, a host's exports, a hundred, a thousand, none: each count differs. */
const queries = ['vol-004217', 'unit-0007', 'host-0250', 'vol-0042', 'vol-001', 'no-such-volume'];
// The plain table may need many seconds per render on a loaded machine.
const limitMs = 300_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function startServe(dataDir: string, www: string, port: number): Promise<ChildProcess> {
  const root = projectRoot();
  const child = spawn(
    process.execPath,
    [join(root, 'build/run-ts.mjs'), join(root, 'bench/console/serve.ts'), dataDir, www, `${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let said = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the station did not start in 60 s:\n${said}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      said += chunk.toString();
      if (!said.includes('console at ')) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(child);
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`the station exited with ${code}:\n${said}`));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', onExit);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    child.kill('SIGTERM');
  });
}

async function listVolumes(base: string): Promise<VolumeView[]> {
  const res = await fetch(`${base}api/call/volume%2Flist`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const answer = (await res.json()) as { ok: boolean; result?: VolumeView[] };
  if (!answer.ok || !answer.result)
    throw new Error(`volume/list failed: ${JSON.stringify(answer)}`);
  return answer.result;
}

async function oneRound(
  browser: Browser,
  url: string,
  variant: Variant,
  volumes: VolumeView[],
): Promise<Round> {
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  try {
    const page = await preparePage(context);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const cold = { ...(await firstRender(page, url, limitMs)), cpuMs: await mainThreadMs(cdp) };
    const state = await pageState(page, cdp);
    const filters: FilterTiming[] = [];
    const clears: FilterTiming[] = [];
    const all = `${volumes.length} volume`;
    // One query after another, as a user changes it; then back to every volume once (each
    // clear costs the plain table a full render, which is what it is measured for).
    for (const query of queries) {
      const matches = filterVolumes(volumes, query).length;
      const t = await applyFilter(page, cdp, query, `${matches} of ${volumes.length}`, limitMs);
      filters.push({ query, matches, ...t });
    }
    const c = await applyFilter(page, cdp, '', all, limitMs);
    clears.push({ query: '', matches: volumes.length, ...c });
    const warm = await warmRender(page, limitMs);
    return { variant, cold, warm, state, filters, clears, loadavg: loadavg() };
  } finally {
    await context.close();
  }
}

const fmt = (n: number) => n.toFixed(0);
const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');

interface Saved {
  date: string;
  size: SiteSize;
  rounds: Round[];
  machine: { chromium: string; cpus: number; loadavgBefore: number[]; loadavgAfter: number[] };
  summary: { virtual: Summary; plain: Summary };
}

function drawPlot(r: Saved): Promise<string> {
  const count = (v: Variant) => r.rounds.filter((x) => x.variant === v).length;
  const svg = plot(
    r.summary.virtual,
    r.summary.plain,
    `${r.size.units} units, ${r.size.hosts} hosts, ${r.size.volumes} volumes; medians of ${count('virtual')} product rounds and ${count('plain')} plain round(s), ${queries.length} filters each; ${r.machine.chromium}`,
    `load average ${load(r.machine.loadavgBefore)} before, ${load(r.machine.loadavgAfter)} after, ${r.machine.cpus} CPUs, shared machine; ${r.date}`,
  );
  return savePlot('console', svg);
}
const undo = new UndoStack();

await runBench({
  cleanup: () => undo.unwind(),
  main: async () => {
    if (args.replot) {
      const file = join(projectRoot(), 'artifacts', 'bench', 'console.json');
      log(`plot: ${await drawPlot(JSON.parse(await readFile(file, 'utf8')) as Saved)}`);
      return;
    }
    const started = new Date().toISOString();
    const loadBefore = loadavg();
    const dataDir = await mkdtemp(join(tmpdir(), 'dvsan-bench-console-'));
    undo.push('remove the data dir', () => rm(dataDir, { recursive: true, force: true }));
    log(`writing ${size.units} units, ${size.hosts} hosts, ${size.volumes} volumes`);
    let t = Date.now();
    const { attachments } = await seedSite(join(dataDir, 'station.db'), size);
    const seedMs = Date.now() - t;
    log(`database written in ${seedMs} ms (${attachments} attachments); building the consoles`);
    const www = join(projectRoot(), 'artifacts', 'bench', 'console', 'www');
    t = Date.now();
    await buildConsoles(www);
    log(`built in ${Date.now() - t} ms; starting the station`);
    const port = await freePort();
    const serve = await startServe(dataDir, www, port);
    undo.push('stop the station', () => stopChild(serve));
    const base = `http://127.0.0.1:${port}/`;
    t = Date.now();
    const volumes = await listVolumes(base);
    const listMs = Date.now() - t;
    if (volumes.length !== size.volumes)
      throw new Error(`the station lists ${volumes.length} volumes, not ${size.volumes}`);
    const browser = await launchChromium();
    undo.push('close Chromium', () => browser.close());
    const urls: Record<Variant, string> = { virtual: base, plain: `${base}plain/` };
    if (args.profile) {
      const text = queries[0]!;
      const expect = `${filterVolumes(volumes, text).length} of ${volumes.length}`;
      const file = join(projectRoot(), 'artifacts', 'bench', 'console');
      const top = await profileRender(browser, urls.virtual, { text, expect }, file);
      const show = (l: { fn: string; ms: number }[]) =>
        l.map((x) => `${x.ms.toFixed(1).padStart(8)} ms  ${x.fn}`).join('\n');
      console.log(
        `render, self time:\n${show(top.render)}\n\nfilter, self time:\n${show(top.filter)}`,
      );
      return;
    }
    const all: Round[] = [];
    for (let r = 0; r < rounds; r += 1) {
      // Alternate which goes first, so a burst of load on the machine hits both alike.
      const order: Variant[] = r % 2 ? ['plain', 'virtual'] : ['virtual', 'plain'];
      for (const variant of order) {
        if (variant === 'plain' && r >= plainRounds) continue;
        const round = await oneRound(browser, urls[variant], variant, volumes);
        all.push(round);
        log(
          `round ${r + 1}/${rounds} ${variant}: cold ${fmt(round.cold.paintedMs)} ms (CPU ${fmt(round.cold.cpuMs ?? Number.NaN)}; scripts ran / list sent / answered ${fmt(round.cold.scriptsMs)} / ${fmt(round.cold.listSentMs)} / ${fmt(round.cold.listDoneMs)} ms), warm ${fmt(round.warm.paintedMs)} ms, filters ${round.filters.map((f) => fmt(f.paintedMs)).join('/')} ms (CPU ${round.filters.map((f) => fmt(f.cpuMs)).join('/')}), clear ${round.clears.map((f) => fmt(f.paintedMs)).join('/')} ms, heap ${round.state.heapMiB.toFixed(1)} MiB, ${round.state.rowsInDom} rows in DOM, load ${round.loadavg[0]!.toFixed(1)}`,
        );
      }
    }
    if (plainRounds === 0) return;
    const virtual = summarise(all.filter((r) => r.variant === 'virtual'));
    const plain = summarise(all.filter((r) => r.variant === 'plain'));
    if (virtual.rowsInDom >= size.volumes || plain.rowsInDom !== size.volumes)
      throw new Error(
        `the variants are not what they claim: virtual has ${virtual.rowsInDom} rows in the DOM, plain ${plain.rowsInDom} (want all ${size.volumes})`,
      );
    const loadAfter = loadavg();
    const result = {
      date: started,
      size,
      queries,
      goals,
      machine: {
        cpus: cpus().length,
        loadavgBefore: loadBefore,
        loadavgAfter: loadAfter,
        chromium: await output('/usr/bin/chromium', ['--version']),
        node: process.version,
        gitHead: await output('git', ['rev-parse', '--short', 'HEAD']),
        viewport: '1600x900',
      },
      seedMs,
      volumeListMs: listMs,
      summary: { virtual, plain },
      goalsMet: {
        firstRender: virtual.coldMs < goals.firstRenderMs && virtual.warmMs < goals.firstRenderMs,
        filter: virtual.filterWorstMs < goals.filterMs,
      },
      rounds: all,
    };
    const file = await saveResult('console', result);
    log(`raw numbers: ${file}`);
    const table = markdownTable(virtual, plain);
    await writeFile(join(projectRoot(), 'artifacts', 'bench', 'console.md'), table + '\n');
    if (args.plot) log(`plot: ${await drawPlot(result)}`);
    console.log(table);
    console.log(
      `\nload average before ${load(loadBefore)}, after ${load(loadAfter)}; volume/list ${listMs} ms; results ${file}`,
    );
  },
});
