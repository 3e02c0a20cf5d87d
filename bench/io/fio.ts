// fio jobs run inside a lab host against a block device, O_DIRECT, for a fixed time; the
// answer is fio's own JSON, reduced to MB/s and IOPS.
import { readFile } from 'node:fs/promises';
import { nodeExec, type LabState } from '../../station/lab/index.js';

export const fioJobIds = ['seq-read', 'seq-write', 'rand-read', 'rand-write'] as const;
export type FioJobId = (typeof fioJobIds)[number];

export interface FioJob {
  id: FioJobId;
  rw: 'read' | 'write' | 'randread' | 'randwrite';
  blockSize: string;
  iodepth: number;
}

export const fioJobs: Record<FioJobId, FioJob> = {
  'seq-read': { id: 'seq-read', rw: 'read', blockSize: '1M', iodepth: 8 },
  'seq-write': { id: 'seq-write', rw: 'write', blockSize: '1M', iodepth: 8 },
  'rand-read': { id: 'rand-read', rw: 'randread', blockSize: '4k', iodepth: 16 },
  'rand-write': { id: 'rand-write', rw: 'randwrite', blockSize: '4k', iodepth: 16 },
};

export interface FioRun {
  /** Decimal megabytes per second (10^6 B/s). */
  mbps: number;
  iops: number;
  seconds: number;
}

/** `ramp` seconds run first and are not counted (start-up, and skew between parallel hosts). */
export function fioArgv(
  job: FioJob,
  device: string,
  seconds: number,
  ramp: number,
  sizeBytes?: number,
): string[] {
  return [
    'fio',
    `--name=${job.id}`,
    `--filename=${device}`,
    `--rw=${job.rw}`,
    `--bs=${job.blockSize}`,
    `--iodepth=${job.iodepth}`,
    '--ioengine=libaio',
    '--direct=1',
    '--time_based',
    `--runtime=${seconds}`,
    `--ramp_time=${ramp}`,
    // Random offsets from a fixed seed, so both paths touch the same blocks.
    '--randrepeat=1',
    '--randseed=2611',
    ...(sizeBytes ? [`--size=${sizeBytes}`] : []),
    '--output-format=json',
  ];
}

interface FioSide {
  bw_bytes: number;
  iops: number;
  runtime: number;
}

/** The job's read or write side from fio's JSON (fio may print notes before it). */
export function parseFio(stdout: string, job: FioJob): FioRun {
  const start = stdout.indexOf('{');
  if (start < 0) throw new Error(`fio ${job.id} printed no JSON: ${stdout.slice(0, 200)}`);
  const doc = JSON.parse(stdout.slice(start)) as {
    jobs?: { error?: number; read: FioSide; write: FioSide }[];
  };
  const j = doc.jobs?.[0];
  if (!j) throw new Error(`fio ${job.id}: no job in its JSON`);
  if (j.error) throw new Error(`fio ${job.id} ended with error ${j.error}`);
  const side = job.rw === 'read' || job.rw === 'randread' ? j.read : j.write;
  if (!(side.bw_bytes > 0)) throw new Error(`fio ${job.id} moved no data`);
  return { mbps: side.bw_bytes / 1e6, iops: side.iops, seconds: side.runtime / 1000 };
}

export async function runFio(
  lab: LabState,
  host: string,
  device: string,
  job: FioJob,
  seconds: number,
  ramp: number,
  sizeBytes?: number,
): Promise<FioRun> {
  const r = await nodeExec(lab, host, fioArgv(job, device, seconds, ramp, sizeBytes), {
    timeoutMs: (seconds + ramp + 60) * 1000,
  });
  if (r.code !== 0)
    throw new Error(`fio ${job.id} on ${host} exited ${r.code}: ${r.stderr.trim().slice(0, 300)}`);
  return parseFio(r.stdout, job);
}

/** Fills the first `bytes` of the device once, so every later read reads written blocks. */
export async function prefill(
  lab: LabState,
  host: string,
  device: string,
  bytes: number,
): Promise<void> {
  const r = await nodeExec(
    lab,
    host,
    [
      'fio',
      '--name=prefill',
      `--filename=${device}`,
      '--rw=write',
      '--bs=1M',
      '--iodepth=8',
      '--ioengine=libaio',
      '--direct=1',
      `--size=${bytes}`,
      '--output-format=json',
    ],
    { timeoutMs: 600_000 },
  );
  if (r.code !== 0) throw new Error(`prefill on ${host} exited ${r.code}: ${r.stderr.trim()}`);
}

/**
 * Bytes read and written through a loop device so far, from the kernel's own counters
 * (/sys/block/loopN/stat, in 512-byte sectors), to measure many hosts over one common window.
 */
export async function deviceBytes(device: string): Promise<{ read: number; written: number }> {
  const name = /^\/dev\/(loop\d+)$/.exec(device)?.[1];
  if (!name) throw new Error(`not a loop device: ${device}`);
  const fields = (await readFile(`/sys/block/${name}/stat`, 'utf8')).trim().split(/\s+/);
  return { read: Number(fields[2]) * 512, written: Number(fields[6]) * 512 };
}

/** Whether the loop device reads its backing file with direct I/O (bypassing the page cache). */
export async function loopDirectIo(device: string): Promise<boolean> {
  const name = /^\/dev\/(loop\d+)$/.exec(device)?.[1];
  if (!name) throw new Error(`not a loop device: ${device}`);
  return (await readFile(`/sys/block/${name}/loop/dio`, 'utf8')).trim() === '1';
}
