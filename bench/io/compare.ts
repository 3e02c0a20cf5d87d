// Part (a): one volume on one host, the same fio jobs on the device dvsan attached and on the
// same target attached by hand with the same initiator. Rounds alternate which path goes
// first, so drift on a shared machine does not decide the ratio; medians are compared.
import { attach, createVolume, MiB, type AttachMode, type IoContext } from './context.js';
import {
  fioJobIds,
  fioJobs,
  loopDirectIo,
  prefill,
  runFio,
  type FioJobId,
  type FioRun,
} from './fio.js';
import { hostIqn, qsdCommandOf } from './dvsan.js';
import { median } from './stats.js';

export interface CompareOptions {
  rounds: number;
  seconds: number;
  ramp: number;
  /** The region every job works on, written once before the first round. */
  regionBytes: number;
}

export interface JobComparison {
  id: FioJobId;
  blockSize: string;
  iodepth: number;
  dvsan: FioRun[];
  hand: FioRun[];
  dvsanMedianMBps: number;
  handMedianMBps: number;
  dvsanMedianIops: number;
  handMedianIops: number;
  /** dvsan ÷ hand, of the medians: the goal's measure. */
  ratio: number;
  /** dvsan ÷ hand within each round (the two runs closest in time), and their median. */
  roundRatios: number[];
  medianRoundRatio: number;
}

export interface CompareResult extends CompareOptions {
  host: string;
  unit: string;
  volumeBytes: number;
  /** Which path ran first in each round. */
  order: AttachMode[][];
  jobs: JobComparison[];
  /** The two qsd command lines with paths and secrets hidden; equal when the options are. */
  qsd: { dvsan: string[] | null; hand: string[]; same: boolean | null };
  /** Whether each path's loop device used direct I/O on the FUSE file. */
  loopDirectIo: Record<AttachMode, boolean | null>;
}

export async function compare(ctx: IoContext, o: CompareOptions): Promise<CompareResult> {
  const host = ctx.hosts[0]!.name;
  const unit = ctx.units[0]!.name;
  const volumeBytes = Math.max(o.regionBytes, 256 * MiB);
  const volume = await createVolume(ctx, 'cmp', unit, volumeBytes);
  const initiatorIqn = await hostIqn(ctx.lab, host);
  const runs: Record<AttachMode, Record<FioJobId, FioRun[]>> = {
    dvsan: { 'seq-read': [], 'seq-write': [], 'rand-read': [], 'rand-write': [] },
    hand: { 'seq-read': [], 'seq-write': [], 'rand-read': [], 'rand-write': [] },
  };
  const order: AttachMode[][] = [];
  let dvsanQsd: string[] | null = null;
  let handQsd: string[] | null = null;
  const loopDio: Record<AttachMode, boolean | null> = { dvsan: null, hand: null };
  let filled = false;
  for (let round = 0; round < o.rounds; round++) {
    const paths: AttachMode[] = round % 2 === 0 ? ['dvsan', 'hand'] : ['hand', 'dvsan'];
    order.push(paths);
    for (const mode of paths) {
      ctx.log(`compare round ${round + 1}/${o.rounds}: ${mode}`);
      const a = await attach(ctx, mode, volume, host);
      try {
        if (mode === 'dvsan') dvsanQsd ??= await qsdCommandOf(volume.iqn, initiatorIqn);
        else handQsd ??= await qsdCommandOf(volume.iqn, initiatorIqn);
        loopDio[mode] ??= await loopDirectIo(a.device);
        if (!filled) {
          ctx.log(`  writing the ${o.regionBytes / MiB} MiB region once`);
          await prefill(ctx.lab, host, a.device, o.regionBytes);
          filled = true;
        }
        for (const id of fioJobIds) {
          const r = await runFio(
            ctx.lab,
            host,
            a.device,
            fioJobs[id],
            o.seconds,
            o.ramp,
            o.regionBytes,
          );
          runs[mode][id].push(r);
          ctx.log(`  ${id}: ${r.mbps.toFixed(1)} MB/s, ${r.iops.toFixed(0)} IOPS`);
        }
      } finally {
        await a.detach();
      }
    }
  }
  const jobs = fioJobIds.map((id): JobComparison => {
    const d = runs.dvsan[id];
    const h = runs.hand[id];
    const dm = median(d.map((r) => r.mbps));
    const hm = median(h.map((r) => r.mbps));
    return {
      id,
      blockSize: fioJobs[id].blockSize,
      iodepth: fioJobs[id].iodepth,
      dvsan: d,
      hand: h,
      dvsanMedianMBps: dm,
      handMedianMBps: hm,
      dvsanMedianIops: median(d.map((r) => r.iops)),
      handMedianIops: median(h.map((r) => r.iops)),
      ratio: dm / hm,
      roundRatios: d.map((r, i) => r.mbps / h[i]!.mbps),
      medianRoundRatio: median(d.map((r, i) => r.mbps / h[i]!.mbps)),
    };
  });
  if (!handQsd) throw new Error(`no qemu-storage-daemon for ${volume.iqn} ran on ${host}`);
  return {
    ...o,
    host,
    unit,
    volumeBytes,
    order,
    jobs,
    qsd: {
      dvsan: dvsanQsd,
      hand: handQsd,
      same: dvsanQsd ? JSON.stringify(dvsanQsd) === JSON.stringify(handQsd) : null,
    },
    loopDirectIo: loopDio,
  };
}
