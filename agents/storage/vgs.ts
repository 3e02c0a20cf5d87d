import { execFile } from 'node:child_process';
import type { DataPool } from '../../protocol/storage.js';
import { lvmByteCount, lvmReportArgs } from './lvm-report.js';

export const vgsArgs = [...lvmReportArgs, '-o', 'vg_name,vg_size,vg_free'];

/**
 * Turns `vgs --reportformat json` output into LVM pools (`lvm:<vg>`). Entries with no name or
 * unreadable sizes, or more free than total, are skipped rather than failing the inventory.
 */
export function parseVgs(json: string): DataPool[] {
  const doc = JSON.parse(json) as { report?: unknown };
  const pools: DataPool[] = [];
  if (!Array.isArray(doc.report)) return pools;
  for (const report of doc.report as { vg?: unknown }[]) {
    if (typeof report !== 'object' || report === null || !Array.isArray(report.vg)) continue;
    for (const vg of report.vg as Record<string, unknown>[]) {
      if (typeof vg !== 'object' || vg === null) continue;
      const name = typeof vg.vg_name === 'string' ? vg.vg_name.trim() : '';
      const totalBytes = lvmByteCount(vg.vg_size);
      const freeBytes = lvmByteCount(vg.vg_free);
      if (name === '' || name.length > 128 || totalBytes === null || freeBytes === null) continue;
      if (freeBytes > totalBytes || pools.some((pool) => pool.path === name)) continue;
      pools.push({ id: `lvm:${name}`, kind: 'lvm-vg', path: name, totalBytes, freeBytes });
    }
  }
  return pools;
}

/** Runs vgs; no vgs, a failing one (not root, no LVM), a hang or odd output: no LVM pools. */
export function listVolumeGroups(vgsPath: string | null, timeoutMs = 10_000): Promise<DataPool[]> {
  if (!vgsPath) return Promise.resolve([]);
  return new Promise((resolve) => {
    execFile(
      vgsPath,
      vgsArgs,
      {
        timeout: timeoutMs,
        maxBuffer: 4 * 1024 * 1024,
        // LVM warns on stderr about every descriptor it inherits; those are not failures.
        env: { ...process.env, LVM_SUPPRESS_FD_WARNINGS: '1' },
      },
      (err, stdout) => {
        if (err) return resolve([]);
        try {
          resolve(parseVgs(stdout));
        } catch {
          resolve([]);
        }
      },
    );
  });
}
