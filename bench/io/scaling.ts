// Part (b): out-band scaling. Every unit's link gets the same fixed rate; 4 hosts read at once
// from volumes spread over 4 units, from 4 volumes on one unit, and from the spread volumes
// through one relay whose link has the same rate (the in-band design). Unshaped runs first
// show what the machine itself can move, which bounds the rate worth choosing.
import type { VolumeView } from '../../protocol/index.js';
import { attach, createVolume, type Attached, type AttachMode, type IoContext } from './context.js';
import { deviceBytes, fioJobs, runFio } from './fio.js';
import { startRelay } from './relay.js';
import { sentBytes, shape, type ShapedEnd } from './shape.js';
import { sum } from './stats.js';

export interface ScalingOptions {
  rateMbit: number;
  seconds: number;
  ramp: number;
  volumeBytes: number;
  attach: AttachMode;
  relayAddress: string;
}

export const caseIds = [
  'unshaped-single',
  'unshaped-spread',
  'spread',
  'one-unit',
  'in-band',
] as const;
export type CaseId = (typeof caseIds)[number];

export interface CaseRun {
  id: CaseId;
  attach: AttachMode;
  shaped: boolean;
  /** mbps: read by the host's loop device over the common window; fioMBps: fio's own figure. */
  perHost: { host: string; unit: string; mbps: number; fioMBps: number }[];
  totalMBps: number;
  windowSeconds: number;
  /** In-band only: what the relay sent on its link during the window, MB/s. */
  relayMBps?: number;
}

export interface ScalingResult extends ScalingOptions {
  cases: CaseRun[];
}

interface Pair {
  volume: VolumeView;
  host: string;
  portal?: { address: string; port: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** fio keeps reading this long past the window, so a host that started late is still busy. */
const tailSeconds = 3;

/**
 * Attaches every pair (one after another), starts fio on all at once and, once every fio is
 * past its ramp, counts what the loop devices read over one common window of `seconds`.
 * fio's own per-host numbers cover slightly different windows, so they are kept only as a check.
 */
async function readAtOnce(
  ctx: IoContext,
  id: CaseId,
  mode: AttachMode,
  pairs: Pair[],
  o: ScalingOptions,
  shaped: boolean,
  /** In-band: the relay's own end, whose sent bytes are every byte it forwarded. */
  relayEnd?: ShapedEnd,
): Promise<CaseRun> {
  ctx.log(`scaling: ${id} (${pairs.length} host${pairs.length > 1 ? 's' : ''}, ${mode} attach)`);
  const attached: Attached[] = [];
  try {
    for (const p of pairs) attached.push(await attach(ctx, mode, p.volume, p.host, p.portal));
    const fios = Promise.all(
      attached.map((a) =>
        runFio(ctx.lab, a.host, a.device, fioJobs['seq-read'], o.seconds + tailSeconds, o.ramp),
      ),
    );
    // A failing fio must not leave the window waiting; it is reported after the window.
    fios.catch(() => undefined);
    await sleep((o.ramp + 1) * 1000);
    const counters = () =>
      Promise.all([
        Promise.all(attached.map((a) => deviceBytes(a.device))),
        relayEnd ? sentBytes(relayEnd) : Promise.resolve(0),
      ]);
    const [before, relayBefore] = await counters();
    const t0 = performance.now();
    await sleep(o.seconds * 1000);
    const [after, relayAfter] = await counters();
    const windowSeconds = (performance.now() - t0) / 1000;
    const runs = await fios;
    const perHost = attached.map((a, i) => ({
      host: a.host,
      unit: pairs[i]!.volume.unitName,
      mbps: (after[i]!.read - before[i]!.read) / 1e6 / windowSeconds,
      fioMBps: runs[i]!.mbps,
    }));
    const run: CaseRun = {
      id,
      attach: mode,
      shaped,
      perHost,
      totalMBps: sum(perHost.map((p) => p.mbps)),
      windowSeconds,
      ...(relayEnd ? { relayMBps: (relayAfter - relayBefore) / 1e6 / windowSeconds } : {}),
    };
    ctx.log(
      `  ${run.totalMBps.toFixed(1)} MB/s in all (${perHost.map((p) => p.mbps.toFixed(1)).join(' + ')}; fio said ${perHost.map((p) => p.fioMBps.toFixed(1)).join(' + ')})`,
    );
    return run;
  } finally {
    for (const a of attached.reverse()) await a.detach();
  }
}

export async function scaling(ctx: IoContext, o: ScalingOptions): Promise<ScalingResult> {
  const n = Math.min(ctx.units.length, ctx.hosts.length);
  const spread: Pair[] = [];
  const oneUnit: Pair[] = [];
  for (let i = 0; i < n; i++) {
    const host = ctx.hosts[i]!.name;
    spread.push({
      volume: await createVolume(ctx, `spread${i + 1}`, ctx.units[i]!.name, o.volumeBytes),
      host,
    });
    oneUnit.push({
      volume: await createVolume(ctx, `one${i + 1}`, ctx.units[0]!.name, o.volumeBytes),
      host,
    });
  }
  const cases: CaseRun[] = [];
  cases.push(await readAtOnce(ctx, 'unshaped-single', o.attach, spread.slice(0, 1), o, false));
  cases.push(await readAtOnce(ctx, 'unshaped-spread', o.attach, spread, o, false));

  const sw = `${ctx.lab.prefix}-sw`;
  const unitEnds = ctx.units.flatMap((u): ShapedEnd[] => [
    { ns: u.name, dev: 'eth0' },
    { ns: sw, dev: u.name },
  ]);
  ctx.log(`shaping every unit's link to ${o.rateMbit} Mbit/s each way`);
  const unshape = await shape(unitEnds, o.rateMbit, ctx.undo);
  try {
    cases.push(await readAtOnce(ctx, 'spread', o.attach, spread, o, true));
    cases.push(await readAtOnce(ctx, 'one-unit', o.attach, oneUnit, o, true));
    const relay = await startRelay(
      ctx.lab.prefix,
      sw,
      o.relayAddress,
      ctx.units.map((u) => u.address),
      ctx.undo,
    );
    await shape(relay.ends, o.rateMbit, ctx.undo);
    const viaRelay = spread.map((p) => {
      const unit = ctx.units.find((u) => u.name === p.volume.unitName)!;
      return { ...p, portal: { address: relay.address, port: relay.ports.get(unit.address)! } };
    });
    cases.push(await readAtOnce(ctx, 'in-band', 'hand', viaRelay, o, true, relay.ends[0]));
  } finally {
    await unshape();
  }
  return { ...o, cases };
}
