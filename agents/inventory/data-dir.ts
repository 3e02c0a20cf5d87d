import { execFile } from 'node:child_process';
import { mkdir, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { Inventory } from '../../protocol/inventory.js';

export const defaultDataDir = '/var/lib/dvsan/data';

/** Where volumes' backing files live: `DVSAN_DATA_DIR` when set, else the packaged default. */
export function dataDirPath(env: NodeJS.ProcessEnv): string {
  const configured = env.DVSAN_DATA_DIR;
  return path.resolve(configured && configured !== '' ? configured : defaultDataDir);
}

/**
 * Parses `df -Pk <dir>` (POSIX format, 1024-byte blocks). Reads the numbers from the right of
 * the first data line, since the filesystem name may contain spaces.
 */
export function parseDfPosix(text: string): { totalBytes: number; freeBytes: number } | null {
  const line = text.split('\n')[1];
  const match = line ? /\s(\d+)\s+(\d+)\s+(\d+)\s+\d+%\s/.exec(line) : null;
  if (!match) return null;
  return { totalBytes: Number(match[1]) * 1024, freeBytes: Number(match[3]) * 1024 };
}

function dfSpace(dir: string): Promise<{ totalBytes: number; freeBytes: number }> {
  return new Promise((resolve, reject) => {
    execFile('df', ['-Pk', dir], { timeout: 10_000 }, (err, stdout) => {
      const space = err ? null : parseDfPosix(stdout);
      if (space) resolve(space);
      else reject(err ?? new Error(`cannot read df output for ${dir}`));
    });
  });
}

async function space(dir: string): Promise<{ totalBytes: number; freeBytes: number }> {
  // fs.statfs arrived in Node 18.15; older Node 18 releases still run the agent, so use df there.
  if (typeof statfs !== 'function') return dfSpace(dir);
  const stats = await statfs(dir);
  // bavail, not bfree: the agent is not root everywhere, and root-reserved blocks aren't ours.
  return { totalBytes: stats.blocks * stats.bsize, freeBytes: stats.bavail * stats.bsize };
}

/**
 * Size and free space of the filesystem holding the data directory, creating the directory
 * (owner-only) when missing. If it can't be created, the nearest existing parent's filesystem
 * is where it would live, so that one is measured.
 */
export async function dataDirSpace(dir: string): Promise<Inventory['dataDir']> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch {
    // Measured below through the nearest existing parent.
  }
  return measureDir(dir);
}

/**
 * Size and free space of the filesystem `dir` lives (or would live) on, without creating
 * anything: a missing directory is measured through its nearest existing parent.
 */
export async function measureDir(dir: string): Promise<Inventory['dataDir']> {
  let probe = dir;
  for (;;) {
    try {
      return { path: dir, ...(await space(probe)) };
    } catch (err) {
      const parent = path.dirname(probe);
      if (parent === probe) throw err;
      probe = parent;
    }
  }
}
