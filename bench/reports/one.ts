import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportFormat, ReportKind } from '../../protocol/reports.js';
import { Database } from '../../station/db/database.js';
import { chromiumPrinter } from '../../station/reports/formats/index.js';
import { ReportService } from '../../station/reports/service.js';

export interface RunResult {
  kind: ReportKind;
  format: ReportFormat;
  volumes: number;
  seconds: number;
  rows: number;
  bytes: number;
  /** Peak growth of the station process over its level before the run, in MiB. */
  peakRssMiB: number;
  peakHeapMiB: number;
}

/** One report in one format, in this process, with its time and the process's peak memory. */
export async function runOne(
  dbFile: string,
  outDir: string,
  kind: ReportKind,
  format: ReportFormat,
  volumes: number,
): Promise<RunResult> {
  const db = await Database.open(dbFile);
  const service = new ReportService(db, join(outDir, 'dl'), chromiumPrinter());
  const path = join(outDir, `${kind}-${volumes}.${format}`);
  await rm(path, { force: true });
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 5);
  const started = performance.now();
  const file = await service.generate({ kind, format, path, force: true });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  await db.close();
  const mib = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
  return {
    kind,
    format,
    volumes,
    seconds: Math.round(seconds * 1000) / 1000,
    rows: file.rows,
    bytes: file.bytes,
    peakRssMiB: mib(peakRss - base.rss),
    peakHeapMiB: mib(peakHeap - base.heapUsed),
  };
}
